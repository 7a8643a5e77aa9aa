"""Statement validation (xAPI-Data.md §2.4–2.5, §4) as marshmallow schemas: the one statement model.

Strict: unknown properties are refused everywhere but inside extensions, JSON
null is never a value, and booleans are not numbers. A failure becomes one
:class:`lrs.errors.BadRequest` naming the field path and the rule. Schemas are
built once per xAPI version (2.0 adds ``contextAgents``/``contextGroups``).

Everything else reads these schemas rather than restating them: the fast path
(:mod:`lrs.xapi.fastcheck`) walks their fields and runs their rules, and the OpenAPI
document (:mod:`lrs.api.openapi`) is generated from them by apispec, each field type
saying what it is in JSON Schema (``json_schema``).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import orjson
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from lrs.errors import BadRequest
from lrs.xapi.fastcheck import accepts, remembered
from lrs.xapi.versions import STATEMENT_VERSION_PATTERN, is_statement_version
from lrs.xapi.datatypes import (
    MAX_DURATION_SECONDS,
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
    timestamp_problem,
)

INTERACTION_TYPES = ("true-false", "choice", "fill-in", "long-fill-in", "matching", "performance",
                     "sequencing", "likert", "numeric", "other")
COMPONENTS_FOR = {"choice": ("choices",), "sequencing": ("choices",), "likert": ("scale",),
                  "matching": ("source", "target"), "performance": ("steps",)}
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
NOT_IN_SUBSTATEMENT = ("id", "stored", "version", "authority")
ONLY_IN_2_0 = ("contextAgents", "contextGroups")


# -- strict scalar fields ---------------------------------------------------------------


class Strict(fields.Field):
    """A field of one JSON type; no coercion (``"1"`` is not a number, ``true`` is not 1).

    ``valid`` is the rule as a plain predicate, which the fast path calls through ``accepts``
    and ``problem`` words when it fails. ``json_schema`` is what the OpenAPI document says of
    the field: never stricter than ``valid``, so what the document forbids the LRS refuses."""

    json_types: tuple = ()
    type_name = "value"
    json_schema: dict = {}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) and bool not in self.json_types:
            raise ValidationError(f"must be {self.type_name}, not a boolean")
        if not isinstance(value, self.json_types):
            raise ValidationError(f"must be {self.type_name}")
        if not self.valid(value):
            raise ValidationError(self.problem(value))
        return value

    def accepts(self, value) -> bool:
        """Whether ``deserialize`` returns ``value`` itself, for a value of an exact JSON type."""
        return type(value) in self.json_types and self.valid(value)

    def valid(self, value) -> bool:
        return True

    def problem(self, value) -> str:
        return f"must be {self.type_name}"


class String(Strict):
    json_types = (str,)
    type_name = "a string"
    json_schema = {"type": "string"}


class Boolean(Strict):
    json_types = (bool,)
    type_name = "true or false"
    json_schema = {"type": "boolean"}


class Number(Strict):
    json_types = (int, float)
    type_name = "a number"
    json_schema = {"type": "number", "minimum": -MAX_NUMBER, "maximum": MAX_NUMBER}
    valid = staticmethod(is_bounded_number)

    def problem(self, value):
        return f"must be a finite number between -{MAX_NUMBER} and {MAX_NUMBER}"


class Integer(Strict):
    json_types = (int,)
    type_name = "an integer"
    json_schema = {"type": "integer", "minimum": 0, "maximum": MAX_NUMBER}

    def valid(self, value):
        return 0 <= value <= MAX_NUMBER

    def problem(self, value):
        return "must not be negative" if value < 0 else f"must be at most {MAX_NUMBER}"


class IRI(String):
    type_name = "an IRI"
    json_schema = {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$", "description": "an absolute IRI"}
    valid = staticmethod(is_iri)

    def problem(self, value):
        return f"must be an absolute IRI, not {value[:80]!r}"


class UUID(String):
    type_name = "a UUID"
    json_schema = {"type": "string", "format": "uuid"}
    valid = staticmethod(is_uuid)

    def problem(self, value):
        return f"must be a UUID, not {value[:80]!r}"


class Timestamp(String):
    type_name = "an ISO 8601 timestamp"
    json_schema = {"type": "string", "format": "date-time"}

    def valid(self, value):
        return parse_iso_timestamp(value) is not None

    problem = staticmethod(timestamp_problem)


class Duration(String):
    type_name = "an ISO 8601 duration"
    json_schema = {"type": "string", "pattern": "^P"}

    def valid(self, value):
        return is_duration(value) and duration_fits(value)

    def problem(self, value):
        if not is_duration(value):
            return f"must be an ISO 8601 duration such as PT1H30M, not {value[:80]!r}"
        return f"is too long: a duration may be at most {MAX_DURATION_SECONDS // 86400} days, not {value[:40]!r}"


class LanguageTag(String):
    type_name = "an RFC 5646 language tag"
    json_schema = {"type": "string"}
    valid = staticmethod(is_language_tag)

    def problem(self, value):
        return f"must be an RFC 5646 language tag, not {value[:40]!r}"


class Mbox(String):
    type_name = "a mailto IRI"
    json_schema = {"type": "string", "pattern": "^mailto:.+@.+$"}
    valid = staticmethod(is_mbox)

    def problem(self, value):
        return f"must be a mailto IRI such as mailto:ada@example.org, not {value[:80]!r}"


class Sha1(String):
    type_name = "a SHA-1 hex digest"
    json_schema = {"type": "string", "pattern": "^[0-9a-fA-F]{40}$"}
    valid = staticmethod(is_sha1)

    def problem(self, value):
        return "must be the 40 hex digits of a SHA-1 digest"


class Sha2(String):
    type_name = "a SHA-2 hex digest"
    json_schema = {"type": "string", "pattern": "^[0-9a-fA-F]+$"}
    valid = staticmethod(is_sha2)

    def problem(self, value):
        return "must be the hex digits of a SHA-2 digest"


class Constant(String):
    def __init__(self, *allowed, **kwargs):
        super().__init__(**kwargs)
        self.allowed = allowed
        self.json_schema = {"type": "string", "enum": list(allowed)}

    def valid(self, value):
        return value in self.allowed

    def problem(self, value):
        return f"must be {' or '.join(repr(a) for a in self.allowed)}, not {value[:40]!r}"


class Version(String):
    json_schema = {"type": "string", "pattern": STATEMENT_VERSION_PATTERN}

    def __init__(self, prefixes, **kwargs):
        super().__init__(**kwargs)
        self.prefixes = prefixes
        self.v2 = "2.0" in prefixes

    def valid(self, value):
        return is_statement_version(value, self.v2)

    def problem(self, value):
        return (f"must be a version of xAPI {' or '.join(p + '.x' for p in self.prefixes)} "
                f"(Semantic Versioning, such as 1.0.3 or 1.0.3-rc1), not {value[:40]!r}")


class LanguageMap(fields.Field):
    json_schema = {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "RFC 5646 language tag to text"}
    component = "LanguageMap"  # described once in the OpenAPI document, referred to everywhere

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("must be a language map (an object of language tag: string)")
        for tag, text in value.items():
            if not is_language_tag(tag):
                raise ValidationError({tag: [f"{tag[:40]!r} is not an RFC 5646 language tag"]})
            if not isinstance(text, str):
                raise ValidationError({tag: ["must be a string"]})
        return value

    def accepts(self, value) -> bool:
        """Whether ``deserialize`` returns ``value`` itself (for the fast path, without building errors)."""
        if type(value) is not dict:
            return False
        for tag, text in value.items():
            if type(text) is not str or not _valid_language_tag(tag):
                return False
        return True


class Extensions(fields.Field):
    json_schema = {"type": "object", "description": "IRI keys to any JSON value"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("must be an object whose keys are IRIs")
        for key in value:
            if not is_iri(key):
                raise ValidationError({key: [f"extension keys must be IRIs, not {key[:80]!r}"]})
        return value

    def accepts(self, value) -> bool:
        """Whether ``deserialize`` returns ``value`` itself (for the fast path, without building errors)."""
        return type(value) is dict and all(_valid_extension_key(key) for key in value)


#: language tags and extension keys are few and repeat in every statement (a 100-statement POST judged
#: them about 500 times): the ones accepted are remembered, as the fast path remembers other strings
_valid_language_tag = remembered(is_language_tag, 1_024)
_valid_extension_key = remembered(is_iri, 4_096)


class _Accepted:
    """JSON values a schema has accepted. Real traffic repeats the same actors, verbs and
    activities in statement after statement, and validating them again is the dearest
    step of ingest. Only acceptances are remembered, keyed by the schema and the exact
    JSON text, so the memo never accepts what the schema would reject."""

    #: the longest JSON text remembered: real actors, verbs and activities are far shorter, and
    #: the memo's memory stays bounded (limit × longest) whatever a client sends
    LONGEST = 2_048

    def __init__(self, limit: int = 5_000):
        self.limit = limit
        self.seen: set[tuple[int, bytes]] = set()

    @staticmethod
    def key(schema, value) -> tuple[int, bytes] | None:
        try:
            return id(schema), orjson.dumps(value)
        except TypeError:  # integers beyond 64 bits: just validate
            return None

    def __contains__(self, key) -> bool:
        return key is not None and key in self.seen

    def add(self, key) -> None:
        if key is None or len(key[1]) > self.LONGEST:
            return
        if len(self.seen) >= self.limit:
            self.seen.clear()
        self.seen.add(key)


_accepted = _Accepted()


def _load(schema, value):
    key = _Accepted.key(schema, value)
    if key in _accepted:
        return value
    schema.load(value)
    _accepted.add(key)
    return value


class Nested(fields.Nested):
    """fields.Nested that skips objects its schema has accepted before (see _Accepted)."""

    def _deserialize(self, value, attr, data, partial=None, **kwargs):
        if isinstance(value, dict):
            key = _Accepted.key(self.schema, value)
            if key in _accepted:
                return value
            result = super()._deserialize(value, attr, data, partial=partial, **kwargs)
            _accepted.add(key)
            return result
        return super()._deserialize(value, attr, data, partial=partial, **kwargs)


class Kinds:
    """The schemas a polymorphic xAPI object may take, chosen by its objectType (xAPI-Data.md
    2.4.2, 2.4.4): a table the validator, the fast path and the OpenAPI document all read.

    ``default`` is the objectType when absent (None: it must be given); ``refused`` says why
    an objectType is not allowed here; ``name`` makes the alternatives one named component
    of the OpenAPI document."""

    def __init__(self, schemas: dict[str, Schema], *, default: str | None = None,
                 refused: dict[str, str] | None = None, name: str | None = None):
        self.schemas = schemas
        self.default = default
        self.refused = refused or {}
        self.name = name

    def __call__(self, value) -> Schema:
        kind = _object_type(value, self.default)
        if isinstance(kind, str):
            if kind in self.refused:
                raise ValidationError({"objectType": [self.refused[kind]]})
            if kind in self.schemas:
                return self.schemas[kind]
        names = [repr(name) for name in self.schemas]
        if len(names) == 1:
            raise ValidationError({"objectType": [f"must be {names[0]}"]})
        raise ValidationError({"objectType": [
            f"must be {', '.join(names[:-1])} or {names[-1]}, not {str(kind)[:30]!r}"]})

    def __deepcopy__(self, memo):  # marshmallow copies fields per schema; the schemas stay shared
        return self


class Always(Kinds):
    """One schema for the object, which judges its objectType itself."""

    def __init__(self, schema: Schema):
        super().__init__({"": schema})
        self.schema = schema

    def __call__(self, value) -> Schema:
        return self.schema


class Dispatch(fields.Field):
    """A JSON object (or an array of them) whose schema its objectType chooses (``kinds``)."""

    def __init__(self, kinds: Kinds, *, many: bool = False, one_or_many: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.choose = kinds
        self.many = many
        self.one_or_many = one_or_many

    def _one(self, value):
        if not isinstance(value, dict):
            raise ValidationError("must be a JSON object")
        return _load(self.choose(value), value)

    def _deserialize(self, value, attr, data, **kwargs):
        if self.many or (self.one_or_many and isinstance(value, list)):
            if not isinstance(value, list):
                raise ValidationError("must be an array")
            errors = {}
            for index, item in enumerate(value):
                try:
                    self._one(item)
                except ValidationError as error:
                    errors[index] = error.messages
                    break
            if errors:
                raise ValidationError(errors)
            return value
        return self._one(value)


class Base(Schema):
    class Meta:
        unknown = RAISE


# -- agents --------------------------------------------------------------------------------


class AccountSchema(Base):
    homePage = IRI(required=True)
    name = String(required=True)


def _count_ifis(data) -> int:
    return sum(1 for key in IFIS if key in data)


class AgentSchema(Base):
    objectType = Constant("Agent")
    name = String()
    mbox = Mbox()
    mbox_sha1sum = Sha1()
    openid = IRI()
    account = fields.Nested(AccountSchema)

    @validates_schema
    def one_ifi(self, data, **kwargs):
        count = _count_ifis(data)
        if count != 1:
            raise ValidationError("an Agent must have exactly one of mbox, mbox_sha1sum, openid, account"
                                  f" (it has {count})")


_agent_schema = AgentSchema()


class GroupSchema(Base):
    objectType = Constant("Group", required=True)
    name = String()
    mbox = Mbox()
    mbox_sha1sum = Sha1()
    openid = IRI()
    account = fields.Nested(AccountSchema)
    member = Dispatch(Always(_agent_schema), many=True)

    @validates_schema
    def identified_or_members(self, data, **kwargs):
        count = _count_ifis(data)
        if count > 1:
            raise ValidationError(f"a Group may have at most one inverse functional identifier (it has {count})")
        if count == 0 and not data.get("member"):
            raise ValidationError("an anonymous Group must list its members in 'member'")


_group_schema = GroupSchema()
AGENT = Kinds({"Agent": _agent_schema}, default="Agent")
GROUP = Kinds({"Group": _group_schema})
ACTOR = Kinds({"Agent": _agent_schema, "Group": _group_schema}, default="Agent", name="Actor")


def _object_type(value, default):
    """The objectType of a JSON object, ``default`` when absent; an explicit null is an error."""
    if "objectType" not in value:
        return default
    kind = value["objectType"]
    if kind is None:
        raise ValidationError({"objectType": ["null is not allowed"]})
    return kind


# -- verbs, activities ---------------------------------------------------------------------


class VerbSchema(Base):
    id = IRI(required=True)
    display = LanguageMap()


class InteractionComponentSchema(Base):
    id = String(required=True)
    description = LanguageMap()


class ActivityDefinitionSchema(Base):
    name = LanguageMap()
    description = LanguageMap()
    type = IRI()
    moreInfo = IRI()
    extensions = Extensions()
    interactionType = Constant(*INTERACTION_TYPES)
    correctResponsesPattern = fields.List(String())
    choices = fields.List(fields.Nested(InteractionComponentSchema))
    scale = fields.List(fields.Nested(InteractionComponentSchema))
    source = fields.List(fields.Nested(InteractionComponentSchema))
    target = fields.List(fields.Nested(InteractionComponentSchema))
    steps = fields.List(fields.Nested(InteractionComponentSchema))

    @validates_schema
    def components_fit_the_interaction(self, data, **kwargs):
        kind = data.get("interactionType")
        allowed = COMPONENTS_FOR.get(kind, ())
        for prop in COMPONENT_LISTS:
            if prop not in data:
                continue
            if kind is None:
                raise ValidationError({prop: ["interaction components need an interactionType"]})
            if prop not in allowed:
                raise ValidationError({prop: [f"is not allowed for interactionType {kind!r}"]})
            ids = [c["id"] for c in data[prop]]
            if len(ids) != len(set(ids)):
                raise ValidationError({prop: ["component ids must be unique"]})
        if "correctResponsesPattern" in data and kind is None:
            raise ValidationError({"correctResponsesPattern": ["needs an interactionType"]})


class ActivitySchema(Base):
    objectType = Constant("Activity")
    id = IRI(required=True)
    definition = Nested(ActivityDefinitionSchema)


class StatementRefSchema(Base):
    objectType = Constant("StatementRef", required=True)
    id = UUID(required=True)


_activity_schema = ActivitySchema()
_statement_ref_schema = StatementRefSchema()
ACTIVITY = Kinds({"Activity": _activity_schema}, default="Activity")
#: the object of a SubStatement; a Statement's may also be a SubStatement (see _schemas)
OBJECTS = {"Activity": _activity_schema, "Agent": _agent_schema, "Group": _group_schema,
           "StatementRef": _statement_ref_schema}


# -- result, attachments -----------------------------------------------------------------------


class ScoreSchema(Base):
    scaled = Number(validate=validate.Range(-1, 1, error="must be between -1 and 1"))
    raw = Number()
    min = Number()
    max = Number()

    @validates_schema
    def bounds(self, data, **kwargs):
        low, high, raw = data.get("min"), data.get("max"), data.get("raw")
        if low is not None and high is not None and not low < high:
            raise ValidationError({"min": ["must be less than max"]})
        if raw is not None and low is not None and raw < low:
            raise ValidationError({"raw": ["must not be less than min"]})
        if raw is not None and high is not None and raw > high:
            raise ValidationError({"raw": ["must not be more than max"]})


class ResultSchema(Base):
    score = fields.Nested(ScoreSchema)
    success = Boolean()
    completion = Boolean()
    response = String()
    duration = Duration()
    extensions = Extensions()


class AttachmentSchema(Base):
    usageType = IRI(required=True)
    display = LanguageMap(required=True)
    description = LanguageMap()
    contentType = String(required=True)
    length = Integer(required=True)
    sha2 = Sha2(required=True)
    fileUrl = IRI()


# -- context and statements, per version ------------------------------------------------------


def _relevant_types():
    return fields.List(IRI(), validate=validate.Length(min=1, error="must not be empty"))


class ContextAgentSchema(Base):
    objectType = Constant("contextAgent", required=True)
    agent = Dispatch(AGENT, required=True)
    relevantTypes = _relevant_types()


class ContextGroupSchema(Base):
    objectType = Constant("contextGroup", required=True)
    group = Dispatch(GROUP, required=True)
    relevantTypes = _relevant_types()


class ContextActivitiesSchema(Base):
    parent = Dispatch(ACTIVITY, one_or_many=True)
    grouping = Dispatch(ACTIVITY, one_or_many=True)
    category = Dispatch(ACTIVITY, one_or_many=True)
    other = Dispatch(ACTIVITY, one_or_many=True)


def _context_schema(v2: bool) -> type[Schema]:
    attrs = {
        "registration": UUID(),
        "instructor": Dispatch(ACTOR),
        "team": Dispatch(GROUP),
        "contextActivities": Nested(ContextActivitiesSchema),
        "revision": String(),
        "platform": String(),
        "language": LanguageTag(),
        "statement": Dispatch(Always(_statement_ref_schema)),
        "extensions": Extensions(),
    }
    if v2:
        only_2_0 = {"description": "xAPI 2.0 only"}
        attrs["contextAgents"] = fields.List(fields.Nested(ContextAgentSchema), metadata=only_2_0)
        attrs["contextGroups"] = fields.List(fields.Nested(ContextGroupSchema), metadata=only_2_0)
    else:
        attrs["not_before_2_0"] = pre_load(_refuse_2_0_context)
    return type("ContextSchema" if v2 else "Context1Schema", (Base,), attrs)


def _refuse_2_0_context(self, data, **kwargs):
    if isinstance(data, dict):
        for prop in ONLY_IN_2_0:
            if prop in data:
                raise ValidationError({prop: [f"unknown property {prop!r} (context.{prop} is xAPI 2.0, "
                                              f"not 1.0.3)"]})
    return data


def _check_context_fits_object(data):
    context = data.get("context") or {}
    obj = data.get("object") or {}
    if obj.get("objectType", "Activity") != "Activity":
        for prop in ("revision", "platform"):
            if prop in context:
                raise ValidationError({"context": {prop: [
                    f"a Statement whose object is not an Activity may not have context.{prop}"]}})


@lru_cache(maxsize=None)
def _schemas(v2: bool) -> dict[str, Schema]:
    context_schema = _context_schema(v2)
    versions = ("1.0", "2.0") if v2 else ("1.0",)

    class SubStatementSchema(Base):
        objectType = Constant("SubStatement", required=True)
        actor = Dispatch(ACTOR, required=True)
        verb = Nested(VerbSchema, required=True)
        object = Dispatch(Kinds(OBJECTS, default="Activity", refused={
            "SubStatement": "a SubStatement may not contain another SubStatement"}), required=True)
        result = fields.Nested(ResultSchema)
        context = fields.Nested(context_schema)
        timestamp = Timestamp()
        attachments = fields.List(fields.Nested(AttachmentSchema))

        @pre_load
        def not_statement_only(self, data, **kwargs):
            for prop in NOT_IN_SUBSTATEMENT:
                if prop in data:
                    raise ValidationError({prop: [f"a SubStatement may not have {prop!r}"]})
            return data

        @validates_schema
        def context_fits(self, data, **kwargs):
            _check_context_fits_object(data)

    sub = SubStatementSchema()

    class StatementSchema(Base):
        id = UUID()
        actor = Dispatch(ACTOR, required=True)
        verb = Nested(VerbSchema, required=True)
        object = Dispatch(Kinds({**OBJECTS, "SubStatement": sub}, default="Activity"), required=True)
        result = fields.Nested(ResultSchema)
        context = fields.Nested(context_schema)
        timestamp = Timestamp()
        stored = Timestamp()
        authority = Dispatch(ACTOR)
        version = Version(versions)
        attachments = fields.List(fields.Nested(AttachmentSchema))

        @validates_schema
        def context_fits(self, data, **kwargs):
            _check_context_fits_object(data)
            if data["verb"].get("id") == VOIDED_VERB and data["object"].get("objectType") != "StatementRef":
                raise ValidationError({"object": {"objectType": [
                    "a voiding Statement's object must be a StatementRef (xAPI-Data.md 2.3.2)"]}})
            authority = data.get("authority")
            if isinstance(authority, dict) and authority.get("objectType") == "Group":
                if _count_ifis(authority) or len(authority.get("member") or ()) != 2:
                    raise ValidationError({"authority": {"member": [
                        "an authority Group must be anonymous with exactly two members (an application and a user)"]}})

    return {"statement": StatementSchema()}


def statement_schema(v2: bool = True) -> Schema:
    """The StatementSchema of xAPI 2.0 (``v2``) or 1.0.3; the OpenAPI document describes 2.0's."""
    return _schemas(v2)["statement"]


# -- error paths ----------------------------------------------------------------------------------


def _first_error(messages, path: str) -> tuple[str, str, object]:
    """The dotted path, message and last key of the first error in marshmallow's nested messages."""
    key = None
    while True:
        if isinstance(messages, dict):
            key = next(iter(messages))
            value = messages[key]
            if key == "_schema":
                pass
            elif isinstance(key, int):
                path += f"[{key}]"
            else:
                path += f".{key}"
            messages = value
        elif isinstance(messages, list):
            if messages and all(isinstance(m, str) for m in messages):
                return path, messages[0], key
            first = messages[0] if messages else "is not valid"
            if isinstance(first, str):
                return path, first, key
            messages = first
        else:
            return path, str(messages), key


_MARSHMALLOW_WORDS = {
    "Missing data for required field.": "is required",
    "Field may not be null.": "null is not allowed",
    "Invalid input type.": "must be a JSON object",
    "Not a valid list.": "must be an array",
}


def _bad_request(error: ValidationError, location: str) -> BadRequest:
    path, message, key = _first_error(error.messages, location)
    if message == "Unknown field.":
        message = f"unknown property {key!r}"
    message = _MARSHMALLOW_WORDS.get(message, message)
    if message.startswith("Invalid input type") or message.startswith("Invalid type"):
        message = "must be a JSON object"
    return BadRequest(f"{path}: {message}", location=path)


# -- public API -------------------------------------------------------------------------------------


def validate_statement(statement, *, version: str = "1.0.3", location: str = "statement") -> None:
    """Raise BadRequest unless ``statement`` is a valid xAPI Statement for ``version``.

    A statement :func:`proves_valid` vouches for is accepted at once; any other is judged,
    and its error worded, by the schemas (which decide alike:
    tests/xapi/test_fastcheck_properties.py)."""
    if proves_valid(statement, version.startswith("2.")):
        return
    validate_statement_with_schemas(statement, version=version, location=location)


def proves_valid(statement, v2: bool) -> bool:
    """True only if the StatementSchema (2.0 when ``v2``) accepts ``statement``, proved by the
    fast walk over that schema (:func:`lrs.xapi.fastcheck.accepts`); False when it cannot tell."""
    return accepts(_schemas(v2)["statement"], statement)


def validate_statement_with_schemas(statement, *, version: str = "1.0.3", location: str = "statement") -> None:
    """validate_statement by the marshmallow schemas alone (the source of truth)."""
    if not isinstance(statement, dict):
        raise BadRequest(f"{location}: a statement must be a JSON object", location=location)
    try:
        _schemas(version.startswith("2."))["statement"].load(statement)
    except ValidationError as error:
        raise _bad_request(error, location) from None


def validate_agent(agent, *, version: str = "1.0.3", location: str = "agent", allow_group: bool = True) -> None:
    """Raise BadRequest unless ``agent`` is a valid Agent, or (when allowed) an identified Group."""
    if not isinstance(agent, dict):
        raise BadRequest(f"{location}: must be a JSON Agent object", location=location)
    try:
        schema = (ACTOR if allow_group else AGENT)(agent)
        if not accepts(schema, agent):  # the fast proof first, as for statements; the schema words errors
            schema.load(agent)
        if schema is _group_schema and not _count_ifis(agent):
            raise ValidationError("must be an Agent or an identified Group (one of mbox, mbox_sha1sum, openid, "
                                  "account); an anonymous Group cannot be used here")
    except ValidationError as error:
        raise _bad_request(error, location) from None


def validate_activity_id(value, *, location: str = "activityId") -> None:
    if not is_iri(value):
        raise BadRequest(f"{location}: must be an IRI", location=location)


def validate_uuid(value, *, location: str) -> None:
    if not is_uuid(value):
        raise BadRequest(f"{location}: must be a UUID, not {str(value)[:80]!r}", location=location)


def parse_timestamp(value: str, *, location: str, version: str = "1.0.3") -> dt.datetime:
    moment = parse_iso_timestamp(value)
    if moment is None:
        raise BadRequest(f"{location}: {timestamp_problem(value)}", location=location)
    return moment


__all__ = ["validate_statement", "validate_agent", "validate_activity_id", "validate_uuid", "parse_timestamp",
           "is_iri"]
