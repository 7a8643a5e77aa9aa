"""The access gate: who may read or change which person's learning records, decided here only.

Every xAPI request, every page of the space, every plugin and every command resolves
one :class:`Access` (once per request) and asks it; nothing else decides ownership.
The stores take the :class:`Reach` an Access hands out as a required argument of every
method that reads or changes a person's statements, attachments or documents, so a
new path that forgets the gate fails with a TypeError, not with a leak, and a test
(tests/security/test_access_gate.py) fails when a module outside this one makes a
Reach or asks an ownership question itself. The model is docs/ownership.md; the
shape is Datasette's ``ensure_permission(action, resource, actor)``.

Kinds of reader (``Access.kind``):

- ``tool``: a tool credential; the xAPI scopes of the spec decide, over every statement
  (``statements/read``) or only those it stored (``statements/read/mine``).
- ``person``: a person, through a personal key, the space's pages, chat, the journal, or
  an import into their record. Reads and writes only what belongs to them: statements
  whose *own* actor is one of their verified identities (never a statement they merely
  refer to), the state and agent profile documents of those identities, and the
  attachments those statements carried.
- ``share``: another person reading what a person shared with them; read-only, the
  owner's records, narrowed further by what the share covers.
- ``operator``: whoever runs the server's commands (``lrs …``): everything.

New kinds (OAuth tokens for a person's tools, team roles, a manager's standing grant,
readers of consented aggregates, public portfolio links) are added here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lrs.errors import Conflict, Forbidden
from lrs.xapi.agents import agent_key, agent_keys_with_members

#: what a person may do through a key, the space, chat or the journal: their statements,
#: state and agent profile; nothing gathered from everyone (activity definitions)
PERSON_SCOPES = ("statements/write", "statements/read/mine", "state", "profile")

#: the item kinds a refused statement request is kept as (lrs/rejected.py): what was refused, and its body
REJECTED_KINDS = ("rejected", "rejected-body")

#: xAPI scopes that read every statement (xAPI-Communication.md §4.2)
READ_ALL = frozenset({"statements/read", "all/read", "all"})

#: what a tool key made by an administrator on the people page may do: send statements and read
#: back only those it sent. Keys that read everyone's records are the operator's (``lrs credentials``)
ADMIN_TOOL_SCOPES = frozenset({"statements/write", "statements/read/mine"})

#: changes of a person that could leave the site without an enabled administrator
_TAKES_AN_ADMIN = ("unmake-admin", "disable", "remove")

#: for each resource and kind of access, the scopes that allow it
_ALLOWED = {
    ("statements", "write"): {"statements/write", "all"},
    ("statements", "read"): {"statements/read", "statements/read/mine", "all/read", "all"},
    ("state", "write"): {"state", "all"},
    ("state", "read"): {"state", "all/read", "all"},
    ("activity_profile", "write"): {"profile", "all"},
    ("activity_profile", "read"): {"profile", "all/read", "all"},
    ("agent_profile", "write"): {"profile", "all"},
    ("agent_profile", "read"): {"profile", "all/read", "all"},
    ("activities", "read"): {"profile", "define", "statements/read", "statements/read/mine", "all/read", "all"},
    ("agents", "read"): {"profile", "statements/read", "statements/read/mine", "all/read", "all"},
}


@dataclass(frozen=True)
class Reach:
    """What one reader's reads may see: every store method that reads or changes a person's
    statements, attachments or documents takes one, and applies it in its own queries.

    ``owners``: None reaches every person's records; a tuple reaches only statements whose
    own actor (``actor:`` index keys) is one of these agent keys, and only documents keyed
    by one of them. ``authority_key``: only statements stored under that credential
    (``statements/read/mine``). Made only by :class:`Access`.
    """

    owners: tuple[str, ...] | None
    authority_key: str | None = None

    @property
    def everything(self) -> bool:
        return self.owners is None and self.authority_key is None

    def reaches_agent(self, key: str | None) -> bool:
        """Whether documents keyed by this agent key are within reach (activity profiles: key None)."""
        if self.owners is None:
            return self.authority_key is None
        return key is not None and key in self.owners


@dataclass(frozen=True)
class Access:
    """One reader or writer, resolved once per request; every ownership decision is a method."""

    kind: str                                  # tool | person | share | operator
    scopes: frozenset[str] = frozenset()
    credential: object = None                  # lrs.auth.credentials.Credential, when one was used
    person_id: int | None = None               # the person acted for (person) or read (share)
    owner_keys: tuple[str, ...] | None = None  # that person's verified identity keys
    viewer_id: int | None = None               # share: who reads
    share: object = None                       # share: the share item (its scope)
    is_admin: bool = False                     # space administrators: people admin, never records
    extra: dict = field(default_factory=dict, compare=False)

    # -- resolving ----------------------------------------------------------------------------
    @classmethod
    def for_credential(cls, credential, store) -> "Access":
        """The access of an xAPI credential: a tool's, or a person's when it acts for one (never
        a disabled person's: their keys, chat links and tokens of any plugin stop with them)."""
        if credential.person_id is not None:
            _refuse_disabled(store.get_person_by_id(credential.person_id))
            return cls(kind="person", scopes=frozenset(credential.scopes), credential=credential,
                       person_id=credential.person_id,
                       owner_keys=_verified_keys(store, credential.person_id))
        return cls(kind="tool", scopes=frozenset(credential.scopes), credential=credential)

    @classmethod
    def for_person(cls, store, person, *, credential=None) -> "Access":
        """A person acting in their own space (pages, journal, chat, imports into their record).

        Acting through a ``credential`` (chat, the journal), a disabled person is refused; without
        one (the operator's commands, their standing forwarding rules) the access is still made.
        """
        if credential is not None:
            _refuse_disabled(person)
        return cls(kind="person", scopes=frozenset(credential.scopes if credential else PERSON_SCOPES),
                   credential=credential, person_id=person.id, owner_keys=_verified_keys(store, person.id),
                   is_admin=bool(getattr(person, "is_admin", False)))

    @classmethod
    def for_share(cls, store, share, viewer) -> "Access | None":
        """A person reading what another shared with them; None when this share is not to them."""
        if share is None or viewer is None or share.ref != f"person:{viewer.id}" or share.person_id is None:
            return None
        return cls(kind="share", scopes=frozenset({"statements/read/mine"}), person_id=share.person_id,
                   owner_keys=_verified_keys(store, share.person_id), viewer_id=viewer.id, share=share)

    @classmethod
    def operator(cls) -> "Access":
        """The operator running ``lrs`` commands on the server: every record (backups, migration, CLI export)."""
        return cls(kind="operator", scopes=frozenset({"all"}))

    # -- scopes -------------------------------------------------------------------------------
    def require(self, resource: str, action: str) -> None:
        """Forbidden unless the scopes allow ``action`` (read/write) on ``resource``."""
        allowed = _ALLOWED[(resource, action)]
        if self.kind == "share" and action != "read":
            raise Forbidden("what is shared with you is read-only")
        if not self.scopes & allowed:
            raise Forbidden(
                f"this credential's scopes ({', '.join(sorted(self.scopes))}) do not allow {action} access to"
                f" {resource}; it needs one of: {', '.join(sorted(allowed))}")

    @property
    def acts_for_person(self) -> bool:
        return self.owner_keys is not None

    # -- statements ----------------------------------------------------------------------------
    def reach(self) -> Reach:
        """The statements this reader may read (raises Forbidden when it may read none)."""
        if self.kind == "operator":
            return Reach(owners=None)
        self.require("statements", "read")
        if self.owner_keys is not None:
            return Reach(owners=self.owner_keys)
        if self.scopes & READ_ALL:
            return Reach(owners=None)
        return Reach(owners=None, authority_key=self.credential.key)

    def write_owners(self, statement: dict, location: str) -> tuple[str, ...] | None:
        """Check that this writer may store ``statement``; return whom it will belong to.

        A person writes only statements whose actor (or a member of a Group actor) is one of
        their verified identities, and such a statement belongs to them alone: naming others
        as Group members does not put it in their records. A tool's statements belong to
        the actor and every member of a Group actor (None: no narrowing).
        """
        if self.kind == "share":
            raise Forbidden("what is shared with you is read-only", location=location)
        if self.owner_keys is None:
            return None
        mine = tuple(k for k in agent_keys_with_members(statement.get("actor") or {}) if k in self.owner_keys)
        if not mine:
            raise Forbidden(
                "a personal key writes only statements whose actor is its person (one of their verified"
                " identities, or a Group with one of them as member); claim the identity in your learning space",
                location=f"{location}.actor")
        return mine

    def may_write_as(self, statement: dict) -> bool:
        """Whether this writer may store a statement with this actor (importers sort before storing)."""
        if self.kind == "share":
            return False
        if self.owner_keys is None:
            return True
        return any(k in self.owner_keys for k in agent_keys_with_members(statement.get("actor") or {}))

    def check_voids(self, targets: dict[str, str], store) -> None:
        """A person voids only their own statements; ``targets`` maps a voided id to where it is voided.

        A target the person does not own and one that does not exist answer alike (existence is
        not theirs to know), and a target yet to arrive cannot be voided in advance by a person.
        Tools with the write scope keep xAPI voiding of any statement.
        """
        if self.owner_keys is None or not targets:
            return
        reach = self.reach_for_writes()
        for target, location in targets.items():
            if (store.get_statement(target, reach=reach) is None
                    and store.get_statement(target, reach=reach, voided=True) is None):
                raise Forbidden(f"you can void only your own statements; none of yours has id {target}",
                                location=location)

    def reach_for_writes(self) -> Reach:
        """What a writer's own checks may look at (its own statements), whatever its read scopes."""
        if self.owner_keys is not None:
            return Reach(owners=self.owner_keys)
        return Reach(owners=None)

    @staticmethod
    def people_owning(statements: list[dict], store) -> dict[str, list[int]]:
        """The people whose records stored statements are in, by statement id (none: no person's).

        For what only a statement's owners (and the operator) may see about it, such as the
        findings of profile validation. The candidates are the people holding the actor's (or a
        Group actor's members') identities; the store's ownership index confirms each, so a
        statement a person wrote stays theirs alone and a referenced statement's owner is never
        one (docs/ownership.md).
        """
        found: dict[str, list[int]] = {}
        candidates: dict[int, list[str]] = {}
        as_given = {statement["id"].lower(): statement["id"] for statement in statements}
        for statement in statements:
            found[statement["id"]] = []
            for key in agent_keys_with_members(statement.get("actor") or {}):
                person_id = store.identity_owner(key)
                if person_id is not None:
                    candidates.setdefault(person_id, []).append(statement["id"])
        for person_id, ids in candidates.items():
            reach = Reach(owners=_verified_keys(store, person_id))
            for statement_id in store.reachable_ids(sorted(set(ids)), reach=reach):
                found[as_given[statement_id.lower()]].append(person_id)
        return found

    # -- documents -----------------------------------------------------------------------------
    def documents(self, resource: str, action: str, agent: str | None, location: str = "agent") -> Reach:
        """The reach for one state, activity profile or agent profile request.

        A person reaches only the state and agent profile documents keyed by their own
        identities; activity profiles and other people's documents are not theirs.
        """
        self.require(resource, action)
        if self.kind == "operator" or self.owner_keys is None:
            return Reach(owners=None)
        if agent is None:
            raise Forbidden("a personal key reaches only its person's state and agent profile documents",
                            location="activityId")
        if agent not in self.owner_keys:
            raise Forbidden("a personal key reaches only the documents of its own person's identities",
                            location=location)
        return Reach(owners=self.owner_keys)

    def reaches_documents_of(self, agent: str | None) -> bool:
        """Whether this reader's document reach includes the agent's (importers sort before storing)."""
        return self.owner_keys is None or (agent is not None and agent in self.owner_keys)

    def may_read_agent(self, agent: dict) -> None:
        """The Agents resource: a person asks only about their own identities."""
        self.require("agents", "read")
        if self.owner_keys is not None and agent_key(agent) not in self.owner_keys:
            raise Forbidden("a personal key reaches only the documents of its own person's identities",
                            location="agent")

    def may_read_activities(self) -> None:
        """Activity definitions are gathered from everyone's statements: not a person's to read."""
        self.require("activities", "read")
        if self.owner_keys is not None:
            raise Forbidden("activity definitions are gathered from everyone's statements; a personal key"
                            " reads only its person's statements", location="activityId")

    # -- people --------------------------------------------------------------------------------
    def owns_item(self, item) -> bool:
        """Whether a person's own item (goal, share, setting, annotation, forwarding rule, chat link …)
        is this person's; an item of no one (store-wide) is the operator's."""
        if item is None:
            return False
        if self.kind == "operator":
            return True
        return self.kind == "person" and item.person_id is not None and item.person_id == self.person_id

    def owns_credential(self, credential) -> bool:
        """A personal key is its person's to see and revoke; tool credentials are the operator's."""
        if credential is None:
            return False
        return self.kind == "operator" or (self.kind == "person" and credential.person_id == self.person_id)

    def owns_rejected(self, item) -> bool:
        """A refused statement request (lrs/rejected.py) is its credential's owner's alone: the person's
        for their own keys, the operator's for tool credentials. Not a share's, not a tool's (not even the
        credential that sent it: it reads statements, not what was refused), not the operator's for a
        person's, not a space administrator's."""
        if item is None or item.kind not in REJECTED_KINDS:
            return False
        if self.kind == "operator":
            return item.person_id is None
        return (self.kind == "person" and self.person_id is not None and item.person_id is not None
                and item.person_id == self.person_id)

    def sees_hidden_records(self) -> bool:
        """Records a person hid from their views and shares (the space's annotations) stay theirs to
        find and show again; no share shows them."""
        return self.kind in ("person", "operator")

    def may_erase(self, person_id: int) -> bool:
        """Erasure: a person erases themselves; the operator anyone (from the command line); an
        administrator removes a person from the people page (after :meth:`check_people_change`)."""
        return self.kind == "operator" or (self.kind == "person" and (self.person_id == person_id or self.is_admin))

    # -- administering people ----------------------------------------------------------------------
    def may_administer(self) -> bool:
        """People administration (invitations, claims, disabling, roles, tool keys that send statements):
        administrators and the operator. It gives no one's records: those stay behind :meth:`reach`."""
        return self.kind == "operator" or (self.kind == "person" and self.is_admin)

    def check_people_change(self, store, person, change: str) -> None:
        """Forbidden unless this access administers people; Conflict when ``change`` (``unmake-admin``,
        ``disable``, ``remove``, …) would leave the site without an enabled administrator."""
        if not self.may_administer():
            raise Forbidden("only an administrator may change people")
        if change in _TAKES_AN_ADMIN and person.is_admin and not person.disabled:
            others = [p for p in store.list_people() if p.is_admin and not p.disabled and p.id != person.id]
            if not others:
                raise Conflict(f"{person.username} is the last administrator; make someone else an administrator"
                               " first")

    def may_create_credential(self, scopes) -> bool:
        """A tool credential (no person): the operator any; an administrator only one that reads no one's
        records (:data:`ADMIN_TOOL_SCOPES`)."""
        if self.kind == "operator":
            return True
        return self.may_administer() and bool(scopes) and set(scopes) <= ADMIN_TOOL_SCOPES

    def may_revoke_credential(self, credential) -> bool:
        """A person revokes their own keys; an administrator or the operator any tool credential."""
        if credential is None:
            return False
        return self.owns_credential(credential) or (credential.person_id is None and self.may_administer())


def _refuse_disabled(person) -> None:
    if person is None or getattr(person, "disabled", False):
        raise Forbidden("the account this acts for is disabled; an administrator can re-enable it")


def _verified_keys(store, person_id: int) -> tuple[str, ...]:
    return tuple(i.key for i in store.list_identities(person_id, verified=True))
