"""Removing a person's identifiers from statements that remain after their erasure.

Erasure deletes the statements that belong to a person; a statement of someone
else may still name them (as instructor, team member, object, authority). There
each of their Agent objects becomes an anonymous account, so nothing identifies
them and the statement stays valid xAPI (docs/ownership.md, "Leaving and erasing").
"""

from __future__ import annotations

import secrets

from lrs.xapi.agents import agent_key

#: properties that can hold an Agent or Group anywhere in a statement
_AGENT_HOLDERS = ("actor", "object", "authority", "instructor", "team", "agent", "group", "member")


def erased_agent(home_page: str, object_type: str | None = None) -> dict:
    agent = {"account": {"homePage": home_page, "name": "erased-" + secrets.token_hex(8)}}
    if object_type:
        agent["objectType"] = object_type
    return agent


def scrub(value, keys: set[str], home_page: str):
    """A copy of ``value`` with every Agent identified by one of ``keys`` anonymised."""
    if isinstance(value, list):
        return [scrub(v, keys, home_page) for v in value]
    if not isinstance(value, dict):
        return value
    if agent_key(value) in keys:
        return erased_agent(home_page, value.get("objectType"))
    out = {}
    for name, child in value.items():
        if name in ("extensions", "definition", "result"):
            out[name] = child  # free-form data: not agents in the xAPI sense
        elif isinstance(child, (dict, list)) and (name in _AGENT_HOLDERS or name in ("context", "contextAgents",
                                                                                    "contextGroups", "member")):
            out[name] = scrub(child, keys, home_page)
        else:
            out[name] = child
    return out
