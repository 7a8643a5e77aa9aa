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


#: every ASCII digit as "0", every other byte as a space: runs of digits found by bytes.find, not a regex
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_RUN = b"0" * 19


def _long_integer(data: str) -> bool:
    """Whether the text may hold an integer of 19 digits or more, which orjson might not read as json
    does (it makes integers beyond 64 bits floats). A number starts the text or follows ``:``, ``,``
    or ``[`` (and a minus sign); a run of digits elsewhere is inside a string or a fraction."""
    raw = data.encode("utf-8", "surrogatepass")
    runs = raw.translate(_DIGITS_AS_ZEROS)
    start = runs.find(_LONG_RUN)
    while start != -1:
        before = start - 1
        while before >= 0 and raw[before] in b" \t\n\r-":
            before -= 1
        if before < 0 or raw[before] in b":,[":
            return True
        end = start + len(_LONG_RUN)
        while end < len(runs) and runs[end] == 0x30:
            end += 1
        start = runs.find(_LONG_RUN, end)
    return False


#: the fast path could not vouch for the text: the strict parse decides (and words any error)
_UNSURE = object()


def _parse_quickly(data: str):
    """The value of ``data`` read by orjson, when that is provably the value :func:`_parse_strictly` returns;
    else :data:`_UNSURE`. About 30 % less CPU than the strict parse for a batch of statements (14.5
    against 20.5 µs a statement), which pays for a Python hook per object and a Python walk for the depth.

    orjson refuses NaN, Infinity, numbers beyond a double, lone surrogates and nesting beyond 1,024
    levels, and keeps the last of duplicate keys; so a value is returned only when the text has no
    long digit run (integers orjson would make floats), no ``\\u003x`` escape (a colon can be spelt
    ``\\u003a``), as many colons as the value written back has (each key is one colon, and a
    dropped duplicate key takes at least its own colon with it), and no element of the batch with
    enough containers to nest more than MAX_DEPTH levels (a bound read from each element's text)."""
    if "\\u003" in data or _long_integer(data):
        return _UNSURE
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return _UNSURE
    batch = type(value) is list
    colons, containers = 0, 0
    for item in value if batch else (value,):
        try:
            text = orjson.dumps(item)
        except orjson.JSONEncodeError:  # nested deeper than orjson writes (255 levels): far too deep
            return _UNSURE
        colons += text.count(b":")
        containers = max(containers, text.count(b"{") + text.count(b"["))
    if colons != data.count(":") or containers + batch > MAX_DEPTH:
        return _UNSURE
    return value


def parse_json(data: bytes | str, *, location: str = "body"):
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest(f"the body is not valid UTF-8 (byte {exc.start})", location=location) from None
    if data.startswith("\ufeff"):
        data = data[1:]
    value = _parse_quickly(data)
    if value is not _UNSURE:
        if _SURROGATE_ESCAPE.search(data):  # orjson refuses lone surrogates; kept so the rule reads in one place
            _check_text(value, location)
        return value
    return _parse_strictly(data, location)


def _parse_strictly(data: str, location: str):
    """The stdlib's parser with every rule of this module: the reference the fast path must equal."""
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


def loads(text: str):
    """JSON text as :func:`dumps` wrote it, read back: orjson, or the stdlib when the text may hold an
    integer beyond 64 bits (orjson would make it a float) or holds what orjson refuses (the stdlib
    writes NaN)."""
    if not _long_integer(text):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def dumps(value) -> str:
    """Compact JSON text, as stores keep statements; orjson for speed, the stdlib for integers beyond 64 bits."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
