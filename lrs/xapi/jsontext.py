"""Reading JSON from clients strictly: one value, valid UTF-8, no duplicate keys,
no NaN or Infinity (nor numbers too large for a double), no lone surrogates, at most
:data:`MAX_DEPTH` levels of nesting. Anything else is a 400, never a 500. And writing
it as the stores keep it (:func:`dumps`)."""

from __future__ import annotations

import json
import math
import re

import orjson

from lrs.errors import BadRequest


#: deepest nesting accepted: far beyond any statement (about 10 levels plus extensions), and below
#: the 255 levels orjson writes, so whatever is stored can be served in every format
MAX_DEPTH = 100


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise BadRequest(f"the JSON object has the key {key!r} twice")
        out[key] = value
    return out


def _no_constants(name):
    raise BadRequest(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadRequest(f"the number {text[:40]} is too large")
    return value


#: a \uD800-\uDFFF escape: JSON can spell a surrogate on its own, which is no Unicode text
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _check_text(value, location: str) -> None:
    """Raise BadRequest when a string or key holds a lone surrogate (pairs were joined by the parser)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise BadRequest("the JSON has a lone surrogate escape (\\ud800-\\udfff), which is not text",
                                 location=location) from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _too_deep(value, room: int) -> bool:
    """Whether containers nest more than ``room`` levels below ``value``. Recursive: json.loads
    has already refused what is nested deeper than Python's recursion limit, and this stops at
    ``room``. It is a quarter of the cost of a walk with an explicit stack (25 → 4 µs a statement),
    which every batch of more than MAX_DEPTH containers pays."""
    for child in (value.values() if type(value) is dict else value):
        if (type(child) is dict or type(child) is list) and (room == 0 or _too_deep(child, room - 1)):
            return True
    return False


def _check_depth(value, location: str) -> None:
    if _too_deep(value, MAX_DEPTH - 1):
        raise BadRequest(f"the JSON is nested more than {MAX_DEPTH} levels deep", location=location)


def parse_json(data: bytes | str, *, location: str = "body"):
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest(f"the body is not valid UTF-8 (byte {exc.start})", location=location) from None
    if data.startswith("\ufeff"):
        data = data[1:]
    try:
        value = json.loads(data, object_pairs_hook=_no_duplicates, parse_constant=_no_constants,
                           parse_float=_finite)
        if isinstance(value, (dict, list)) and data.count("[") + data.count("{") > MAX_DEPTH:
            _check_depth(value, location)
        if _SURROGATE_ESCAPE.search(data):
            _check_text(value, location)
        return value
    except BadRequest as exc:
        exc.location = exc.location or location
        raise
    except RecursionError:
        raise BadRequest("the JSON is nested too deeply", location=location) from None
    except ValueError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}", location=location) from None


def dumps(value) -> str:
    """Compact JSON text, as stores keep statements; orjson for speed, the stdlib for integers beyond 64 bits."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
