"""What a statement can be found by: the index keys that turn every xAPI query filter
into one lookup.

Each key is ``kind:value``. ``agent:`` and ``activity:`` hold the actor/object
matches of the ``agent`` and ``activity`` filters; ``ragent:`` and ``ractivity:``
the broader matches of ``related_agents`` / ``related_activities``; ``actor:``
whom the statement belongs to (docs/ownership.md): its actor and, for a Group
actor, its members; for a statement a person wrote, only their own identities
among those. Stores keep the keys in one index (key, sequence), so a filter is
an ordered range scan. A statement that targets another by StatementRef also
inherits the target's filter keys when stored (xAPI-Communication.md §2.1.3,
"Filter Conditions for StatementRefs"), never its ``actor:`` keys: ownership
comes from a statement's own actor. The store does the inheriting, because only
it knows the target (:func:`inherited`).
"""

from __future__ import annotations

import datetime as dt

from lrs.xapi.agents import agent_key, agent_keys_with_members
from lrs.xapi.datatypes import parse_iso_timestamp

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
#: the index keys that say whom a statement belongs to
OWNER = "actor:"


def inherited(keys) -> list:
    """The keys a statement inherits from the one it targets by StatementRef: every filter key,
    never an ownership key (one person's comment on another's record stays the commenter's)."""
    return [k for k in keys if not k.startswith(OWNER)]


def owner_keys_of(statement: dict, writer_owners=None) -> list[str]:
    """Whom a statement belongs to, as agent keys: its actor and a Group actor's members, or,
    when a person wrote it (``writer_owners``: their identity keys), only theirs among those."""
    keys = agent_keys_with_members(statement.get("actor") or {})
    if writer_owners is not None:
        keys = [k for k in keys if k in writer_owners]
    return keys


def _activities(obj) -> list[str]:
    if isinstance(obj, dict):
        obj = [obj]
    return [a["id"] for a in obj or () if isinstance(a, dict) and "id" in a]


def _context_keys(context: dict | None, ragents: set, ractivities: set) -> None:
    if not context:
        return
    for prop in ("instructor", "team"):
        if prop in context:
            ragents.update(agent_keys_with_members(context[prop]))
    for entry in context.get("contextAgents") or ():
        ragents.update(agent_keys_with_members(entry.get("agent") or {}))
    for entry in context.get("contextGroups") or ():
        ragents.update(agent_keys_with_members(entry.get("group") or {}))
    for activities in (context.get("contextActivities") or {}).values():
        ractivities.update(_activities(activities))


def index_keys(statement: dict, owners=None) -> set[str]:
    """Every key under which ``statement`` must be found; ``owners``: see :func:`owner_keys_of`."""
    agents: set[str] = set()
    ragents: set[str] = set()
    activities: set[str] = set()
    ractivities: set[str] = set()
    keys: set[str] = {f"verb:{statement['verb']['id']}"}

    actor = statement["actor"]
    own = agent_key(actor)
    if own:
        agents.add(own)
    ragents.update(agent_keys_with_members(actor))
    keys.update(OWNER + k for k in owner_keys_of(statement, owners))

    obj = statement["object"]
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        activities.add(obj["id"])
    elif kind in ("Agent", "Group"):
        own = agent_key(obj)
        if own:
            agents.add(own)
        ragents.update(agent_keys_with_members(obj))
    elif kind == "SubStatement":
        ragents.update(agent_keys_with_members(obj["actor"]))
        sub_obj = obj["object"]
        sub_kind = sub_obj.get("objectType", "Activity")
        if sub_kind == "Activity":
            ractivities.add(sub_obj["id"])
        elif sub_kind in ("Agent", "Group"):
            ragents.update(agent_keys_with_members(sub_obj))
        _context_keys(obj.get("context"), ragents, ractivities)

    if "authority" in statement:
        ragents.update(agent_keys_with_members(statement["authority"]))
    context = statement.get("context")
    _context_keys(context, ragents, ractivities)
    if context and "registration" in context:
        keys.add(f"registration:{context['registration'].lower()}")

    ragents |= agents
    ractivities |= activities
    keys.update(f"agent:{k}" for k in agents)
    keys.update(f"ragent:{k}" for k in ragents)
    keys.update(f"activity:{a}" for a in activities)
    keys.update(f"ractivity:{a}" for a in ractivities)
    return keys


def timeline_time(statement: dict) -> str:
    """When the learning a statement records happened, in the sortable index_time() form (UTC,
    microseconds): its ``timestamp``, else its ``stored``. Stores list a person's records by it."""
    moment = parse_iso_timestamp(statement.get("timestamp")) or parse_iso_timestamp(statement.get("stored"))
    if moment is None:
        return "0000-01-01T00:00:00.000000Z"
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def statement_ref_target(statement: dict) -> str | None:
    """The id of the statement this one targets by StatementRef, if any."""
    obj = statement.get("object") or {}
    if obj.get("objectType") == "StatementRef":
        return obj["id"].lower()
    return None


def voided_target(statement: dict) -> str | None:
    """The id a voiding statement voids, or None for any other statement."""
    if statement["verb"]["id"] == VOIDED_VERB:
        return statement_ref_target(statement)
    return None
