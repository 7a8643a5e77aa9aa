"""A fast proof that a statement is valid, in front of the marshmallow schemas.

:func:`proves_valid` answers True only for a statement the schemas in
:mod:`lrs.xapi.validation` accept; anything else (an invalid statement, or a
form it does not know) gets False, and the schemas then decide and word the
error. It is a plain walk over the JSON with the same predicates
(:mod:`lrs.xapi.datatypes`, :mod:`lrs.xapi.versions`) and the same rules, about ten
times faster than marshmallow. tests/xapi/test_fastcheck_properties.py checks that with it the
validator accepts and rejects exactly what the schemas alone do.

Only exact JSON types are trusted (``dict``, ``list``, ``str``, ``int``,
``float``, ``bool``): anything else falls back to the schemas.
"""

from __future__ import annotations

from lrs.xapi.datatypes import (
    MAX_NUMBER,
    duration_fits,
    is_bounded_number,
    is_duration,
    is_iri,
    is_language_tag,
    is_mbox,
    is_sha1,
    is_sha2,
    is_uuid,
    parse_iso_timestamp,
)
from lrs.xapi.versions import is_statement_version

INTERACTION_TYPES = frozenset(("true-false", "choice", "fill-in", "long-fill-in", "matching", "performance",
                               "sequencing", "likert", "numeric", "other"))
COMPONENTS_FOR = {"choice": ("choices",), "sequencing": ("choices",), "likert": ("scale",),
                  "matching": ("source", "target"), "performance": ("steps",)}
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"

STATEMENT_KEYS = frozenset(("id", "actor", "verb", "object", "result", "context", "timestamp", "stored",
                            "authority", "version", "attachments"))
SUBSTATEMENT_KEYS = frozenset(("objectType", "actor", "verb", "object", "result", "context", "timestamp",
                               "attachments"))
AGENT_KEYS = frozenset(("objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"))
GROUP_KEYS = AGENT_KEYS | {"member"}
ACCOUNT_KEYS = frozenset(("homePage", "name"))
VERB_KEYS = frozenset(("id", "display"))
ACTIVITY_KEYS = frozenset(("objectType", "id", "definition"))
DEFINITION_KEYS = frozenset(("name", "description", "type", "moreInfo", "extensions", "interactionType",
                             "correctResponsesPattern") + COMPONENT_LISTS)
COMPONENT_KEYS = frozenset(("id", "description"))
STATEMENT_REF_KEYS = frozenset(("objectType", "id"))
RESULT_KEYS = frozenset(("score", "success", "completion", "response", "duration", "extensions"))
SCORE_KEYS = frozenset(("scaled", "raw", "min", "max"))
ATTACHMENT_KEYS = frozenset(("usageType", "display", "description", "contentType", "length", "sha2", "fileUrl"))
ATTACHMENT_REQUIRED = frozenset(("usageType", "display", "contentType", "length", "sha2"))
CONTEXT_KEYS = frozenset(("registration", "instructor", "team", "contextActivities", "revision", "platform",
                          "language", "statement", "extensions"))
CONTEXT_KEYS_2 = CONTEXT_KEYS | {"contextAgents", "contextGroups"}
CONTEXT_ACTIVITIES_KEYS = frozenset(("parent", "grouping", "category", "other"))
CONTEXT_AGENT_KEYS = frozenset(("objectType", "agent", "relevantTypes"))
CONTEXT_GROUP_KEYS = frozenset(("objectType", "group", "relevantTypes"))
NUMBER = (int, float)

# Strings seen valid before, per kind: IRIs, agents' mboxes, language tags repeat in real traffic.
_IRIS: set = set()
_TAGS: set = set()
_MEMO_LIMIT = 20_000


def _iri(value) -> bool:
    if type(value) is not str:
        return False
    if value in _IRIS:
        return True
    if not is_iri(value):
        return False
    if len(_IRIS) >= _MEMO_LIMIT:
        _IRIS.clear()
    _IRIS.add(value)
    return True


def _tag(value) -> bool:
    if type(value) is not str:
        return False
    if value in _TAGS:
        return True
    if not is_language_tag(value):
        return False
    if len(_TAGS) >= _MEMO_LIMIT:
        _TAGS.clear()
    _TAGS.add(value)
    return True


def _language_map(value) -> bool:
    if type(value) is not dict:
        return False
    for tag, text in value.items():
        if type(text) is not str or not _tag(tag):
            return False
    return True


def _extensions(value) -> bool:
    if type(value) is not dict:
        return False
    for key in value:
        if not _iri(key):
            return False
    return True  # values: any JSON, null included


def _string(value) -> bool:
    return type(value) is str


def _keys_ok(value: dict, allowed: frozenset) -> bool:
    return value.keys() <= allowed


def _account(value) -> bool:
    return (type(value) is dict and value.keys() <= ACCOUNT_KEYS and "homePage" in value and "name" in value
            and _iri(value["homePage"]) and type(value["name"]) is str)


def _identifier_fields(value: dict) -> int | None:
    """The number of IFIs of an Agent or Group, None if one of its common properties is invalid."""
    count = 0
    if "name" in value and type(value["name"]) is not str:
        return None
    if "mbox" in value:
        if not is_mbox(value["mbox"]):
            return None
        count += 1
    if "mbox_sha1sum" in value:
        if not is_sha1(value["mbox_sha1sum"]):
            return None
        count += 1
    if "openid" in value:
        if not _iri(value["openid"]):
            return None
        count += 1
    if "account" in value:
        if not _account(value["account"]):
            return None
        count += 1
    return count


def _agent(value) -> bool:
    """AgentSchema: objectType absent or 'Agent', exactly one IFI."""
    if type(value) is not dict or not value.keys() <= AGENT_KEYS:
        return False
    if "objectType" in value and value["objectType"] != "Agent":
        return False
    return _identifier_fields(value) == 1


def _group(value) -> bool:
    """GroupSchema: objectType 'Group', at most one IFI, members (Agents) unless identified."""
    if type(value) is not dict or not value.keys() <= GROUP_KEYS or value.get("objectType") != "Group":
        return False
    count = _identifier_fields(value)
    if count is None or count > 1:
        return False
    if "member" in value:
        members = value["member"]
        if type(members) is not list:
            return False
        for member in members:
            if not _agent(member):
                return False
        if count == 0 and not members:
            return False
    elif count == 0:
        return False
    return True


def _agent_or_group(value) -> bool:
    if type(value) is not dict:
        return False
    kind = value.get("objectType", "Agent")
    if kind == "Agent":
        return _agent(value)
    if kind == "Group":
        return _group(value)
    return False


def _verb(value) -> bool:
    return (type(value) is dict and value.keys() <= VERB_KEYS and "id" in value and _iri(value["id"])
            and ("display" not in value or _language_map(value["display"])))


def _components(value) -> list | None:
    if type(value) is not list:
        return None
    ids = []
    for component in value:
        if (type(component) is not dict or not component.keys() <= COMPONENT_KEYS or "id" not in component
                or type(component["id"]) is not str):
            return None
        if "description" in component and not _language_map(component["description"]):
            return None
        ids.append(component["id"])
    return ids


def _definition(value) -> bool:
    if type(value) is not dict or not value.keys() <= DEFINITION_KEYS:
        return False
    for prop in ("name", "description"):
        if prop in value and not _language_map(value[prop]):
            return False
    for prop in ("type", "moreInfo"):
        if prop in value and not _iri(value[prop]):
            return False
    if "extensions" in value and not _extensions(value["extensions"]):
        return False
    kind = value.get("interactionType")
    if "interactionType" in value and (type(kind) is not str or kind not in INTERACTION_TYPES):
        return False
    if "correctResponsesPattern" in value:
        pattern = value["correctResponsesPattern"]
        if kind is None or type(pattern) is not list:
            return False
        for item in pattern:
            if type(item) is not str:
                return False
    allowed = COMPONENTS_FOR.get(kind, ())
    for prop in COMPONENT_LISTS:
        if prop in value:
            if prop not in allowed:
                return False
            ids = _components(value[prop])
            if ids is None or len(ids) != len(set(ids)):
                return False
    return True


def _activity(value) -> bool:
    """ActivitySchema: objectType absent or 'Activity'."""
    if type(value) is not dict or not value.keys() <= ACTIVITY_KEYS:
        return False
    if "objectType" in value and value["objectType"] != "Activity":
        return False
    return "id" in value and _iri(value["id"]) and ("definition" not in value or _definition(value["definition"]))


def _statement_ref(value) -> bool:
    return (type(value) is dict and value.keys() <= STATEMENT_REF_KEYS and value.get("objectType") == "StatementRef"
            and "id" in value and type(value["id"]) is str and is_uuid(value["id"]))


def _score(value) -> bool:
    if type(value) is not dict or not value.keys() <= SCORE_KEYS:
        return False
    for number in value.values():
        if type(number) not in NUMBER or not is_bounded_number(number):
            return False
    if "scaled" in value and not -1 <= value["scaled"] <= 1:
        return False
    low, high, raw = value.get("min"), value.get("max"), value.get("raw")
    if low is not None and high is not None and not low < high:
        return False
    if raw is not None and low is not None and raw < low:
        return False
    if raw is not None and high is not None and raw > high:
        return False
    return True


def _result(value) -> bool:
    if type(value) is not dict or not value.keys() <= RESULT_KEYS:
        return False
    if "score" in value and not _score(value["score"]):
        return False
    for prop in ("success", "completion"):
        if prop in value and type(value[prop]) is not bool:
            return False
    if "response" in value and type(value["response"]) is not str:
        return False
    if "duration" in value and not (type(value["duration"]) is str and is_duration(value["duration"])
                                    and duration_fits(value["duration"])):
        return False
    return "extensions" not in value or _extensions(value["extensions"])


def _attachments(value) -> bool:
    if type(value) is not list:
        return False
    for item in value:
        if type(item) is not dict or not item.keys() <= ATTACHMENT_KEYS or not ATTACHMENT_REQUIRED <= item.keys():
            return False
        if not (_iri(item["usageType"]) and _language_map(item["display"]) and type(item["contentType"]) is str
                and type(item["length"]) is int and 0 <= item["length"] <= MAX_NUMBER
                and type(item["sha2"]) is str and is_sha2(item["sha2"])):
            return False
        if "description" in item and not _language_map(item["description"]):
            return False
        if "fileUrl" in item and not _iri(item["fileUrl"]):
            return False
    return True


def _relevant_types(value) -> bool:
    if type(value) is not list or not value:
        return False
    for iri in value:
        if not _iri(iri):
            return False
    return True


def _context_activities(value) -> bool:
    if type(value) is not dict or not value.keys() <= CONTEXT_ACTIVITIES_KEYS:
        return False
    for activities in value.values():
        if type(activities) is list:
            for activity in activities:
                if not _activity(activity):
                    return False
        elif not _activity(activities):
            return False
    return True


def _context(value, v2: bool) -> bool:
    if type(value) is not dict or not value.keys() <= (CONTEXT_KEYS_2 if v2 else CONTEXT_KEYS):
        return False
    if "registration" in value and not (type(value["registration"]) is str and is_uuid(value["registration"])):
        return False
    if "instructor" in value and not _agent_or_group(value["instructor"]):
        return False
    if "team" in value and not _group(value["team"]):
        return False
    if "contextActivities" in value and not _context_activities(value["contextActivities"]):
        return False
    for prop in ("revision", "platform"):
        if prop in value and type(value[prop]) is not str:
            return False
    if "language" in value and not _tag(value["language"]):
        return False
    if "statement" in value and not _statement_ref(value["statement"]):
        return False
    if "extensions" in value and not _extensions(value["extensions"]):
        return False
    if "contextAgents" in value:
        entries = value["contextAgents"]
        if type(entries) is not list:
            return False
        for entry in entries:
            if (type(entry) is not dict or not entry.keys() <= CONTEXT_AGENT_KEYS
                    or entry.get("objectType") != "contextAgent" or "agent" not in entry
                    or not _agent(entry["agent"])
                    or ("relevantTypes" in entry and not _relevant_types(entry["relevantTypes"]))):
                return False
    if "contextGroups" in value:
        entries = value["contextGroups"]
        if type(entries) is not list:
            return False
        for entry in entries:
            if (type(entry) is not dict or not entry.keys() <= CONTEXT_GROUP_KEYS
                    or entry.get("objectType") != "contextGroup" or "group" not in entry
                    or not _group(entry["group"])
                    or ("relevantTypes" in entry and not _relevant_types(entry["relevantTypes"]))):
                return False
    return True


def _timestamp(value) -> bool:
    return type(value) is str and parse_iso_timestamp(value) is not None


def _object(value, v2: bool, nested: bool) -> bool:
    if type(value) is not dict:
        return False
    kind = value.get("objectType", "Activity")
    if kind == "Activity":
        return _activity(value)
    if kind == "Agent":
        return _agent(value)
    if kind == "Group":
        return _group(value)
    if kind == "StatementRef":
        return _statement_ref(value)
    if kind == "SubStatement" and not nested:
        return _parts(value, v2, SUBSTATEMENT_KEYS, nested=True)
    return False


def _parts(value: dict, v2: bool, allowed: frozenset, nested: bool) -> bool:
    """What a Statement and a SubStatement share; ``allowed``: the properties either may have."""
    if not value.keys() <= allowed or "actor" not in value or "verb" not in value or "object" not in value:
        return False
    obj = value["object"]
    if not (_agent_or_group(value["actor"]) and _verb(value["verb"]) and _object(obj, v2, nested)):
        return False
    if "result" in value and not _result(value["result"]):
        return False
    if "context" in value:
        context = value["context"]
        if not _context(context, v2):
            return False
        if obj.get("objectType", "Activity") != "Activity" and ("revision" in context or "platform" in context):
            return False
    if "timestamp" in value and not _timestamp(value["timestamp"]):
        return False
    return "attachments" not in value or _attachments(value["attachments"])


def proves_valid(statement, v2: bool) -> bool:
    """True only if the marshmallow StatementSchema (2.0 when ``v2``) accepts ``statement``."""
    if type(statement) is not dict:
        return False
    try:
        if not _parts(statement, v2, STATEMENT_KEYS, nested=False):
            return False
        if "id" in statement and not (type(statement["id"]) is str and is_uuid(statement["id"])):
            return False
        if "stored" in statement and not _timestamp(statement["stored"]):
            return False
        if "version" in statement and not is_statement_version(statement["version"], v2):
            return False
        if "authority" in statement:
            authority = statement["authority"]
            if not _agent_or_group(authority):
                return False
            if authority.get("objectType") == "Group" and (
                    any(key in authority for key in IFIS) or len(authority.get("member") or ()) != 2):
                return False
        if statement["verb"]["id"] == VOIDED_VERB and statement["object"].get("objectType") != "StatementRef":
            return False
    except (TypeError, ValueError, RecursionError):  # an unexpected shape: let the schemas judge it
        return False
    return True
