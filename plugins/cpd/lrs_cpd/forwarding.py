"""Forwarding new statements to another LRS, durably.

A **rule** (item ``cpd-forward``) belongs to a person (their statements only) or,
with no person, to the whole store; it names the other LRS's endpoint and
credential and may narrow what goes by ways of learning and tags.

The ``statements_stored`` hook puts one **queue** item (``cpd-forward-queue``)
per stored batch and matching rule, in the same store as the statements, so
nothing waits in memory. A **worker thread** in each server process (and the
``lrs forward`` command) drains the queue: each rule's items in order, a batch
per POST with its attachments. A failure stays queued and is retried with
exponential backoff; every failure is written to the rule's **log**
(``cpd-forward-log``), which the person sees. An answer that retrying cannot
change (400, 401, 403, 404, 409 …) holds the item until the person retries or
discards it. Nothing is dropped silently.

Delivery is at least once: two processes may send the same batch, and a batch
may be re-sent after a lost answer. xAPI makes that harmless, because a
statement re-sent with its id is recognised as the same and not stored twice.

A person's own rule also carries what they say about their records (the space's
annotations: way of learning, tags, reflection, hours …): statements never change,
so each annotation made or changed after the rule was set up travels as a statement
of the person's own (verb ``…/verbs/annotated``, a StatementRef to the record, the
fields in the extension ``…/extensions/annotation``; lrs_space.annotation_statement),
sent by the worker after the rule's queue. The newest one for a record is what holds.
The operator's store-wide rules never send annotations: they are the person's own.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
import weakref
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import orjson

from lrs import Access, Guard, Item, OutboundError, status_text
from lrs_cpd.remote import post_statements
from lrs_space import TAGS, WAYS, annotation_statement, annotations_of, classifier

RULE = "cpd-forward"
QUEUE = "cpd-forward-queue"
LOG = "cpd-forward-log"
LOG_KEEP = 100
#: answers worth retrying: the other LRS may be busy, restarting or rate limiting
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}

log = logging.getLogger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class Options:
    interval: float = 5.0        # seconds between looks at the queue
    backoff: float = 2.0         # first retry after this many seconds, doubling
    backoff_max: float = 600.0   # never waiting longer than this
    worker: bool = True          # a worker thread in each server process
    #: every POST goes through it: only addresses the server may contact (lrs.outbound)
    guard: Guard = field(default_factory=Guard)
    #: which way of learning a statement records (lrs_space.classifier), for rules that choose ways
    classify: object = None

    #: the settings and their defaults: ``LRS_FORWARD_INTERVAL`` … (docs/cpd.md)
    DEFAULTS = {"interval": "5", "backoff": "2", "backoff_max": "600", "worker": "1"}

    @classmethod
    def of(cls, lrs) -> "Options":
        """The options of an application (``lrs.plugin_config("forward")``)."""
        settings = lrs.plugin_config("forward", cls.DEFAULTS)
        return cls(interval=float(settings["interval"]), backoff=float(settings["backoff"]),
                   backoff_max=float(settings["backoff_max"]),
                   worker=str(settings["worker"]).lower() not in ("0", "false", "no", "off"),
                   guard=Guard.of(lrs.config), classify=classifier(lrs.pm))

    def delay(self, attempts: int) -> float:
        return min(self.backoff_max, self.backoff * 2 ** max(0, attempts - 1))


# -- rules ------------------------------------------------------------------------------------


def add_rule(store, *, endpoint: str, key: str, secret: str, person_id: int | None = None, ways=(), tags=(),
             name: str = "", guard: Guard | None = None) -> Item:
    """A new forwarding rule. The secret is kept as given: the worker must send it.

    With a ``guard``, an endpoint the server may not contact is refused now (BlockedAddress);
    without one it is refused at each attempt to send.
    """
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("The endpoint is a full address, like https://lrs.example.org/xapi/.")
    if parts.username or parts.password:
        raise ValueError("Give the key and secret in their own fields, not in the endpoint's address.")
    if guard is not None:
        guard.check_url(endpoint)
    body = {"name": name or parts.hostname, "endpoint": endpoint.rstrip("/") + "/", "key": key, "secret": secret,
            "ways": list(ways), "tags": [t for t in tags if t], "enabled": True,
            "annotations_sent": _now().isoformat()}
    return store.put_item(Item(RULE, secrets.token_hex(8), person_id, body))


def rules(store, person_id: int | None = None, *, everyone: bool = False) -> list[Item]:
    """A person's rules, the store-wide ones (``person_id`` None), or every rule (``everyone``)."""
    if everyone:
        return store.list_items(RULE)
    if person_id is not None:
        return store.list_items(RULE, person_id=person_id)
    return [r for r in store.list_items(RULE) if r.person_id is None]


def rule_access(store, rule: Item) -> Access | None:
    """Whose records a rule forwards: its person's (their access), or, for a store-wide rule, every
    record (the operator's, who alone makes those rules); None when its person is gone."""
    if rule.person_id is None:
        return Access.operator()
    person = store.get_person_by_id(rule.person_id)
    return Access.for_person(store, person) if person is not None else None


def endpoint_host(rule: Item) -> str:
    """Where the rule sends statements, as people may see it: the host, never a credential."""
    parts = urlsplit(rule.body.get("endpoint", ""))
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.hostname}{port}" if parts.hostname else "?"


def describe_filter(rule: Item) -> str:
    """`` (only: Events: conferences, workshops; tagged nursing)``, or nothing for every statement."""
    ways, tags = rule.body.get("ways") or [], rule.body.get("tags") or []
    parts = [WAYS.get(w, w) for w in ways] + ([f"tagged {', '.join(tags)}"] if tags else [])
    return f" (only: {'; '.join(parts)})" if parts else ""


def _tags(statement: dict) -> list[str]:
    value = ((statement.get("context") or {}).get("extensions") or {}).get(TAGS) or []
    return [str(t) for t in (value if isinstance(value, list) else [value])]


def matches(rule: Item, statement: dict, classify, annotation=None) -> bool:
    """Whether a rule sends a statement: its ways and tags, as the person corrected them if they did."""
    ways, tags = rule.body.get("ways") or [], rule.body.get("tags") or []
    way = (annotation.way if annotation is not None and annotation.way else None) or \
        ((classify(statement) if classify else None) or "other")
    if ways and way not in ways:
        return False
    own_tags = annotation.tags if annotation is not None and annotation.tags is not None else _tags(statement)
    return not tags or bool(set(tags) & set(own_tags))


# -- the queue -------------------------------------------------------------------------------


def enqueue(store, statements: list[dict], classify) -> int:
    """Queue the batch for every rule it matches; returns how many queue items were made."""
    made = 0
    for rule in rules(store, everyone=True):
        if not rule.body.get("enabled", True):
            continue
        access = rule_access(store, rule)
        if access is None:
            continue
        matching = [s["id"] for s in statements if matches(rule, s, classify)]
        within = store.reachable_ids(matching, reach=access.reach()) if matching else set()
        ids = [i for i in matching if i.lower() in within]
        if ids:
            item_id = f"{_now().strftime('%Y%m%d%H%M%S%f')}-{secrets.token_hex(4)}"
            store.put_item(Item(QUEUE, item_id, rule.person_id,
                                {"statement_ids": ids, "attempts": 0, "next_try": "", "error": ""},
                                ref=rule.item_id))
            made += 1
    return made


def queued(store, rule_id: str) -> list[Item]:
    return store.list_items(QUEUE, ref=rule_id)


def failures(store, rule_id: str) -> list[Item]:
    """The rule's log, newest first."""
    return list(reversed(store.list_items(LOG, ref=rule_id)))


def _log(store, rule: Item, item: Item, status: str, error: str = "") -> None:
    body = {"when": _now().isoformat(timespec="seconds"), "status": status, "error": error[:500],
            "statements": len(item.body.get("statement_ids", [])), "attempts": item.body.get("attempts", 0),
            "queue_item": item.item_id}
    store.put_item(Item(LOG, f"{_now().strftime('%Y%m%d%H%M%S%f')}-{secrets.token_hex(3)}", rule.person_id,
                        body, ref=rule.item_id))
    entries = store.list_items(LOG, ref=rule.item_id)
    for old in entries[:max(0, len(entries) - LOG_KEEP)]:
        store.delete_item(LOG, old.item_id)


def _batch(store, rule: Item, ids: list[str]) -> tuple[list[str], dict]:
    """The queued statements as stored, read with the rule's access (an erased or no longer owned
    statement is not sent), and the attachment bodies they carried."""
    access = rule_access(store, rule)
    if access is None:
        return [], {}
    reach = access.reach()
    texts, with_attachments = [], []
    for statement_id in ids:
        stored = (store.get_statement(statement_id, reach=reach)
                  or store.get_statement(statement_id, reach=reach, voided=True))
        if stored is None:  # erased since it was queued: nothing of it may leave any more
            continue
        texts.append(stored.json)
        if '"attachments"' in stored.json:
            with_attachments.append(stored.id)
    return texts, store.get_attachments(with_attachments, reach=reach) if with_attachments else {}


@dataclass
class DrainResult:
    sent: int = 0        # statements delivered
    batches: int = 0
    failed: int = 0      # attempts that failed
    waiting: int = 0     # queue items left


def drain(store, options: Options, *, http=None, rule_ids=None) -> DrainResult:
    """Send what is due, each rule's queue in order; stop a rule at its first failure.

    ``http`` stands in for ``options.guard`` (anything with its ``post``).
    """
    http = http or options.guard
    result = DrainResult()
    now = _now()
    by_rule: dict[str, list[Item]] = {}
    for item in store.list_items(QUEUE):
        by_rule.setdefault(item.ref, []).append(item)
    for rule_id, items in by_rule.items():
        if rule_ids is not None and rule_id not in rule_ids:
            result.waiting += len(items)
            continue
        rule = store.get_item(RULE, rule_id)
        if rule is None:  # the rule was deleted, and its queue with it
            for item in items:
                store.delete_item(QUEUE, item.item_id)
            continue
        for position, item in enumerate(items):
            if item.body.get("held") or not rule.body.get("enabled", True):
                result.waiting += 1
                continue
            if item.body.get("next_try") and item.body["next_try"] > now.isoformat():
                result.waiting += len(items) - position
                break
            if not _send(store, rule, item, options, http, result):
                result.waiting += len(items) - position
                break
    waiting = {item.ref for item in store.list_items(QUEUE)}
    for rule in rules(store, everyone=True):
        if rule.person_id is not None and rule.body.get("enabled", True) and rule.item_id not in waiting \
                and (rule_ids is None or rule.item_id in rule_ids):
            _send_annotations(store, rule, options, http, result)
    return result


def _send_annotations(store, rule: Item, options: Options, http, result: DrainResult) -> None:
    """The person's annotations made or changed since the rule last sent them, of records it forwards,
    as statements of their own (after the queue: the records they annotate went first)."""
    since = rule.body.get("annotations_sent") or rule.created
    changed = sorted((a for a in annotations_of(store, rule.person_id).values() if a.updated > since),
                     key=lambda a: a.updated)
    access = rule_access(store, rule)
    if not changed or access is None:
        return
    reach = access.reach()
    texts = []
    for annotation in changed:
        stored = store.get_statement(annotation.statement_id, reach=reach)
        if stored is None:
            continue
        statement = orjson.loads(stored.json)
        if matches(rule, statement, options.classify, annotation):
            texts.append(orjson.dumps(annotation_statement(statement["actor"], annotation)).decode())
    error = ""
    if texts:
        try:
            response = post_statements(http, rule.body["endpoint"], rule.body["key"], rule.body["secret"], texts, {})
            if response.status_code not in (200, 204):
                error = status_text(response.status_code)
        except OutboundError as e:
            error = e.message
    if error:
        _log(store, rule, Item(QUEUE, "annotations", rule.person_id, {"statement_ids": texts}),
             "annotations: retrying at the next round", error)
        result.failed += 1
        return
    result.sent += len(texts)
    fresh = store.get_item(RULE, rule.item_id)
    if fresh is not None:
        fresh.body["annotations_sent"] = changed[-1].updated
        store.put_item(fresh)


def _send(store, rule: Item, item: Item, options: Options, http, result: DrainResult) -> bool:
    texts, attachments = _batch(store, rule, item.body.get("statement_ids", []))
    error, status, permanent = "", None, False
    if texts:
        try:
            response = post_statements(http, rule.body["endpoint"], rule.body["key"], rule.body["secret"], texts,
                                       attachments)
            status = response.status_code
            if status not in (200, 204):
                error = status_text(status)  # never the other server's text: the log is shown on a page
        except OutboundError as e:
            error, permanent = (e.message if not e.retryable else
                                f"could not reach {rule.body['endpoint']}: {e.message}"), not e.retryable
    if not error:
        store.delete_item(QUEUE, item.item_id)
        if item.body.get("attempts"):
            _log(store, rule, item, "delivered", f"after {item.body['attempts']} failed attempts")
        result.sent += len(texts)
        result.batches += 1
        return True
    attempts = item.body.get("attempts", 0) + 1
    held = permanent or (status is not None and status not in RETRYABLE)
    next_try = _now() + dt.timedelta(seconds=options.delay(attempts))
    item = Item(QUEUE, item.item_id, item.person_id,
                {**item.body, "attempts": attempts, "error": error, "held": held,
                 "next_try": "" if held else next_try.isoformat()}, ref=item.ref)
    store.put_item(item)
    _log(store, rule, item, "held: retry or discard it" if held else f"retrying after {options.delay(attempts):g} s",
         error)
    result.failed += 1
    return False


def retry(store, rule_id: str) -> int:
    """Make every queued item of the rule due now (held ones included)."""
    count = 0
    for item in queued(store, rule_id):
        store.put_item(Item(QUEUE, item.item_id, item.person_id, {**item.body, "held": False, "next_try": ""},
                            ref=item.ref))
        count += 1
    return count


def discard(store, rule: Item, item_id: str) -> bool:
    """The person gives up on one held batch; the log says so."""
    item = store.get_item(QUEUE, item_id)
    if item is None or item.ref != rule.item_id:
        return False
    store.delete_item(QUEUE, item_id)
    _log(store, rule, item, "discarded by the person")
    return True


def delete_rule(store, rule: Item) -> None:
    for item in queued(store, rule.item_id):
        store.delete_item(QUEUE, item.item_id)
    for entry in store.list_items(LOG, ref=rule.item_id):
        store.delete_item(LOG, entry.item_id)
    store.delete_item(RULE, rule.item_id)


# -- the worker thread --------------------------------------------------------------------


class Worker:
    """Drains one store's queue in a daemon thread of this process; woken when a batch is queued."""

    def __init__(self, store, options: Options):
        self.store = weakref.ref(store)  # the thread ends once the store is gone
        self.options = options
        self.wake_up = threading.Event()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="lrs-forward", daemon=True)
                self.thread.start()

    def wake(self) -> None:
        self.start()
        self.wake_up.set()

    def _run(self) -> None:
        while True:
            self.wake_up.wait(self.options.interval)
            self.wake_up.clear()
            store = self.store()
            if store is None:
                return
            try:
                drain(store, self.options)
            except Exception:  # a broken store or network must not end the thread
                log.exception("forwarding failed; will try again")


def worker_of(lrs) -> Worker | None:
    """The forwarding worker of this application (made at start-up), if any."""
    return lrs.plugin_state("cpd").get("worker")
