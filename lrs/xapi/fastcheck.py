"""A fast proof that a JSON value is valid, in front of the marshmallow schemas.

:func:`accepts` answers True only for a value the schema accepts; anything else (an
invalid value, or a form the walk does not know) gets False, and the schema then decides
and words the error. It knows nothing of xAPI: it walks the schema's own fields and runs
the schema's own rules (each field's ``accepts`` predicate, or its ``deserialize``; the
schema's ``pre_load`` and ``validates_schema`` methods) without marshmallow's error
bookkeeping: about three times faster than ``Schema.load`` (docs/performance.md). So the
statement model is written once, in :mod:`lrs.xapi.validation`;
tests/xapi/test_fastcheck_properties.py checks that with the walk the validator accepts and
rejects exactly what the schemas alone do.

A field's ``accepts(value) -> bool`` says, without building an error, whether its
``deserialize`` returns ``value`` itself; it must depend on the value alone, since the
strings it accepted are remembered.

The walk proves only values that loading returns unchanged (every field's ``deserialize``
gives back its input, as xAPI's strict fields do), so the schema's rules see what they
would see after ``load``. Only exact JSON containers (``dict``, ``list``) are walked, and
only the options mirrored here; a schema or field using any other (``unknown`` other than
RAISE, ``data_key``, ``allow_none``, ``post_load``, ...) is never proved: the schemas judge it.
"""

from __future__ import annotations

from typing import Any, Callable

from marshmallow import RAISE, Schema, ValidationError, fields, missing
from marshmallow.decorators import POST_LOAD, PRE_LOAD, VALIDATES, VALIDATES_SCHEMA

Check = Callable[[Any], bool]


def accepts(schema: Schema, value) -> bool:
    """True only if ``schema.load(value)`` succeeds (and returns ``value`` unchanged)."""
    try:
        return _plan(schema)(value)
    except (ValidationError, TypeError, ValueError, RecursionError):  # a rule refused it: the schema words why
        return False


def _plan(schema: Schema) -> Check:
    """The check of one schema instance, built on first use and kept on it."""
    try:
        return schema._fastcheck_plan
    except AttributeError:
        pass
    compiled = None
    schema._fastcheck_plan = lambda value: compiled(value)  # for a schema nested in itself
    compiled = schema._fastcheck_plan = _compile(schema)
    return compiled


def _never(value) -> bool:
    return False


def _compile(schema: Schema) -> Check:
    hooks = schema._hooks
    if (schema.many or schema.partial or schema.only is not None or schema.exclude or schema.unknown != RAISE
            or hooks[POST_LOAD] or hooks[VALIDATES]):
        return _never
    checks = {}
    for name, field in schema.load_fields.items():
        if field.data_key not in (None, name) or field.attribute not in (None, name):
            return _never
        checks[name] = _field_check(field)
    allowed = frozenset(checks)
    required = frozenset(name for name, field in schema.load_fields.items() if field.required)
    options = {"partial": schema.partial, "many": False, "unknown": schema.unknown}
    pre_load = [(getattr(schema, attr), hook.get("pass_original", False)) for attr, _, hook in hooks[PRE_LOAD]]
    rules = [(getattr(schema, attr), hook.get("pass_original", False)) for attr, _, hook in hooks[VALIDATES_SCHEMA]]

    def check(value) -> bool:
        if type(value) is not dict:
            return False
        for hook, pass_original in pre_load:
            if (hook(value, value, **options) if pass_original else hook(value, **options)) is not value:
                return False
        keys = value.keys()
        if not keys <= allowed or not required <= keys:
            return False
        for key, item in value.items():
            if not checks[key](item):
                return False
        for rule, pass_original in rules:
            if pass_original:
                rule(value, value, **options)
            else:
                rule(value, **options)
        return True

    return check


def _field_check(field: fields.Field) -> Check:
    """The field's ``accepts`` predicate, or its deserialize, with nested schemas walked, not loaded."""
    if field.allow_none or field.load_default is not missing or field.pre_load or field.post_load:
        return _never
    if getattr(field, "choose", None) is not None:  # lrs.xapi.validation.Dispatch: objectType picks the schema
        inner = _dispatch_check(field)
    elif isinstance(field, fields.Nested) and not isinstance(field, fields.Pluck):
        inner = _never if field.many or field.unknown is not None else _plan(field.schema)
    elif isinstance(field, fields.List):
        inner = _list_check(_field_check(field.inner))
    elif hasattr(field, "accepts"):
        inner = remembered(field.accepts)
    else:
        inner = _returns_itself(field)
    if not field.validators:
        return inner
    validate = field._validate

    def check(value) -> bool:
        if not inner(value):
            return False
        validate(value)
        return True

    return check


#: the longest string :func:`remembered` keeps, so its memory stays bounded (limit × longest)
LONGEST_REMEMBERED = 512


def remembered(accepts: Check, limit: int = 4_096) -> Check:
    """``accepts``, remembering the (short) strings it accepted: real traffic repeats IRIs, mboxes,
    names, language tags and extension keys in the same places statement after statement."""
    seen: set[str] = set()

    def check(value) -> bool:
        if type(value) is str and value in seen:
            return True
        if not accepts(value):
            return False
        if type(value) is str and len(value) <= LONGEST_REMEMBERED:
            if len(seen) >= limit:
                seen.clear()
            seen.add(value)
        return True

    return check


def _returns_itself(field: fields.Field) -> Check:
    deserialize = field._deserialize
    return lambda value: value is not None and deserialize(value, None, None) is value


def _list_check(inner: Check) -> Check:
    def check(value) -> bool:
        if type(value) is not list:
            return False
        for item in value:
            if not inner(item):
                return False
        return True

    return check


def _dispatch_check(field) -> Check:
    choose = field.choose

    def one(value) -> bool:
        return type(value) is dict and _plan(choose(value))(value)

    if field.many:
        return _list_check(one)
    if field.one_or_many:
        many = _list_check(one)
        return lambda value: many(value) if type(value) is list else one(value)
    return one
