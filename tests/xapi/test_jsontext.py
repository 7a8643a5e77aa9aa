"""Strict JSON reading: nesting up to MAX_DEPTH levels is accepted and one more is a 400, wherever
the deep part is (objects, arrays, mixed, the last statement of a batch)."""

from __future__ import annotations

import json

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
