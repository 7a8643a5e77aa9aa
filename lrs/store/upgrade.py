"""What both stores infer when they upgrade records written before ownership came from a
statement's own actor (schema 3), or load records dumped by an older store.

Both rules err on the side of the person: a statement a personal key wrote is theirs
alone, and an attachment body is served only through statements that can have brought it.
"""

from __future__ import annotations

from lrs.auth.credentials import AUTHORITY_HOME_PAGE
from lrs.xapi.attachments import declared_attachments
from lrs.xapi.indexing import owner_keys_of


def personal_writer(statement: dict) -> dict | None:
    """The person's Agent when a personal key (or the space acting for them) wrote the statement:
    its authority is a Group of the key's account and the person (lrs.auth.personal)."""
    authority = statement.get("authority") or {}
    members = authority.get("member") or []
    if authority.get("objectType") != "Group" or len(members) != 2 or not isinstance(members[0], dict):
        return None
    if (members[0].get("account") or {}).get("homePage") != AUTHORITY_HOME_PAGE:
        return None
    return members[1] if isinstance(members[1], dict) else None


def owner_keys_on_upgrade(statement: dict, verified_keys_of) -> list[str]:
    """Whom a stored statement belongs to: its own actor's keys, a person's writes theirs alone.

    ``verified_keys_of(agent)`` gives the verified identity keys of the person that agent
    is, or None; a writer no longer known keeps only the keys of the agent it wrote as.
    """
    writer = personal_writer(statement)
    if writer is None:
        return owner_keys_of(statement)
    from lrs.xapi.agents import agent_key

    keys = verified_keys_of(writer)
    if keys is None:
        keys = (agent_key(writer),)
    return owner_keys_of(statement, keys)


def carried_on_upgrade(uses: list[tuple[int, dict]]) -> list[int]:
    """Which of the statements declaring one stored body (``(seq, attachment)`` in sequence order)
    may serve it: those that declared it without a ``fileUrl`` (they had to send it), and when
    none did, only the first (the body came with some statement, and the first is the one that could)."""
    senders = [seq for seq, attachment in uses if not attachment.get("fileUrl")]
    return senders or [uses[0][0]]


def loaded_carries(record: dict) -> list[str]:
    """The bodies a dumped statement carried; inferred for a dump made before stores kept it."""
    if "carries" in record:
        return list(record["carries"])
    import orjson

    statement = orjson.loads(record["json"])
    return sorted({a["sha2"].lower() for a in declared_attachments(statement)
                   if "sha2" in a and not a.get("fileUrl")})
