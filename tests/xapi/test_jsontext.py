"""Strict JSON reading: nesting up to MAX_DEPTH levels is accepted and one more is a 400, wherever
the deep part is (objects, arrays, mixed, the last statement of a batch)."""

from __future__ import annotations

import json
import math

import pytest

from lrs.errors import BadRequest
from lrs.xapi.jsontext import MAX_DEPTH, parse_json


def nested(levels: int, kinds: str) -> str:
    """JSON text nesting ``levels`` containers, taking them from ``kinds`` in turn ("o" object, "a" array)."""
    text = "1"
    for level in range(levels):
        text = f'{{"k": {text}}}' if kinds[level % len(kinds)] == "o" else f"[{text}]"
    return text


@pytest.mark.parametrize("kinds", ["o", "a", "oa", "aao"])
def test_max_depth_is_accepted_and_one_more_refused(kinds):
    assert parse_json(nested(MAX_DEPTH, kinds)) is not None
    with pytest.raises(BadRequest, match=f"more than {MAX_DEPTH} levels"):
        parse_json(nested(MAX_DEPTH + 1, kinds))


def test_the_deep_part_may_be_anywhere_in_a_wide_batch():
    shallow = [{"id": str(i), "object": {"definition": {"name": {"en": "x"}}}} for i in range(200)]
    assert len(parse_json(json.dumps(shallow))) == 200
    deep = shallow + [{"result": {"extensions": json.loads(nested(MAX_DEPTH - 2, "oa"))}}]  # 1 + 1 + 1 + 98
    with pytest.raises(BadRequest, match="levels deep"):
        parse_json(json.dumps(deep))
    fits = shallow + [{"result": json.loads(nested(MAX_DEPTH - 2, "oa"))}]  # 1 + 1 + 98: exactly MAX_DEPTH
    assert len(parse_json(json.dumps(fits))) == 201


# -- the fast path (orjson) reads exactly what the strict parse reads ---------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lrs.xapi.jsontext import _UNSURE, _parse_quickly, _parse_strictly  # noqa: E402


def _typed(value):
    """A value with its JSON types spelt out: 1, 1.0 and True compare unequal, as do 0.0 and -0.0."""
    if isinstance(value, dict):
        return ("object", [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("array", [_typed(v) for v in value])
    return (type(value).__name__, repr(value))


def _outcome(parse, text: str):
    try:
        return ("value", _typed(parse(text)))
    except BadRequest as error:
        return ("refused", str(error), error.location)


_CHARS = st.sampled_from(['a', 'k', ':', '[', ']', '{', '}', ',', ' ', 'é', '\U0001F600', '"', '\\', '\n', '0', '9'])
_ESCAPES = {'"': '\\"', '\\': '\\\\', '\n': '\\n', ':': '\\u003a', 'a': '\\u0061', '\U0001F600': '\\ud83d\\ude00'}


@st.composite
def _string(draw, keys=False):
    chars = draw(st.lists(st.sampled_from("ab") if keys else _CHARS, max_size=2 if keys else 8))
    spelt = []
    for char in chars:
        escape = _ESCAPES.get(char)
        if char in '"\\\n' or (escape and draw(st.booleans())):
            spelt.append(escape)
        else:
            spelt.append(char)
    if not keys and draw(st.integers(0, 30)) == 0:
        spelt.append(draw(st.sampled_from(["\\ud800", "\\udc00", "\\u003A"])))  # lone surrogates, a colon
    return '"' + "".join(spelt) + '"'


_NUMBERS = st.one_of(
    st.integers(-10**25, 10**25).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["-0", "-0.0", "1e400", "-1e400", "1E5", "2.5e-324", "18446744073709551615",
                     "9223372036854775808", "0.12345678901234567890", "NaN", "Infinity", "01", "1."]),
)


def _json(depth: int = 0):
    leaf = st.one_of(_NUMBERS, _string(), st.sampled_from(["true", "false", "null"]))
    if depth >= 4:
        return leaf
    inner = st.deferred(lambda: _json(depth + 1))
    arrays = st.lists(inner, max_size=4).map(lambda items: "[" + ", ".join(items) + "]")
    objects = st.lists(st.tuples(_string(keys=True), inner), max_size=4).map(
        lambda pairs: "{" + ",".join(f"{k}: {v}" for k, v in pairs) + "}")
    return st.one_of(leaf, arrays, objects)


@st.composite
def _texts(draw):
    text = draw(_json())
    levels = draw(st.sampled_from([0, 0, 0, MAX_DEPTH - 3, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 300]))
    for _ in range(levels):
        text = draw(st.sampled_from([f"[{text}]", f'{{"k":{text}}}']))
    if draw(st.booleans()):
        text = "[" + ", ".join([text] * draw(st.integers(1, 3))) + "]"  # a batch
    return text + draw(st.sampled_from(["", " ", "\n", "x", ","]))


@settings(max_examples=600, deadline=None)
@given(_texts())
def test_the_fast_path_reads_exactly_what_the_strict_parse_reads(text):
    assert _outcome(parse_json, text) == _outcome(lambda t: _parse_strictly(t, "body"), text)


@pytest.mark.parametrize("text", [
    '{"a": 1, "a": 2}',  # a duplicate key: orjson keeps the last
    '[{"b": {"a": ":", "a": 1}}]',
    '{"a": 1, "a": 2, "s": "\\u003a"}',  # the dropped key's colon given back by an escape
    '[1, 12345678901234567890]',  # an integer beyond 64 bits: orjson makes it a float
    '{"x": -9223372036854775809}',
    nested(300, "oa"),  # deeper than orjson writes back
    "[" + nested(MAX_DEPTH, "a") + "]",  # a batch one level too deep
])
def test_what_orjson_reads_otherwise_is_left_to_the_strict_parse(text):
    assert _parse_quickly(text) is _UNSURE
    assert _outcome(parse_json, text) == _outcome(lambda t: _parse_strictly(t, "body"), text)


def test_a_batch_of_statements_takes_the_fast_path():
    from tests.conftest import statement

    batch = [statement(context={"extensions": {"http://example.org/session": "3960482443532127989"}})
             for _ in range(150)]
    assert _parse_quickly(json.dumps(batch)) == batch


# -- reading back what the stores wrote ----------------------------------------------------------

from lrs.xapi.jsontext import dumps, loads  # noqa: E402

_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_JSON_VALUES)
def test_loads_reads_back_exactly_what_dumps_wrote(value):
    assert _typed(loads(dumps(value))) == _typed(value)


def test_loads_keeps_integers_beyond_64_bits():
    value = {"raw": 123456789012345678901234567890, "list": [-18446744073709551617, 1.5]}
    assert _typed(loads(dumps(value))) == _typed(value)


def test_loads_reads_what_the_stdlib_wrote_and_orjson_refuses():
    assert math.isnan(loads('{"x": NaN, "n": 123456789012345678901234567890}')["x"])
    assert math.isinf(loads('[Infinity]')[0])
