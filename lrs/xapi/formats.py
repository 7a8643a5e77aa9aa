"""The ``format`` parameter of GET /statements (xAPI-Communication.md §2.1.3):
``exact`` as stored, ``ids`` reduced to identifiers, ``canonical`` with one
language per language map, chosen by Accept-Language."""

from __future__ import annotations

import copy

from lrs.xapi.agents import ids_only


def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges in order of preference (RFC 7231 §5.3.5), lower-cased."""
    if not header:
        return []
    ranges = []
    for position, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        lang, _, params = piece.partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            ranges.append((-quality, position, lang.strip().lower()))
    return [lang for _, _, lang in sorted(ranges)]


def pick_language(language_map: dict, preferences: list[str]) -> dict:
    """Keep the one entry of a language map that best fits the preferences."""
    if not isinstance(language_map, dict) or len(language_map) <= 1:
        return language_map
    lowered = {k.lower(): k for k in language_map}
    for pref in preferences:
        if pref == "*":
            break
        if pref in lowered:
            key = lowered[pref]
            return {key: language_map[key]}
        for low, key in lowered.items():
            if low.startswith(pref + "-") or pref.startswith(low + "-"):
                return {key: language_map[key]}
    for fallback in ("und", "en-us", "en"):
        if fallback in lowered:
            key = lowered[fallback]
            return {key: language_map[key]}
    key = next(iter(language_map))
    return {key: language_map[key]}


def _canonical_definition(definition: dict, prefs: list[str]) -> None:
    for prop in ("name", "description"):
        if prop in definition:
            definition[prop] = pick_language(definition[prop], prefs)
    for prop in ("choices", "scale", "source", "target", "steps"):
        for component in definition.get(prop) or ():
            if "description" in component:
                component["description"] = pick_language(component["description"], prefs)


def _canonical_object(obj: dict, prefs: list[str]) -> None:
    kind = obj.get("objectType", "Activity")
    if kind == "Activity" and "definition" in obj:
        _canonical_definition(obj["definition"], prefs)
    elif kind == "SubStatement":
        _canonical_parts(obj, prefs)


def _canonical_parts(statement: dict, prefs: list[str]) -> None:
    verb = statement.get("verb") or {}
    if "display" in verb:
        verb["display"] = pick_language(verb["display"], prefs)
    _canonical_object(statement.get("object") or {}, prefs)
    for activities in ((statement.get("context") or {}).get("contextActivities") or {}).values():
        for activity in activities if isinstance(activities, list) else [activities]:
            _canonical_object(activity, prefs)
    for attachment in statement.get("attachments") or ():
        for prop in ("display", "description"):
            if prop in attachment:
                attachment[prop] = pick_language(attachment[prop], prefs)


def canonical(statement: dict, preferences: list[str]) -> dict:
    out = copy.deepcopy(statement)
    _canonical_parts(out, preferences)
    return out


def _ids_object(obj: dict) -> dict:
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        return {"id": obj["id"]}
    if kind in ("Agent", "Group"):
        return ids_only(obj)
    if kind == "SubStatement":
        return _ids_parts(obj)
    return obj


def _ids_context(context: dict) -> dict:
    out = dict(context)
    for prop in ("instructor", "team"):
        if prop in out:
            out[prop] = ids_only(out[prop])
    if "contextActivities" in out:
        out["contextActivities"] = {
            k: [_ids_object(a) for a in v] if isinstance(v, list) else _ids_object(v)
            for k, v in out["contextActivities"].items()
        }
    if "contextAgents" in out:
        out["contextAgents"] = [{**c, "agent": ids_only(c["agent"])} for c in out["contextAgents"]]
    if "contextGroups" in out:
        out["contextGroups"] = [{**c, "group": ids_only(c["group"])} for c in out["contextGroups"]]
    return out


def _ids_parts(statement: dict) -> dict:
    out = dict(statement)
    out["actor"] = ids_only(statement["actor"])
    out["verb"] = {"id": statement["verb"]["id"]}
    out["object"] = _ids_object(statement["object"])
    if "context" in out:
        out["context"] = _ids_context(out["context"])
    if "authority" in out:
        out["authority"] = ids_only(out["authority"])
    return out


def ids(statement: dict) -> dict:
    return _ids_parts(statement)


V2_CONTEXT_PROPERTIES = ("contextAgents", "contextGroups")


def needs_downgrade(json_text: str) -> bool:
    """Cheap test: could this stored statement hold properties a 1.0.3 reader must not see?"""
    return any(f'"{prop}"' in json_text for prop in V2_CONTEXT_PROPERTIES)


def downgrade(statement: dict) -> dict:
    """The statement as a 1.0.3 reader may see it: without 2.0-only context properties."""
    def strip(part: dict) -> None:
        context = part.get("context")
        if isinstance(context, dict):
            for prop in V2_CONTEXT_PROPERTIES:
                context.pop(prop, None)
        obj = part.get("object")
        if isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
            strip(obj)

    out = copy.deepcopy(statement)
    strip(out)
    return out
