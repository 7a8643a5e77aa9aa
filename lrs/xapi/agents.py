"""Agent identity: the inverse functional identifier (IFI) that says who an Agent or Group is.

Two Agents (or two identified Groups) are the same when they have the same
objectType and the same IFI (xAPI-Data.md §2.4.2.3). A key string captures
exactly that, so stores can index and compare identities without parsing JSON.
"""

from __future__ import annotations

IFI_PROPERTIES = ("mbox", "mbox_sha1sum", "openid", "account")


def ifi_of(agent: dict) -> tuple[str, str] | None:
    """The (property, value) of the agent's IFI, or None for an anonymous Group."""
    for prop in IFI_PROPERTIES:
        if prop in agent:
            value = agent[prop]
            if prop == "account":
                value = f"{value.get('homePage', '')}|{value.get('name', '')}"
            return prop, value
    return None


def agent_key(agent: dict) -> str | None:
    """``Agent|mbox|mailto:a@example.org``: objectType and IFI in one comparable string."""
    ifi = ifi_of(agent)
    if ifi is None:
        return None
    object_type = agent.get("objectType") or "Agent"
    return f"{object_type}|{ifi[0]}|{ifi[1]}"


def is_mbox_key(key: str) -> bool:
    """Whether ``key`` names an e-mail address, whose claims compare without regard to letter case.

    RFC 5321 lets the part before the @ be case-sensitive, but mail systems in use deliver
    Ada@Example.org and ada@example.org to one mailbox, so two people claiming them claim one
    mailbox. Only claims compare this way: statements keep an address exactly as sent, and
    queries match it exactly (xAPI-Data.md §2.4.2.3 compares identifiers as given).
    """
    return key.split("|", 2)[1:2] == ["mbox"]


def agent_keys_with_members(agent: dict) -> list[str]:
    """The agent's own key and, for a Group, each member's key."""
    keys = []
    own = agent_key(agent)
    if own:
        keys.append(own)
    if agent.get("objectType") == "Group":
        for member in agent.get("member") or ():
            key = agent_key(member)
            if key:
                keys.append(key)
    return keys


def ids_only(agent: dict) -> dict:
    """The agent reduced to what identifies it (``format=ids``)."""
    out: dict = {}
    if "objectType" in agent:
        out["objectType"] = agent["objectType"]
    ifi = next((p for p in IFI_PROPERTIES if p in agent), None)
    if ifi:
        out[ifi] = agent[ifi]
    if agent.get("objectType") == "Group" and "member" in agent and ifi is None:
        out["member"] = [ids_only(m) for m in agent["member"]]
    return out


def person_object(agents: list[dict]) -> dict:
    """A Person object (xAPI-Communication.md §2.6.2) combining what is known of one person."""
    person: dict = {"objectType": "Person"}
    for agent in agents:
        for prop in ("name",) + IFI_PROPERTIES:
            if prop in agent:
                values = person.setdefault(prop, [])
                if agent[prop] not in values:
                    values.append(agent[prop])
    return person
