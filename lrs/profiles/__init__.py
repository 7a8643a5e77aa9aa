"""xAPI Profiles in this LRS: which profiles it knows, which apply to which credential and how,
and what was found (docs/profiles.md). A built-in plugin; the checking itself is
:mod:`lrs.xapi.profiles`.

- **Profiles**: those shipped with Learnfolio (this package's ``*.jsonld``: the browser
  extension's, the journal's and chat's statements) and those the operator adds
  (``lrs profiles add FILE``, an item ``xapi-profile`` each).
- **Assignments**: a profile applies to a credential in ``report`` or ``enforce`` mode
  (``lrs profiles assign KEY IRI MODE``, ``lrs credentials create --profile IRI``); a statement
  that names a loaded profile in its category context activities is checked against it as well,
  in the mode ``LRS_PROFILE_CLAIMS`` says (structure §5.0: such statements MUST follow it).
- **Enforce**: ``validate_statement`` refuses a statement that matches no template of the
  profile or breaks a rule of one it matches, naming the template and the rule; the batch fails.
- **Report**: ``statements_stored`` keeps the findings of stored statements as items
  (``profile-findings``) of each person whose records the statement is in (the access gate
  says whose), else of no one (the operator's); the person sees theirs on a page, the operator
  all of them (``lrs profiles findings``). Statements are immutable: nothing is added to them.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from lrs.access import Access
from lrs.errors import BadRequest, NotFound
from lrs.hookspecs import hookimpl
from lrs.plugins import Panel
from lrs.store.base import Item
from lrs.xapi.profiles import (PatternResult, Profile, ProfileError, category_ids, follows, load_profile,
                               timestamp_order, validates)
from lrs.xapi.query import StatementQuery

PROFILE = "xapi-profile"
ASSIGNMENT = "profile-assignment"
FINDINGS = "profile-findings"
#: the store's change signal (``note_change``) at every change of profiles or assignments, so every
#: server process (and the CLI beside them) reloads what it cached
CHANGES = "profile-registry"
MODES = ("report", "enforce")
CLAIM_MODES = ("off", "report", "enforce")
SHIPPED_FOLDER = Path(__file__).parent

log = logging.getLogger(__name__)


@functools.cache
def shipped() -> tuple[Profile, ...]:
    """The profiles Learnfolio ships, for the statements of its own connectors."""
    return tuple(load_profile(path.read_text(encoding="utf-8")) for path in sorted(SHIPPED_FOLDER.glob("*.jsonld")))


@dataclass(frozen=True)
class Assignment:
    credential: str
    profile: str
    mode: str


@dataclass
class Registry:
    """The profiles known (shipped first, then the operator's in the order added) and the assignments."""

    profiles: list[Profile]
    shipped_ids: set[str]
    assignments: dict[str, list[Assignment]] = field(default_factory=dict)

    def find(self, iri: str) -> Profile | None:
        """The profile with this id or version id."""
        return next((p for p in self.profiles if p.named_by(iri)), None)

    def applicable(self, statement: dict, credential_key: str | None, claims: str) -> list[tuple[Profile, str]]:
        """(profile, mode) for a statement: its credential's assignments, then profiles it claims."""
        out: dict[str, tuple[Profile, str]] = {}
        for assignment in self.assignments.get(credential_key or "", []):
            profile = self.find(assignment.profile)
            if profile is not None:
                out[profile.id] = (profile, assignment.mode)
        if claims != "off":
            named = category_ids(statement)  # once, not once per profile known
            for profile in self.profiles if named else ():
                if profile.id not in out and any(profile.named_by(iri) for iri in named):
                    out[profile.id] = (profile, claims)
        return list(out.values())


def load_registry(store) -> Registry:
    profiles = list(shipped())
    for item in sorted(store.list_items(PROFILE), key=lambda i: (i.body.get("added", ""), i.item_id)):
        try:
            profiles.append(load_profile(item.body["document"], others=profiles))
        except ProfileError as error:  # one unreadable profile must not stop every statement
            log.error("the xAPI Profile %s is not used: %s (at %s)", item.item_id, error.message, error.location)
    assignments: dict[str, list[Assignment]] = {}
    for item in store.list_items(ASSIGNMENT):
        a = Assignment(item.body["credential"], item.body["profile"], item.body["mode"])
        assignments.setdefault(a.credential, []).append(a)
    return Registry(profiles, {p.id for p in shipped()}, assignments)


def registry(lrs, access: Access | None = None) -> Registry:
    """This application's registry, reloaded when anything changed it (in any process). With the
    ``access`` of a request, looked up once for that request: each statement of a batch is checked
    against the same registry, and a batch of 100 does not ask the store 100 times."""
    if access is not None:
        known = access.extra.get("lrs.profiles.registry")
        if known is not None:
            return known
    state = lrs.plugin_state("lrs.profiles")
    token = lrs.store.change_token(CHANGES)
    if state.get("token", object()) != token or "registry" not in state:
        state["registry"] = load_registry(lrs.store)
        state["token"] = token
    if access is not None:
        access.extra["lrs.profiles.registry"] = state["registry"]
    return state["registry"]


def _changed(store) -> None:
    store.note_change(CHANGES)


# -- what the operator does ------------------------------------------------------------------


def add_profile(store, document) -> Profile:
    """Load a profile document (dict or JSON text) and keep it; a new version replaces the old."""
    known = load_registry(store)
    if isinstance(document, (str, bytes)):
        try:
            document = json.loads(document)
        except ValueError as error:
            raise ProfileError(f"the profile is not JSON: {error}", location="profile") from None
    others = [p for p in known.profiles if p.id != (document.get("id") if isinstance(document, dict) else None)]
    profile = load_profile(document, others=others)
    if profile.id in known.shipped_ids:
        raise ProfileError(f"{profile.id} is a profile Learnfolio ships; it cannot be replaced", location="id")
    clash = next((p for p in others if set(p.versions) & set(profile.versions)), None)
    if clash is not None:
        raise ProfileError(f"a version id of this profile is one of {clash.id}'s", location="versions")
    existing = store.get_item(PROFILE, profile.id)
    added = existing.body.get("added") if existing else dt.datetime.now(dt.timezone.utc).isoformat()
    store.put_item(Item(PROFILE, profile.id, None, {"document": document, "added": added}))
    _changed(store)
    return profile


def remove_profile(store, iri: str) -> bool:
    """Remove an operator's profile and its assignments (shipped profiles stay)."""
    profile = load_registry(store).find(iri)
    if profile is None:
        return False
    if profile.id in {p.id for p in shipped()}:
        raise BadRequest(f"{profile.id} is a profile Learnfolio ships; unassign it instead", location="profile")
    store.delete_item(PROFILE, profile.id)
    for item in store.list_items(ASSIGNMENT):
        if profile.named_by(item.body["profile"]):
            store.delete_item(ASSIGNMENT, item.item_id)
    _changed(store)
    return True


def assign(store, credential_key: str, iri: str, mode: str) -> Assignment:
    """Apply a profile to a credential in ``report`` or ``enforce`` mode (replacing an earlier mode)."""
    if mode not in MODES:
        raise BadRequest(f"the mode is {' or '.join(MODES)}, not {mode!r}", location="mode")
    credential = store.get_credential(credential_key)
    if credential is None:
        raise NotFound(f"no credential with key {credential_key!r}", location="key")
    profile = load_registry(store).find(iri)
    if profile is None:
        raise NotFound(f"no profile {iri!r} is loaded (lrs profiles list)", location="profile")
    assignment = Assignment(credential.key, profile.id, mode)
    # a personal key's assignment is its person's item, so erasing them removes it
    store.put_item(Item(ASSIGNMENT, f"{credential.key} {profile.id}", credential.person_id,
                        {"credential": credential.key, "profile": profile.id, "mode": mode},
                        ref=f"credential:{credential.key}"))
    _changed(store)
    return assignment


def unassign(store, credential_key: str, iri: str) -> bool:
    profile = load_registry(store).find(iri)
    done = store.delete_item(ASSIGNMENT, f"{credential_key} {profile.id if profile else iri}")
    if done:
        _changed(store)
    return done


def assignments(store, credential_key: str | None = None) -> list[Assignment]:
    items = store.list_items(ASSIGNMENT, ref=f"credential:{credential_key}") if credential_key else \
        store.list_items(ASSIGNMENT)
    return [Assignment(i.body["credential"], i.body["profile"], i.body["mode"]) for i in items]


# -- checking statements ---------------------------------------------------------------------


@dataclass
class Finding:
    """A statement that does not follow a profile that applies to it."""

    profile: Profile
    mode: str
    outcome: str             # invalid | unmatched
    failures: list

    def message(self) -> str:
        if self.outcome == "unmatched":
            return (f"matches no statement template of the xAPI Profile {self.profile.id} ({self.profile.label}); "
                    f"its templates: {', '.join(self.profile.templates) or 'none'}")
        return (f"does not follow the xAPI Profile {self.profile.id} ({self.profile.label}): "
                + "; ".join(f.message() for f in self.failures))

    def to_dict(self) -> dict:
        return {"profile": self.profile.id, "profile_label": self.profile.label, "version": self.profile.version,
                "mode": self.mode, "outcome": self.outcome, "failures": [f.to_dict() for f in self.failures]}


def check(statement: dict, reg: Registry, credential_key: str | None, claims: str, lookup=None) -> list[Finding]:
    """The findings for one statement: every applicable profile it does not follow."""
    findings = []
    for profile, mode in reg.applicable(statement, credential_key, claims):
        result = validates(statement, profile.templates, lookup=lookup)
        if result.outcome != "success":
            findings.append(Finding(profile, mode, result.outcome, result.failures))
    return findings


def _lookup(store, access: Access):
    """Other statements as the writer's own checks may see them (StatementRef templates)."""
    reach = access.reach_for_writes()

    def lookup(statement_id):
        if not isinstance(statement_id, str):
            return None
        found = store.get_statement(statement_id, reach=reach) or store.get_statement(statement_id, reach=reach,
                                                                                      voided=True)
        return json.loads(found.json) if found is not None else None

    return lookup


def _credential_key(credential) -> str | None:
    return getattr(credential, "key", None)


@hookimpl
def startup(lrs):
    if lrs.config.profile_claims not in CLAIM_MODES:
        raise ValueError(f"LRS_PROFILE_CLAIMS must be one of {', '.join(CLAIM_MODES)}, not "
                         f"{lrs.config.profile_claims!r}")


@hookimpl
def validate_statement(statement, credential, lrs, access):
    """Enforce mode: refuse a statement that does not follow a profile enforced on it."""
    reg = registry(lrs, access)
    if not reg.assignments.get(_credential_key(credential) or "") and lrs.config.profile_claims != "enforce":
        return
    findings = [f for f in check(statement, reg, _credential_key(credential), lrs.config.profile_claims,
                                 _lookup(lrs.store, access)) if f.mode == "enforce"]
    if findings:
        first = findings[0]
        rule = next((f.rule for f in first.failures if f.rule is not None), None)
        raise BadRequest(f"statement {statement.get('id')} " + " and ".join(f.message() for f in findings),
                         location=rule.location.text if rule is not None else "statement")


@hookimpl
def statements_stored(statements, lrs, credential, access):
    """Report mode: keep the findings of what was stored, for its owners and the operator."""
    reg = registry(lrs, access)
    key = _credential_key(credential)
    if not reg.assignments.get(key or "") and lrs.config.profile_claims != "report":
        return
    lookup = _lookup(lrs.store, access)
    reported = {}
    for statement in statements:
        findings = [f for f in check(statement, reg, key, lrs.config.profile_claims, lookup) if f.mode == "report"]
        if findings:
            reported[statement["id"]] = (statement, findings)
    if not reported:
        return
    owners = Access.people_owning([s for s, _ in reported.values()], lrs.store)
    for statement_id, (statement, findings) in reported.items():
        body = {"statement": statement_id, "stored": statement.get("stored"), "credential": key,
                "credential_name": getattr(credential, "name", None),
                "verb": (statement.get("verb") or {}).get("id"),
                "findings": [f.to_dict() for f in findings]}
        for person_id in owners.get(statement_id) or [None]:
            lrs.store.put_item(Item(FINDINGS, f"{statement_id} {person_id if person_id is not None else '-'}",
                                    person_id, body, ref=f"statement:{statement_id.lower()}"))


def findings_of(store, access: Access) -> list[Item]:
    """The findings a reader may see: the operator every one; a person those of statements that are
    (still) in their records, as the access gate says."""
    if access.kind == "operator":
        return store.list_items(FINDINGS)
    if access.kind != "person":
        return []
    mine = store.list_items(FINDINGS, person_id=access.person_id)
    reachable = store.reachable_ids([i.body["statement"] for i in mine], reach=access.reach()) if mine else set()
    return [i for i in mine if i.body["statement"].lower() in reachable]


def registration_statements(store, access: Access, registration: str) -> list[dict]:
    """A registration's statements within the reader's reach (their own ``context.registration``, not
    those that only refer to one), in the order pattern validation reads them (communication §2.2)."""
    reach = access.reach()
    found, query = [], StatementQuery(registration=registration, ascending=True)
    while True:
        page = store.query_statements(query, 500, reach=reach)
        for stored in page.statements:
            statement = json.loads(stored.json)
            if str((statement.get("context") or {}).get("registration", "")).lower() == registration.lower():
                found.append(statement)
        if not page.more:
            return timestamp_order(found)
        query = StatementQuery.from_cursor(page.more)


def check_registration(store, access: Access, registration: str, iri: str) -> PatternResult:
    """Whether a registration's statements follow a primary pattern of a profile (communication §2.2)."""
    reg = load_registry(store)
    profile = reg.find(iri)
    if profile is None:
        raise NotFound(f"no profile {iri!r} is loaded (lrs profiles list)", location="profile")
    statements = registration_statements(store, access, registration)
    return follows(statements, profile, [p for p in reg.profiles if p.id != profile.id],
                   lookup=_lookup(store, access))


# -- the person's page -----------------------------------------------------------------------


def _pages():
    from lrs.web import current_access, lrs_app, page_blueprint, render, signed_in

    bp = page_blueprint("profiles", __name__, "/space/profiles")

    @bp.route("/findings")
    @signed_in
    def findings():
        items = sorted(findings_of(lrs_app().store, current_access()), key=lambda i: i.updated, reverse=True)
        return render("profile_findings.html", items=items)

    return bp


@hookimpl
def register_routes():
    return [_pages()]


@hookimpl
def register_panels():
    return [Panel(name="profile-findings", title="Profile findings", endpoint="profiles.findings", order=90)]
