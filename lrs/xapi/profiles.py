"""xAPI Profiles: reading a profile, and checking statements against its Statement Templates and Patterns.

Follows the ADL xAPI Profiles specification (github.com/adlnet/xapi-profiles):
``xapi-profiles-structure.md`` for what a profile holds (§6 Profile, §7 Concepts, §8 Statement
Templates and their rules, §9 Patterns) and ``xapi-profiles-communication.md`` §2 for how a
processor validates (``validates``, ``follows_rule``, ``matches``, ``follows``). Profiles are
JSON-LD with the specification's fixed context; the specification says no JSON-LD processing
is needed to consume them (structure §2.0), so they are read as plain JSON.

JSONPath (rule ``location`` and ``selector``) is evaluated with jsonpath-ng, restricted to the
subset §8.1 allows; the ``|`` union of whole paths is split here, because the specification
defines it as the concatenation of each path's values.

Free of Flask and storage: the LRS's wiring (which profiles apply to whom, findings) is
:mod:`lrs.profiles`.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from typing import Callable, Iterable

from jsonpath_ng import jsonpath as jp
from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.parser import parse as _parse_jsonpath

from lrs.errors import BadRequest
from lrs.xapi.datatypes import is_iri

PROFILE_CONTEXT = "https://w3id.org/xapi/profiles/context"
ACTIVITY_CONTEXT = "https://w3id.org/xapi/profiles/activity-context"
#: the specification version this processor implements (structure §6.0, ``conformsTo``)
CONFORMS_TO = "https://w3id.org/xapi/profiles#1.0"

PRESENCE = ("included", "excluded", "recommended")
CONCEPT_TYPES = ("Verb", "ActivityType", "AttachmentUsageType", "ContextExtension", "ResultExtension",
                 "ActivityExtension", "StateResource", "AgentProfileResource", "ActivityProfileResource", "Activity")
PATTERN_KINDS = ("alternates", "optional", "oneOrMore", "sequence", "zeroOrMore")
#: the context activity kinds and the template property that names their types (structure §8.0)
CONTEXT_TYPES = {"grouping": "contextGroupingActivityType", "parent": "contextParentActivityType",
                 "other": "contextOtherActivityType", "category": "contextCategoryActivityType"}
#: how deep StatementRef templates are followed into referenced statements
REF_DEPTH = 8


class ProfileError(BadRequest):
    """A profile document that does not follow the xAPI Profiles specification; ``location`` is
    where in the document (``templates[2].rules[0].location``)."""


# ---------------------------------------------------------------------------
# JSONPath (structure §8.1)
# ---------------------------------------------------------------------------

#: jsonpath-ng nodes inside the subset the specification allows: the root, children by name,
#: ``*``, non-negative indexes (and unions of names or of indexes), and ``..`` of Goessner's syntax
_ALLOWED_NODES = (jp.Root, jp.Child, jp.Fields, jp.Wildcard, jp.Index, jp.Descendants)


def _split_union(text: str) -> list[str]:
    """``a | b`` → ``["a", "b"]``; a ``|`` inside quotes or brackets (an extension IRI) stays."""
    parts, depth, quote, start = [], 0, None, 0
    for i, ch in enumerate(text):
        if quote:
            if ch == "\\":
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _outside_quotes(text: str) -> str:
    out, quote = [], None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        else:
            out.append(ch)
    return "".join(out)


def _check_subset(node, text: str, location: str) -> None:
    if not isinstance(node, _ALLOWED_NODES):
        kind = type(node).__name__
        raise ProfileError(f"the JSONPath {text!r} uses {kind}, which xAPI Profiles do not allow (only names, "
                           "non-negative indexes, *, unions of those, .. and | between paths; no filters, "
                           "scripts or slices)", location=location)
    if isinstance(node, jp.Index) and any(i < 0 for i in node.indices):
        raise ProfileError(f"the JSONPath {text!r} has a negative index; only non-negative ones are allowed",
                           location=location)
    for child in ("left", "right"):
        if hasattr(node, child):
            _check_subset(getattr(node, child), text, location)


@dataclass(frozen=True)
class JSONPath:
    """A rule's ``location`` or ``selector``: one or more paths joined by ``|``."""

    text: str
    paths: tuple = field(repr=False, compare=False)

    @classmethod
    def compile(cls, text, location: str) -> "JSONPath":
        if not isinstance(text, str) or not text.strip():
            raise ProfileError("a JSONPath must be a non-empty string", location=location)
        bare = _outside_quotes(text)
        if "?" in bare or "@" in bare or "(" in bare:
            raise ProfileError(f"the JSONPath {text!r} has a filter or script expression, which xAPI Profiles "
                               "do not allow", location=location)
        paths = []
        for part in _split_union(text):
            if not part:
                raise ProfileError(f"the JSONPath {text!r} has an empty side of |", location=location)
            try:
                with warnings.catch_warnings():  # jsonpath-ng warns of its own | and & (refused below)
                    warnings.simplefilter("ignore", DeprecationWarning)
                    path = _parse_jsonpath(part)
            except (JsonPathLexerError, JsonPathParserError, ValueError, TypeError, AttributeError) as error:
                raise ProfileError(f"the JSONPath {part!r} cannot be read: {error}", location=location) from None
            _check_subset(path, text, location)
            paths.append(path)
        return cls(text=text, paths=tuple(paths))

    def find(self, value) -> list:
        """Every value the path finds, flattened over ``|`` (communication §2.1 ``apply_jsonpath``)."""
        return [match.value for path in self.paths for match in path.find(value)]


# ---------------------------------------------------------------------------
# The profile's parts
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A Statement Template Rule (structure §8.1)."""

    location: JSONPath
    selector: JSONPath | None = None
    presence: str | None = None
    any: tuple | None = None
    all: tuple | None = None
    none: tuple | None = None
    scope_note: dict | None = None

    def describe(self) -> str:
        """The rule as a message names it: ``location $.x (presence included)``."""
        parts = [f"presence {self.presence}"] if self.presence else []
        for name in ("any", "all", "none"):
            values = getattr(self, name)
            if values is not None:
                parts.append(f"{name} {_short(list(values))}")
        selector = f" selector {self.selector.text}" if self.selector else ""
        return f"location {self.location.text}{selector} ({', '.join(parts)})"


@dataclass(frozen=True)
class Template:
    """A Statement Template (structure §8.0)."""

    id: str
    in_scheme: str
    pref_label: dict
    deprecated: bool = False
    verb: str | None = None
    object_activity_type: str | None = None
    context_activity_types: tuple = ()   # ((kind, (types…)), …) for grouping, parent, other, category
    attachment_usage_types: tuple = ()
    object_statement_ref_template: tuple | None = None
    context_statement_ref_template: tuple | None = None
    rules: tuple = ()

    @property
    def label(self) -> str:
        return _label(self.pref_label) or self.id


@dataclass(frozen=True)
class Pattern:
    """A Pattern (structure §9.0): ``kind`` is one of :data:`PATTERN_KINDS`, ``members`` what it names."""

    id: str
    kind: str
    members: tuple
    primary: bool = False
    pref_label: dict | None = None

    @property
    def label(self) -> str:
        return _label(self.pref_label or {}) or self.id


@dataclass(frozen=True)
class Profile:
    """A loaded profile. ``versions`` are its version ids, newest first; ``document`` is it as given."""

    id: str
    versions: tuple
    pref_label: dict
    concepts: dict
    templates: dict          # id → Template, in document order
    patterns: dict           # id → Pattern
    document: dict = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        return _label(self.pref_label) or self.id

    @property
    def version(self) -> str:
        """The version this document describes (the newest)."""
        return self.versions[0]

    def named_by(self, iri: str) -> bool:
        """Whether ``iri`` is this profile's id or one of its version ids (a statement claims the profile by
        naming it among its category context activities, structure §5.0)."""
        return iri == self.id or iri in self.versions


def _label(language_map: dict) -> str:
    for tag in ("en", "en-US", "en-GB"):
        if tag in language_map:
            return language_map[tag]
    return next(iter(language_map.values()), "")


def _short(value, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[:limit - 1] + "…"


# ---------------------------------------------------------------------------
# Loading (structure §4 – §9)
# ---------------------------------------------------------------------------


def load_profile(document, *, others: Iterable[Profile] = ()) -> Profile:
    """Read and check a profile document (a dict, or JSON text); :class:`ProfileError` when it breaks
    the specification. ``others``: profiles already loaded, whose templates and patterns this
    profile's patterns may reuse (structure §9.0)."""
    if isinstance(document, (str, bytes)):
        try:
            document = json.loads(document)
        except ValueError as error:
            raise ProfileError(f"the profile is not JSON: {error}", location="profile") from None
    if not isinstance(document, dict):
        raise ProfileError("a profile is a JSON object", location="profile")
    _no_empty_values(document, "profile")
    _context(document.get("@context"), PROFILE_CONTEXT, "@context")
    if document.get("type") != "Profile":
        raise ProfileError('a profile\'s type must be "Profile"', location="type")
    profile_id = _iri(document, "id", "")
    _iri(document, "conformsTo", "")
    pref_label = _language_map(document, "prefLabel", "")
    _language_map(document, "definition", "")
    if "seeAlso" in document:
        _iri(document, "seeAlso", "")
    versions = _versions(document.get("versions"), profile_id)
    _author(document.get("author"))
    concepts = _concepts(document.get("concepts", []), versions)
    templates = _templates(document.get("templates", []), versions)
    foreign_templates = {t: p for p in others for t in p.templates}
    foreign_patterns = {q: p for p in others for q in p.patterns}
    patterns = _patterns(document.get("patterns", []), versions, templates, foreign_templates, foreign_patterns)
    return Profile(id=profile_id, versions=versions, pref_label=pref_label, concepts=concepts, templates=templates,
                   patterns=patterns, document=document)


def _no_empty_values(value, where: str) -> None:
    """Structure §4.0: values must not be empty objects, null, empty strings or empty arrays."""
    if value is None or value == "" or value == {} or value == []:
        raise ProfileError("a profile's values must not be null, empty strings, empty objects or empty arrays",
                           location=where)
    if isinstance(value, dict):
        for key, item in value.items():
            _no_empty_values(item, f"{where}.{key}" if where != "profile" else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _no_empty_values(item, f"{where}[{i}]")


def _context(value, required: str, where: str) -> None:
    if value == required or (isinstance(value, list) and required in value):
        return
    raise ProfileError(f"@context must be {required!r} (or an array containing it)", location=where)


def _where(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _iri(obj: dict, name: str, prefix: str, *, required: bool = True) -> str | None:
    value = obj.get(name)
    if value is None and not required:
        return None
    if not is_iri(value):
        raise ProfileError(f"{name} must be an IRI", location=_where(prefix, name))
    return value


def _iris(obj: dict, name: str, prefix: str) -> tuple | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(is_iri(v) for v in value):
        raise ProfileError(f"{name} must be an array of IRIs", location=_where(prefix, name))
    return tuple(value)


def _language_map(obj: dict, name: str, prefix: str, *, required: bool = True) -> dict | None:
    value = obj.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ProfileError(f"{name} must be a language map (language tag → text)", location=_where(prefix, name))
    return value


def _versions(value, profile_id: str) -> tuple:
    if not isinstance(value, list):
        raise ProfileError("versions must be an array of Profile version objects", location="versions")
    ids = []
    for i, version in enumerate(value):
        where = f"versions[{i}]"
        if not isinstance(version, dict):
            raise ProfileError("a Profile version is an object", location=where)
        ids.append(_iri(version, "id", where))
        if not isinstance(version.get("generatedAtTime"), str):
            raise ProfileError("a Profile version needs generatedAtTime", location=f"{where}.generatedAtTime")
        _iris(version, "wasRevisionOf", where)
    if len(set(ids)) != len(ids) or profile_id in ids:
        raise ProfileError("every version id must be unique and differ from the profile's id", location="versions")
    # newest first: the one no other version revises, then by generatedAtTime
    revised = {r for v in value for r in v.get("wasRevisionOf", [])}
    ordered = sorted(value, key=lambda v: (v["id"] not in revised, v["generatedAtTime"]), reverse=True)
    return tuple(v["id"] for v in ordered)


def _author(value) -> None:
    if not isinstance(value, dict) or value.get("type") not in ("Organization", "Person"):
        raise ProfileError('author must be an object of type "Organization" or "Person"', location="author")
    if not isinstance(value.get("name"), str):
        raise ProfileError("author needs a name", location="author.name")


def _in_scheme(obj: dict, versions: tuple, where: str) -> str:
    value = obj.get("inScheme")
    if value not in versions:
        raise ProfileError("inScheme must be one of this profile's version ids", location=f"{where}.inScheme")
    return value


def _concepts(value, versions: tuple) -> dict:
    if not isinstance(value, list):
        raise ProfileError("concepts must be an array", location="concepts")
    concepts = {}
    for i, concept in enumerate(value):
        where = f"concepts[{i}]"
        if not isinstance(concept, dict):
            raise ProfileError("a concept is an object", location=where)
        kind = concept.get("type")
        if kind not in CONCEPT_TYPES:
            raise ProfileError(f"a concept's type must be one of {', '.join(CONCEPT_TYPES)}", location=f"{where}.type")
        concept_id = _iri(concept, "id", where)
        if concept_id in concepts:
            raise ProfileError(f"the concept {concept_id} is defined twice", location=f"{where}.id")
        _in_scheme(concept, versions, where)
        if "deprecated" in concept and not isinstance(concept["deprecated"], bool):
            raise ProfileError("deprecated must be a boolean", location=f"{where}.deprecated")
        if kind == "Activity":
            definition = concept.get("activityDefinition")
            if not isinstance(definition, dict):
                raise ProfileError("an Activity concept needs an activityDefinition", location=f"{where}.activityDefinition")
            _context(definition.get("@context"), ACTIVITY_CONTEXT, f"{where}.activityDefinition.@context")
        else:
            _language_map(concept, "prefLabel", where)
            _language_map(concept, "definition", where)
        if kind in ("Verb", "ActivityType", "AttachmentUsageType"):
            for name in ("broader", "broadMatch", "narrower", "narrowMatch", "related", "relatedMatch", "exactMatch"):
                _iris(concept, name, where)
            if "related" in concept and not concept.get("deprecated"):
                raise ProfileError("related is only for deprecated concepts", location=f"{where}.related")
        if kind.endswith("Extension") or kind.endswith("Resource"):
            if "schema" in concept and "inlineSchema" in concept:
                raise ProfileError("use at most one of schema and inlineSchema", location=where)
        if kind.endswith("Extension"):
            if "recommendedActivityTypes" in concept and kind != "ActivityExtension":
                raise ProfileError("recommendedActivityTypes is only for an ActivityExtension",
                                   location=f"{where}.recommendedActivityTypes")
            if "recommendedVerbs" in concept and kind == "ActivityExtension":
                raise ProfileError("recommendedVerbs is only for a ContextExtension or a ResultExtension",
                                   location=f"{where}.recommendedVerbs")
            _iris(concept, "recommendedActivityTypes", where)
            _iris(concept, "recommendedVerbs", where)
        if kind.endswith("Resource") and not isinstance(concept.get("contentType"), str):
            raise ProfileError("a document resource needs a contentType", location=f"{where}.contentType")
        concepts[concept_id] = concept
    return concepts


def _values(rule: dict, name: str, where: str) -> tuple | None:
    value = rule.get(name)
    if value is None:
        return None
    if not isinstance(value, list):
        raise ProfileError(f"{name} must be an array of values", location=f"{where}.{name}")
    return tuple(value)


def _rule(rule, where: str) -> Rule:
    if not isinstance(rule, dict):
        raise ProfileError("a rule is an object", location=where)
    if not any(k in rule for k in ("presence", "any", "all", "none")):
        raise ProfileError("a rule needs at least one of presence, any, all and none", location=where)
    presence = rule.get("presence")
    if presence is not None and presence not in PRESENCE:
        raise ProfileError(f"presence must be one of {', '.join(PRESENCE)}", location=f"{where}.presence")
    selector = rule.get("selector")
    return Rule(location=JSONPath.compile(rule.get("location"), f"{where}.location"),
                selector=JSONPath.compile(selector, f"{where}.selector") if selector is not None else None,
                presence=presence, any=_values(rule, "any", where), all=_values(rule, "all", where),
                none=_values(rule, "none", where),
                scope_note=_language_map(rule, "scopeNote", where, required=False))


def _templates(value, versions: tuple) -> dict:
    if not isinstance(value, list):
        raise ProfileError("templates must be an array", location="templates")
    templates: dict = {}
    for i, template in enumerate(value):
        where = f"templates[{i}]"
        if not isinstance(template, dict) or template.get("type") != "StatementTemplate":
            raise ProfileError('a Statement Template is an object of type "StatementTemplate"', location=where)
        template_id = _iri(template, "id", where)
        if template_id in templates:
            raise ProfileError(f"the template {template_id} is defined twice", location=f"{where}.id")
        if "objectStatementRefTemplate" in template and "objectActivityType" in template:
            raise ProfileError("a template must not have both objectStatementRefTemplate and objectActivityType",
                               location=where)
        rules = template.get("rules", [])
        if not isinstance(rules, list):
            raise ProfileError("rules must be an array", location=f"{where}.rules")
        templates[template_id] = Template(
            id=template_id, in_scheme=_in_scheme(template, versions, where),
            pref_label=_language_map(template, "prefLabel", where),
            deprecated=bool(template.get("deprecated", False)),
            verb=_iri(template, "verb", where, required=False),
            object_activity_type=_iri(template, "objectActivityType", where, required=False),
            context_activity_types=tuple((kind, _iris(template, name, where)) for kind, name in CONTEXT_TYPES.items()
                                         if name in template),
            attachment_usage_types=_iris(template, "attachmentUsageType", where) or (),
            object_statement_ref_template=_iris(template, "objectStatementRefTemplate", where),
            context_statement_ref_template=_iris(template, "contextStatementRefTemplate", where),
            rules=tuple(_rule(rule, f"{where}.rules[{j}]") for j, rule in enumerate(rules)),
        )
        _language_map(template, "definition", where)
    for i, template in enumerate(templates.values()):
        for name, refs in (("objectStatementRefTemplate", template.object_statement_ref_template),
                           ("contextStatementRefTemplate", template.context_statement_ref_template)):
            for ref in refs or ():
                if ref not in templates:
                    raise ProfileError(f"{name} names {ref}, which is not a template of this profile version",
                                       location=f"templates[{i}].{name}")
    return templates


def _patterns(value, versions: tuple, templates: dict, foreign_templates: dict, foreign_patterns: dict) -> dict:
    if not isinstance(value, list):
        raise ProfileError("patterns must be an array", location="patterns")
    patterns: dict = {}
    for i, pattern in enumerate(value):
        where = f"patterns[{i}]"
        if not isinstance(pattern, dict) or pattern.get("type") != "Pattern":
            raise ProfileError('a Pattern is an object of type "Pattern"', location=where)
        pattern_id = _iri(pattern, "id", where)
        if pattern_id in patterns or pattern_id in templates:
            raise ProfileError(f"the id {pattern_id} is used twice", location=f"{where}.id")
        primary = pattern.get("primary", False)
        if not isinstance(primary, bool):
            raise ProfileError("primary must be a boolean", location=f"{where}.primary")
        if "inScheme" in pattern:
            _in_scheme(pattern, versions, where)
        if primary:
            _language_map(pattern, "prefLabel", where)
            _language_map(pattern, "definition", where)
        kinds = [k for k in PATTERN_KINDS if k in pattern]
        if len(kinds) != 1:
            raise ProfileError(f"a Pattern has exactly one of {', '.join(PATTERN_KINDS)}", location=where)
        kind = kinds[0]
        if kind in ("alternates", "sequence"):
            members = _iris(pattern, kind, where)
        else:
            _iri(pattern, kind, where)
            members = (pattern[kind],)
        if kind == "alternates" and len(members) < 2:
            raise ProfileError("alternates needs at least two members", location=f"{where}.alternates")
        patterns[pattern_id] = Pattern(id=pattern_id, kind=kind, members=members, primary=primary,
                                       pref_label=pattern.get("prefLabel") if isinstance(pattern.get("prefLabel"),
                                                                                         dict) else None)
    known_patterns = {**foreign_patterns, **{p: None for p in patterns}}
    used = {m for p in patterns.values() for m in p.members}
    for i, pattern in enumerate(patterns.values()):
        where = f"patterns[{i}]"
        for member in pattern.members:
            if member not in templates and member not in known_patterns and member not in foreign_templates:
                raise ProfileError(f"the pattern names {member}, which is neither a template nor a pattern of this "
                                   "profile or of a profile loaded before it", location=f"{where}.{pattern.kind}")
        if pattern.kind == "sequence" and len(pattern.members) < 2 and not (
                pattern.primary and pattern.id not in used and pattern.members[0] in templates):
            raise ProfileError("sequence needs at least two members (one only in a primary pattern used nowhere "
                               "else, naming a template)", location=f"{where}.sequence")
        if pattern.kind == "alternates":
            for member in pattern.members:
                inner = patterns.get(member)
                if inner is not None and inner.kind in ("optional", "zeroOrMore"):
                    raise ProfileError(f"{member} is {inner.kind}, which must not be directly inside alternates",
                                       location=f"{where}.alternates")
    for pattern_id in patterns:
        _no_cycle(pattern_id, patterns, ())
    return patterns


def _no_cycle(pattern_id: str, patterns: dict, path: tuple) -> None:
    if pattern_id in path:
        raise ProfileError(f"the pattern {pattern_id} contains itself", location="patterns")
    for member in patterns[pattern_id].members:
        if member in patterns:
            _no_cycle(member, patterns, path + (pattern_id,))


# ---------------------------------------------------------------------------
# Statement Template validation (communication §2.1)
# ---------------------------------------------------------------------------


class _Unmatchable:
    """What a ``selector`` finding nothing in one located value stands for (structure §8.1)."""

    def __repr__(self):
        return "UNMATCHABLE"


UNMATCHABLE = _Unmatchable()


@dataclass(frozen=True)
class Failure:
    """Why a statement does not follow a template it matched: the rule broken, or its StatementRef."""

    template: Template
    reason: str
    rule: Rule | None = None
    rule_index: int | None = None

    def message(self) -> str:
        where = f"rule {self.rule_index} ({self.rule.describe()})" if self.rule is not None else "StatementRef"
        return f"template {self.template.id} ({self.template.label}): {where}: {self.reason}"

    def to_dict(self) -> dict:
        out = {"template": self.template.id, "template_label": self.template.label, "reason": self.reason}
        if self.rule is not None:
            out.update(rule=self.rule_index, location=self.rule.location.text, requirement=self.rule.describe())
        return out


@dataclass
class Validation:
    """The outcome of ``validates``: ``success`` (``templates`` matched and followed), ``invalid``
    (``templates`` matched and not followed: ``failures`` say why) or ``unmatched``."""

    outcome: str
    templates: list = field(default_factory=list)
    failures: list = field(default_factory=list)


def normalised(statement: dict) -> dict:
    """A copy with single context activities as arrays of one, as structure §8.1 requires first."""
    statement = json.loads(json.dumps(statement))
    for part in (statement, statement.get("object") if isinstance(statement.get("object"), dict) else {}):
        groups = (part.get("context") or {}).get("contextActivities") or {}
        for key, value in list(groups.items()):
            if isinstance(value, dict):
                groups[key] = [value]
    return statement


def category_ids(statement: dict) -> list[str]:
    category = ((statement.get("context") or {}).get("contextActivities") or {}).get("category") or []
    if isinstance(category, dict):
        category = [category]
    return [a.get("id") for a in category if isinstance(a, dict)]


def validates(statement: dict, templates, *, lookup: Callable[[str], dict | None] | None = None,
              _depth: int = 0) -> Validation:
    """Check a statement against templates (a profile's); communication §2.1 ``validates``.

    ``lookup(id)`` returns another statement available to the checking system (for
    ``objectStatementRefTemplate`` and ``contextStatementRefTemplate``), or None.
    """
    statement = normalised(statement) if _depth == 0 else statement
    templates = list(templates.values()) if isinstance(templates, dict) else list(templates)
    matched, failing, failures = [], [], []
    for template in templates:
        if not matches_determining_properties(statement, template):
            continue
        broken = follows_rules(statement, template, templates, lookup, _depth)
        if broken:
            failing.append(template.id)
            failures.extend(broken)
        else:
            matched.append(template.id)
    if failing:
        return Validation("invalid", failing, failures)
    if matched:
        return Validation("success", matched)
    return Validation("unmatched")


def _types(activities) -> set:
    found = set()
    for activity in activities if isinstance(activities, list) else []:
        kind = ((activity or {}).get("definition") or {}).get("type") if isinstance(activity, dict) else None
        if kind is not None:
            found.add(kind)
    return found


def matches_determining_properties(statement: dict, template: Template) -> bool:
    """Whether the statement has every Determining Property of the template (structure §8.0): the
    verb, the object's activity type, and context activity and attachment usage types (a superset)."""
    if template.verb is not None and (statement.get("verb") or {}).get("id") != template.verb:
        return False
    if template.object_activity_type is not None:
        obj = statement.get("object") or {}
        if obj.get("objectType", "Activity") != "Activity":
            return False
        if (obj.get("definition") or {}).get("type") != template.object_activity_type:
            return False
    activities = (statement.get("context") or {}).get("contextActivities") or {}
    for kind, types in template.context_activity_types:
        if not set(types) <= _types(activities.get(kind)):
            return False
    if template.attachment_usage_types:
        usage = {a.get("usageType") for a in statement.get("attachments") or [] if isinstance(a, dict)}
        if not set(template.attachment_usage_types) <= usage:
            return False
    return True


def follows_rules(statement: dict, template: Template, templates: list, lookup, depth: int = 0) -> list[Failure]:
    """What the statement breaks of a template it matched (empty: it follows it)."""
    failures = []
    refs = ((template.object_statement_ref_template, statement.get("object"), "object"),
            (template.context_statement_ref_template, (statement.get("context") or {}).get("statement"),
             "context.statement"))
    for allowed, ref, where in refs:
        if allowed is None:
            continue
        if not isinstance(ref, dict) or ref.get("objectType") != "StatementRef":
            failures.append(Failure(template, f"{where} must be a StatementRef to a statement matching "
                                              f"{', '.join(allowed)}"))
            continue
        other = lookup(ref.get("id")) if lookup is not None and depth < REF_DEPTH else None
        if other is not None:
            found = validates(normalised(other), templates, lookup=lookup, _depth=depth + 1)
            if not set(found.templates if found.outcome == "success" else ()) & set(allowed):
                failures.append(Failure(template, f"{where} refers to statement {ref.get('id')}, which matches none"
                                                  f" of {', '.join(allowed)}"))
    for index, rule in enumerate(template.rules):
        reason = follows_rule(statement, rule)
        if reason is not None:
            failures.append(Failure(template, reason, rule, index))
    return failures


def _json_equal(a, b) -> bool:
    """JSON equality: true is not 1, 1 is 1.0, objects by members, arrays in order."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _among(value, values) -> bool:
    return value is not UNMATCHABLE and any(_json_equal(value, v) for v in values)


def evaluated_values(statement: dict, rule: Rule) -> list:
    """The rule's evaluated values: what ``location`` finds, or (with a ``selector``) what the selector
    finds in each of those, with :data:`UNMATCHABLE` for each where it finds nothing."""
    values = rule.location.find(statement)
    if rule.selector is None:
        return values
    selected = []
    for value in values:
        found = rule.selector.find(value)
        selected.extend(found if found else [UNMATCHABLE])
    return selected


def follows_rule(statement: dict, rule: Rule) -> str | None:
    """None when the statement follows the rule, else why not (structure §8.1, communication §2.1).

    Where the pseudocode of communication §2.1 and the requirements of structure §8.1 differ,
    this follows the requirements: ``any``, ``all`` and ``none`` apply when ``presence`` is missing
    or ``included``, or ``recommended`` with at least one matchable value; never with ``excluded``
    (the pseudocode would apply them there too, so ``excluded`` with ``any`` could never pass).
    """
    values = evaluated_values(statement, rule)
    matchable = [v for v in values if v is not UNMATCHABLE]
    unmatchable = len(values) - len(matchable)
    at = rule.location.text + (f" → {rule.selector.text}" if rule.selector else "")
    if rule.presence == "included":
        if unmatchable:
            return f"{rule.selector.text} finds nothing in {unmatchable} of the values at {rule.location.text}"
        if not matchable:
            return f"nothing at {at}, which must be included"
    if rule.presence == "excluded":
        if matchable:
            return f"{at} must be excluded, and has {_short(matchable[0])}"
        return None
    if rule.presence == "recommended" and not matchable:
        return None
    if rule.any is not None and not any(_among(v, rule.any) for v in matchable):
        found = _short(matchable) if matchable else "nothing"
        return f"{at} has {found}, and needs at least one of {_short(list(rule.any))}"
    if rule.all is not None:
        if unmatchable:
            return f"{rule.selector.text} finds nothing in {unmatchable} of the values at {rule.location.text}"
        for value in matchable:
            if not _among(value, rule.all):
                return f"{at} has {_short(value)}, which is not one of {_short(list(rule.all))}"
    if rule.none is not None:
        for value in matchable:
            if _among(value, rule.none):
                return f"{at} has {_short(value)}, which is one of the values not allowed ({_short(list(rule.none))})"
    return None


# ---------------------------------------------------------------------------
# Pattern validation (communication §2.2)
# ---------------------------------------------------------------------------

SUCCESS, PARTIAL, FAILURE = "success", "partial", "failure"


def matches(statements: list, element: str, resolve: Callable[[str], Pattern | None]) -> tuple[str, list]:
    """Communication §2.2 ``matches``: ``statements`` are the template-id sets of a registration's
    statements in order; ``element`` a template or pattern id. Greedy, no backtracking."""
    pattern = resolve(element)
    if pattern is None:  # a template
        if not statements:
            return PARTIAL, []
        if element in statements[0]:
            return SUCCESS, statements[1:]
        return FAILURE, statements
    if pattern.kind == "sequence":
        remaining = statements
        for member in pattern.members:
            outcome, remaining = matches(remaining, member, resolve)
            if outcome == FAILURE:
                return FAILURE, statements
            if outcome == PARTIAL:
                return PARTIAL, []
        return SUCCESS, remaining
    if pattern.kind == "alternates":
        outcome, remaining = FAILURE, statements
        for member in pattern.members:
            maybe, maybe_remaining = matches(statements, member, resolve)
            if maybe == SUCCESS:
                outcome = SUCCESS
                if len(maybe_remaining) < len(remaining):
                    remaining = maybe_remaining
            if maybe == PARTIAL and outcome == FAILURE:
                outcome = PARTIAL
        if outcome == PARTIAL:
            return PARTIAL, []
        return outcome, remaining
    member = pattern.members[0]
    if pattern.kind == "oneOrMore":
        outcome = FAILURE
        last = statements
        while True:
            step, following = matches(last, member, resolve)
            if step == SUCCESS:
                outcome = SUCCESS
            elif outcome == FAILURE and step == PARTIAL:
                return PARTIAL, []
            else:
                if step == PARTIAL and last:
                    return PARTIAL, last
                return outcome, last
            if len(following) == len(last):
                return SUCCESS, following
            last = following
    if pattern.kind == "zeroOrMore":
        last = statements
        while True:
            step, following = matches(last, member, resolve)
            if step == FAILURE:
                return SUCCESS, last
            if step == PARTIAL and following:
                return PARTIAL, following
            if len(following) == len(last):
                return SUCCESS, following
            last = following
    # optional
    if not statements:
        return SUCCESS, []
    outcome, remaining = matches(statements, member, resolve)
    if outcome in (SUCCESS, PARTIAL):
        return outcome, remaining
    return SUCCESS, statements


@dataclass
class PatternResult:
    """``follows``: ``outcome`` success (a primary pattern matched every statement), partial (one is
    still under way: the registration may go on) or failure; ``pattern`` the one that matched,
    ``invalid`` the ids of statements that follow no template, ``detail`` a sentence."""

    outcome: str
    pattern: str | None = None
    invalid: list = field(default_factory=list)
    detail: str = ""


def timestamp_order(statements: list[dict]) -> list[dict]:
    """Communication §2.2: by timestamp, and within one timestamp in the order given."""
    return [s for _, s in sorted(enumerate(statements), key=lambda p: (p[1].get("timestamp", ""), p[0]))]


def follows(statements: list[dict], profile: Profile, others: Iterable[Profile] = (), *,
            lookup: Callable[[str], dict | None] | None = None) -> PatternResult:
    """Communication §2.2 ``follows``: whether a registration's statements (already in order) follow
    one of the profile's primary patterns. A statement that follows no template fails it; a
    primary pattern still waiting for statements is ``partial``."""
    everyone = [profile, *others]
    patterns = {q: pat for p in reversed(everyone) for q, pat in p.patterns.items()}
    # this profile's templates, and those of other profiles its patterns reuse (structure §9.0)
    foreign = {t: tpl for p in others for t, tpl in p.templates.items()}
    templates = dict(profile.templates)
    seen, todo = set(), [p.id for p in profile.patterns.values()]
    while todo:
        pattern = patterns.get(todo.pop())
        if pattern is None or pattern.id in seen:
            continue
        seen.add(pattern.id)
        for member in pattern.members:
            if member in foreign:
                templates.setdefault(member, foreign[member])
            todo.append(member)
    sets, invalid = [], []
    for statement in statements:
        outcome = validates(statement, templates, lookup=lookup)
        if outcome.outcome != SUCCESS:
            invalid.append(statement.get("id"))
        sets.append(set(outcome.templates) if outcome.outcome == SUCCESS else set())
    if invalid:
        return PatternResult(FAILURE, invalid=invalid,
                             detail=f"{len(invalid)} statement(s) follow no template of {profile.id}")
    partial = None
    for pattern in (p for p in profile.patterns.values() if p.primary):
        outcome, remaining = matches(sets, pattern.id, patterns.get)
        if outcome == SUCCESS and not remaining:
            return PatternResult(SUCCESS, pattern=pattern.id, detail=f"follows {pattern.label}")
        if outcome == PARTIAL and not remaining and partial is None:
            partial = pattern
    if partial is not None:
        return PatternResult(PARTIAL, pattern=partial.id, detail=f"is under way in {partial.label}")
    return PatternResult(FAILURE, detail=f"follows none of the primary patterns of {profile.id}")
