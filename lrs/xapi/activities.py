"""Canonical Activity definitions (xAPI-Communication.md §2.5): the LRS keeps the
definition it was last told by a trusted source, merging language maps so no
language is lost."""

from __future__ import annotations

import copy

LANGUAGE_MAPS = ("name", "description")


def activities_in(statement: dict) -> list[dict]:
    """Every Activity object with a definition in a statement (object, context, SubStatement)."""
    found = []

    def visit(obj):
        if isinstance(obj, dict) and obj.get("objectType", "Activity") == "Activity" and "definition" in obj:
            found.append(obj)

    def parts(stmt):
        obj = stmt.get("object") or {}
        visit(obj)
        if obj.get("objectType") == "SubStatement":
            parts(obj)
        for group in ((stmt.get("context") or {}).get("contextActivities") or {}).values():
            for activity in group if isinstance(group, list) else [group]:
                visit(activity)

    parts(statement)
    return found


def merge_activity(existing: dict | None, incoming: dict) -> dict:
    """The new canonical Activity: incoming properties win; language maps are merged."""
    result = {"objectType": "Activity", "id": incoming["id"]}
    old_def = copy.deepcopy((existing or {}).get("definition") or {})
    new_def = incoming.get("definition") or {}
    for key, value in new_def.items():
        if key in LANGUAGE_MAPS and isinstance(old_def.get(key), dict) and isinstance(value, dict):
            old_def[key] = {**old_def[key], **value}
        else:
            old_def[key] = copy.deepcopy(value)
    result["definition"] = old_def
    return result


def adds_nothing(existing: dict | None, incoming: dict) -> bool:
    """True only if merge_activity(existing, incoming) == existing (the usual case: definitions repeat),
    found without copying anything; False when it may change it."""
    if (existing is None or existing.keys() != {"objectType", "id", "definition"}
            or existing["objectType"] != "Activity" or existing["id"] != incoming["id"]):
        return False
    old_def = existing["definition"]
    if not isinstance(old_def, dict):
        return False
    for key, value in (incoming.get("definition") or {}).items():
        if key not in old_def:
            return False
        old = old_def[key]
        if key in LANGUAGE_MAPS and isinstance(old, dict) and isinstance(value, dict):
            for language, text in value.items():
                if language not in old or old[language] != text:
                    return False
        elif old != value:
            return False
    return True


def activity_object(activity_id: str, canonical: dict | None) -> dict:
    """What GET /activities answers: the canonical Activity, or a bare one when none is known."""
    return canonical or {"objectType": "Activity", "id": activity_id}
