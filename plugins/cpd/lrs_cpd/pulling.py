"""Scheduled pulls: statements (and documents) brought from another LRS on a schedule.

A **source** (item ``cpd-source``) belongs to a person (written into their record with their
access, as their import is: only their statements unless the actor is mapped) or, with no
person, to the whole store (made only by the operator, ``lrs pull add``; written with a tool
credential of its own, named after the source). It names the other LRS's endpoint and
credential, optionally whose statements (an agent), whether the state and agent profile
documents come along, and how often.

Each **run** asks for the statements stored since the last one (``since``: the newest
``stored`` seen, never later than the other LRS's X-Experience-API-Consistent-Through, less
``LRS_PULL_OVERLAP`` (a millisecond: ``since`` is exclusive, and statements stored in the same
instant as the last one read must not be missed; what is read twice is recognised by its id
and stored once)), oldest first, following ``more``, a page at a time; after each page its
progress and where to resume are saved (item ``cpd-source-state``), so a run cut short (the
other LRS stopping) resumes there. A run reads at most ``LRS_PULL_PAGES`` pages once it has got
past where it started (so that many statements stored in one instant cannot hold it in place);
the rest follows at once in the next run. Then, when asked,
the documents: the agent profiles of the agents whose statements came, and their state
documents in the activities (and registrations) those statements name (the State resource
lists documents only per activity), remembered for later runs (``LRS_PULL_DOCUMENTS_MAX``
pairs); a document changed at the source replaces ours.

A network failure or a 408, 425, 429, 5xx answer is retried with backoff
(``LRS_PULL_BACKOFF`` doubling up to ``LRS_PULL_BACKOFF_MAX``); an answer retrying cannot
change (401, 403, 404, an address the server may not contact …) **pauses** the source until
its owner runs or resumes it. Every run is written to the source's **log** (``cpd-source-log``,
the last 50) in Learnfolio's own words: the outbound guard never passes on the other server's
text. Every request goes through that guard (lrs.outbound): the public internet, or what the
operator admits with ``LRS_OUTBOUND_ALLOW``.

A **worker thread** in each server process runs the sources that are due; a lease (an atomic
counter of the store) lets one process at a time pull a source. State lives in
``lrs.plugin_state("cpd")``, settings in ``lrs.plugin_config("pull", …)`` (docs/cpd.md).
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import secrets
import threading
import time
import weakref
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import orjson

from lrs import (
    Access, agent_key, BadRequest, Credential, Guard, Item, LRSError, OutboundError, tool_authority, validate_agent,
)
from lrs_cpd.importing import ImportReport, StatementEntry, Target, person_target, run_import
from lrs_cpd.remote import pull_documents, pull_pages

SOURCE = "cpd-source"
STATE = "cpd-source-state"
LOG = "cpd-source-log"
LEASE = "cpd-pull-lease"
LOG_KEEP = 50
#: how often a person's source may run, as the import page offers it (seconds)
INTERVALS = {900: "every 15 minutes", 3600: "every hour", 21600: "every 6 hours", 86400: "every day"}
#: the agents a run looks for documents of, at most
MAX_AGENTS = 50

log = logging.getLogger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _stamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class PullOptions:
    interval: float = 3600.0      # seconds between runs of a source (its own interval wins)
    page_size: int = 500          # statements asked for per page
    pages: int = 20               # pages a run reads at most; the rest follows at once
    backoff: float = 30.0         # first retry after this many seconds, doubling
    backoff_max: float = 3600.0   # never waiting longer than this
    overlap: float = 0.001        # seconds re-read before the last `since` (exclusive, to the millisecond)
    documents_max: int = 500      # (agent, activity, registration) remembered for state documents
    tick: float = 5.0             # seconds between the worker's looks at what is due
    lease: float = 900.0          # seconds one process holds a source while it pulls it
    worker: bool = True           # a worker thread in each server process
    #: every request goes through it: only addresses the server may contact (lrs.outbound)
    guard: Guard = field(default_factory=Guard)

    #: the settings and their defaults: ``LRS_PULL_INTERVAL`` … (docs/cpd.md)
    DEFAULTS = {"interval": "3600", "page_size": "500", "pages": "20", "backoff": "30", "backoff_max": "3600",
                "overlap": "0.001", "documents_max": "500", "tick": "5", "lease": "900", "worker": "1"}

    @classmethod
    def of(cls, lrs) -> "PullOptions":
        """The options of an application (``lrs.plugin_config("pull")``)."""
        s = lrs.plugin_config("pull", cls.DEFAULTS)
        return cls(interval=float(s["interval"]), page_size=int(s["page_size"]), pages=max(1, int(s["pages"])),
                   backoff=float(s["backoff"]), backoff_max=float(s["backoff_max"]), overlap=float(s["overlap"]),
                   documents_max=int(s["documents_max"]), tick=float(s["tick"]), lease=float(s["lease"]),
                   worker=str(s["worker"]).lower() not in ("0", "false", "no", "off"), guard=Guard.of(lrs.config))

    def delay(self, attempts: int) -> float:
        return min(self.backoff_max, self.backoff * 2 ** max(0, attempts - 1))


# -- sources ----------------------------------------------------------------------------------------


def add_source(store, *, endpoint: str, key: str, secret: str, person_id: int | None = None,
               agent: dict | None = None, documents: bool = False, map_actor: bool = False,
               interval: float | None = None, name: str = "", version: str = "1.0.3",
               guard: Guard | None = None) -> Item:
    """A new source, due at once. The secret is kept as given: every run must send it.

    With a ``guard``, an endpoint the server may not contact is refused now (BlockedAddress);
    without one it is refused at each run (which then pauses the source).
    """
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("The endpoint is a full address, like https://lrs.example.org/xapi/.")
    if parts.username or parts.password:
        raise ValueError("Give the key and secret in their own fields, not in the endpoint's address.")
    if not key or not secret:
        raise ValueError("The other LRS's key and secret are both needed.")
    if version not in ("1.0.3", "2.0.0"):
        raise ValueError("The xAPI version is 1.0.3 or 2.0.0.")
    if map_actor and person_id is None:
        raise ValueError("Mapping the actor is for a person's own sources.")
    if interval is not None and interval <= 0:
        raise ValueError("The interval is a number of seconds above 0.")
    if agent is not None:
        validate_agent(agent, location="agent", allow_group=False)
    if guard is not None:
        guard.check_url(endpoint)
    body = {"name": (name or parts.hostname)[:100], "endpoint": endpoint.rstrip("/") + "/", "key": key,
            "secret": secret, "version": version, "agent": agent, "documents": bool(documents),
            "map_actor": bool(map_actor), "interval": interval, "enabled": True}
    return store.put_item(Item(SOURCE, secrets.token_hex(8), person_id, body))


def sources(store, person_id: int | None = None, *, everyone: bool = False) -> list[Item]:
    """A person's sources, the store-wide ones (``person_id`` None), or every source (``everyone``)."""
    if everyone:
        return store.list_items(SOURCE)
    if person_id is not None:
        return store.list_items(SOURCE, person_id=person_id)
    return [s for s in store.list_items(SOURCE) if s.person_id is None]


def source_state(store, source: Item) -> dict:
    """Where a source's runs stand: ``since``, ``next_run``, ``attempts``, ``paused``, ``progress``, ``last_run``."""
    found = store.get_item(STATE, source.item_id)
    state = {"since": "", "documents_since": "", "pairs": [], "next_run": "", "attempts": 0, "paused": "",
             "progress": None, "last_run": None}
    if found is not None:
        state.update(found.body)
    return state


def _save_state(store, source: Item, state: dict) -> None:
    store.put_item(Item(STATE, source.item_id, source.person_id, state, ref=source.item_id))


def source_log(store, source_id: str) -> list[Item]:
    """The source's runs, newest first."""
    return list(reversed(store.list_items(LOG, ref=source_id)))


def _log(store, source: Item, entry: dict) -> None:
    item_id = f"{_now().strftime('%Y%m%d%H%M%S%f')}-{secrets.token_hex(3)}"
    store.put_item(Item(LOG, item_id, source.person_id, entry, ref=source.item_id))
    entries = store.list_items(LOG, ref=source.item_id)
    for old in entries[:max(0, len(entries) - LOG_KEEP)]:
        store.delete_item(LOG, old.item_id)


def set_enabled(store, source: Item, enabled: bool) -> Item:
    """Pause a source, or resume it (due at once, a pause after a refusal lifted)."""
    source = store.put_item(Item(SOURCE, source.item_id, source.person_id, {**source.body, "enabled": enabled}))
    if enabled:
        run_now(store, source)
    return source


def run_now(store, source: Item) -> None:
    """Make the source due now, resumed if it was paused (after its key is fixed, say)."""
    if not source.body.get("enabled", True):
        source = store.put_item(Item(SOURCE, source.item_id, source.person_id, {**source.body, "enabled": True}))
    state = source_state(store, source)
    state.update(next_run="", paused="")  # attempts go on counting until a run succeeds
    _save_state(store, source, state)


def delete_source(store, source: Item) -> None:
    for entry in store.list_items(LOG, ref=source.item_id):
        store.delete_item(LOG, entry.item_id)
    store.delete_item(STATE, source.item_id)
    store.delete_item(SOURCE, source.item_id)


def endpoint_host(source: Item) -> str:
    """Where the source is, as people may see it: the host and port, never a credential."""
    parts = urlsplit(source.body.get("endpoint", ""))
    return f"{parts.hostname}{f':{parts.port}' if parts.port else ''}" if parts.hostname else "?"


def due_sources(store, now: dt.datetime | None = None) -> list[Item]:
    """The sources whose next run is due: not paused, and their time has come."""
    moment = _stamp(now or _now())
    due = []
    for source in store.list_items(SOURCE):
        if not source.body.get("enabled", True):
            continue
        state = source_state(store, source)
        if not state["paused"] and (state["next_run"] or "") <= moment:
            due.append(source)
    return due


# -- one process at a time ----------------------------------------------------------------------------


def take_lease(store, source_id: str, seconds: float) -> bool:
    """Whether this caller may pull the source now: one at a time across threads and processes.

    The store's atomic attempt counter: the first caller in a window counts 1, others more (and
    take theirs back at once); a holder that dies frees the source when the window ends.
    """
    if store.count_attempt(LEASE, source_id, seconds) == 1:
        return True
    store.uncount_attempt(LEASE, source_id)
    return False


def give_lease(store, source_id: str) -> None:
    store.uncount_attempt(LEASE, source_id)


# -- a run ------------------------------------------------------------------------------------------------


def _target(lrs, source: Item) -> Target | None:
    """Who writes what a source brings: its person (their access), or a tool credential of the source's
    own for a store-wide one (the operator made it); None when its person is gone."""
    store = lrs.store
    if source.person_id is None:
        key = f"cpd-pull-{source.item_id}"
        name = source.body.get("name") or endpoint_host(source)
        credential = Credential(key=key, name=name, scopes=("statements/write", "state", "profile"),
                                authority=tool_authority(key, name))
        return Target(Access.for_credential(credential, store), update_documents=True)
    person = store.get_person_by_id(source.person_id)
    if person is None:
        return None
    target = person_target(store, lrs.config, person, map_actor=bool(source.body.get("map_actor")),
                           name="Learnfolio scheduled pull")
    target.update_documents = True
    return target


def _pairs_of(entries, target: Target) -> list[list]:
    """(agent, activity id, registration) of each statement whose documents may come: its own actor
    (an Agent) that the target may hold documents of, and the Activity it is about."""
    found = []
    for entry in entries:
        if not isinstance(entry, StatementEntry):
            continue
        statement = entry.statement
        actor, target_object = statement.get("actor"), statement.get("object")
        if not isinstance(actor, dict) or actor.get("objectType", "Agent") != "Agent" or not isinstance(
                target_object, dict) or target_object.get("objectType", "Activity") != "Activity":
            continue
        key = agent_key(actor)
        if key is None or not (target.map_actor or target.access.reaches_documents_of(key)):
            continue
        agent = {k: actor[k] for k in ("objectType", "mbox", "mbox_sha1sum", "openid", "account") if k in actor}
        registration = (statement.get("context") or {}).get("registration")
        found.append([orjson.dumps(agent, option=orjson.OPT_SORT_KEYS).decode(), target_object.get("id"),
                      registration.lower() if isinstance(registration, str) else None])
    return found


def _remember(pairs: list[list], new: list[list], limit: int) -> list[list]:
    """Pairs seen, most recent last, each once, at most ``limit``."""
    merged = [p for p in pairs if p not in new] + [p for i, p in enumerate(new) if p not in new[:i]]
    return merged[-limit:]


def _document_scopes(state: dict, source: Item, seen: list[list], overlap: float) -> list[tuple]:
    """What to ask documents of: each remembered pair (state documents), each agent (agent profiles),
    everything changed since the last documents pass, what was first seen in this run all of it."""
    since = state.get("documents_since") or ""
    if since:
        since = _stamp(dt.datetime.fromisoformat(since.replace("Z", "+00:00")) - dt.timedelta(seconds=overlap))
    fresh = {tuple(p) for p in seen} - {tuple(p) for p in state.get("pairs", [])}
    agents: dict[str, bool] = {}
    configured = source.body.get("agent")
    if configured:
        agents[orjson.dumps(configured, option=orjson.OPT_SORT_KEYS).decode()] = not since
    scopes = []
    for agent_json, activity_id, registration in _remember(state.get("pairs", []), seen, 10 ** 9):
        is_new = (agent_json, activity_id, registration) in fresh
        scopes.append((orjson.loads(agent_json), activity_id, registration, None if is_new or not since else since))
        agents[agent_json] = agents.get(agent_json, False) or is_new
    for agent_json, is_new in list(agents.items())[:MAX_AGENTS]:
        scopes.append((orjson.loads(agent_json), None, None, None if is_new or not since else since))
    return scopes


def describe(entry: dict) -> str:
    """A run, in a sentence: what the log shows and ``lrs pull`` prints."""
    if entry.get("outcome") == "busy":
        return "another process is pulling this source now"
    text = (f"{entry.get('statements', 0)} statements read, {entry.get('stored', 0)} stored,"
            f" {entry.get('duplicates', 0)} already here, {entry.get('problems', 0)} not imported")
    if entry.get("documents") or entry.get("documents_same"):
        text += f"; documents: {entry.get('documents', 0)} stored or updated, {entry.get('documents_same', 0)} unchanged"
    if entry.get("more"):
        text += "; more to come at once"
    if entry.get("error"):
        text += f"; {entry['outcome']}: {entry['error']}"
    return text


def run_source(lrs, source: Item, options: PullOptions, *, holding: set | None = None) -> dict:
    """One run of one source, now, whatever its schedule; returns its log entry.

    ``holding`` (the worker's) names the sources this process holds a lease on while it runs them.
    """
    store = lrs.store
    if not take_lease(store, source.item_id, options.lease):
        return {"outcome": "busy"}
    if holding is not None:
        holding.add(source.item_id)
    try:
        return _run(lrs, source, options)
    finally:
        give_lease(store, source.item_id)
        if holding is not None:
            holding.discard(source.item_id)


def _add_report(entry: dict, report: ImportReport) -> None:
    entry["statements"] += report.statements
    entry["stored"] += report.stored
    entry["duplicates"] += report.duplicates
    entry["problems"] += report.problem_count
    entry["documents"] += report.documents + report.documents_updated
    entry["documents_same"] += report.documents_same + report.documents_kept
    room = 5 - len(entry["problem_examples"])
    entry["problem_examples"] += [f"{p.position}: {p.message}" for p in report.problems[:max(0, room)]]


def _run(lrs, source: Item, options: PullOptions) -> dict:
    store, body = lrs.store, source.body
    started, clock = _now(), time.monotonic()
    state = source_state(store, source)
    entry = {"when": started.isoformat(timespec="seconds"), "outcome": "ok", "statements": 0, "stored": 0,
             "duplicates": 0, "problems": 0, "problem_examples": [], "documents": 0, "documents_same": 0,
             "pages": 0, "more": False, "error": "", "seconds": 0.0}
    target = _target(lrs, source)
    if target is None:
        return {**entry, "outcome": "stopped", "error": "its person is gone"}
    params = {}
    if state["since"]:
        since = dt.datetime.fromisoformat(state["since"].replace("Z", "+00:00"))
        params["since"] = _stamp(since - dt.timedelta(seconds=options.overlap))
    if body.get("agent"):
        params["agent"] = orjson.dumps(body["agent"]).decode()
    auth = (body["endpoint"], body["key"], body["secret"])
    first_consistent, newest, seen = None, None, []
    started_since = state["since"] or ""
    try:
        for page in pull_pages(*auth, guard=options.guard, version=body.get("version", "1.0.3"),
                               page_size=options.page_size, params=params):
            _add_report(entry, run_import(lrs, page.entries, target))
            entry["pages"] = page.number
            if page.number == 1:
                first_consistent = page.consistent_through
            if page.newest and (newest is None or page.newest > newest):
                newest = page.newest
            if newest:  # resume after what is stored here, never beyond what the source vouched complete
                resume = min(newest, first_consistent) if first_consistent else newest
                state["since"] = max(resume, state["since"] or "")
            if body.get("documents"):
                seen = _remember(seen, _pairs_of(page.entries, target), options.documents_max)
            state["progress"] = {"started": entry["when"], "pages": page.number, "statements": entry["statements"],
                                 "stored": entry["stored"]}
            if store.get_item(SOURCE, source.item_id) is None:
                return {**entry, "outcome": "stopped", "error": "the source was removed"}
            _save_state(store, source, state)
            current = store.get_item(SOURCE, source.item_id)
            if not current.body.get("enabled", True):
                entry.update(outcome="stopped", error="paused during the run", more=page.more)
                break
            if page.more and page.number >= options.pages and state["since"] > started_since:
                entry["more"] = True  # a bounded run; not before it got past its start (one instant's many)
                break
        if body.get("documents") and entry["outcome"] == "ok":
            documents_since = first_consistent or _stamp(started)
            scopes = _document_scopes(state, source, seen, options.overlap)
            _add_report(entry, run_import(lrs, pull_documents(*auth, guard=options.guard,
                                                              version=body.get("version", "1.0.3"),
                                                              scopes=scopes), target))
            state["pairs"] = _remember(state.get("pairs", []), seen, options.documents_max)
            state["documents_since"] = documents_since
    except OutboundError as error:
        entry["error"] = error.message
        if error.retryable:
            state["attempts"] = state.get("attempts", 0) + 1
            entry["outcome"] = "retrying"
            entry["retry_in"] = options.delay(state["attempts"])
        else:
            entry["outcome"] = "paused"
            state["paused"] = error.message
    except LRSError as error:  # our own refusal of what came (never expected): stop until someone looks
        entry.update(outcome="paused", error=error.message)
        state["paused"] = error.message
    entry["seconds"] = round(time.monotonic() - clock, 2)
    if store.get_item(SOURCE, source.item_id) is None:  # removed meanwhile: nothing of it stays
        return entry
    interval = body.get("interval") or options.interval
    if entry["outcome"] == "ok":
        state["attempts"] = 0
        state["next_run"] = _stamp(_now() if entry["more"] else _now() + dt.timedelta(seconds=interval))
    elif entry["outcome"] == "retrying":
        state["next_run"] = _stamp(_now() + dt.timedelta(seconds=entry["retry_in"]))
    elif entry["outcome"] == "stopped":
        state["next_run"] = _stamp(_now() + dt.timedelta(seconds=interval))
    state["progress"] = None
    state["last_run"] = {k: entry[k] for k in ("when", "outcome", "statements", "stored", "error")}
    _save_state(store, source, state)
    _log(store, source, entry)
    if store.get_item(SOURCE, source.item_id) is None:  # removed while this was written: nothing stays
        delete_source(store, source)
    return entry


def run_due(lrs, options: PullOptions, *, holding: set | None = None) -> list[dict]:
    """Run every source that is due (the worker's pass; ``lrs pull run`` without an id)."""
    return [run_source(lrs, source, options, holding=holding) for source in due_sources(lrs.store)]


# -- the worker thread ---------------------------------------------------------------------------------


class Puller:
    """Runs the sources that are due, in a daemon thread of this process; woken by "run now".

    A process that exits while its thread pulls (a short command, a server stopping) gives its
    leases back on the way out, so the other processes need not wait ``LRS_PULL_LEASE`` for it.
    """

    def __init__(self, lrs, options: PullOptions):
        self.lrs = weakref.ref(lrs)  # the thread ends once the application is gone
        self.store = weakref.ref(lrs.store)
        self.options = options
        self.wake_up = threading.Event()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.holding: set[str] = set()

    def start(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="lrs-pull", daemon=True)
                self.thread.start()
                atexit.register(self._give_back)

    def _give_back(self) -> None:
        store = self.store()
        for source_id in list(self.holding):
            try:
                give_lease(store, source_id)
            except Exception:  # exiting: the lease then ends with its window
                pass

    def wake(self) -> None:
        self.start()
        self.wake_up.set()

    def _run(self) -> None:
        while True:
            self.wake_up.wait(self.options.tick)
            self.wake_up.clear()
            lrs = self.lrs()
            if lrs is None:
                return
            try:
                run_due(lrs, self.options, holding=self.holding)
            except Exception:  # a broken store or network must not end the thread
                log.exception("scheduled pulls failed; will try again")
            del lrs


def puller_of(lrs) -> Puller | None:
    """The pull worker of this application (made at start-up), if any."""
    return lrs.plugin_state("cpd").get("puller")


def parse_agent(text: str) -> dict | None:
    """Whose statements, as a person or the operator types it: an e-mail address, or an Agent in JSON."""
    text = (text or "").strip()
    if not text:
        return None
    if text.startswith("{"):
        try:
            agent = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise BadRequest("the agent is not valid JSON", location="agent") from None
    else:
        agent = {"objectType": "Agent", "mbox": text if text.startswith("mailto:") else f"mailto:{text}"}
    validate_agent(agent, location="agent", allow_group=False)
    return agent
