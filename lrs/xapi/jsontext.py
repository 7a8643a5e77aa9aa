"""Reading JSON from clients strictly: one value, valid UTF-8, no duplicate keys,
no NaN or Infinity, bounded depth. Anything else is a 400, never a 500."""

from __future__ import annotations

import json

from lrs.errors import BadRequest


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise BadRequest(f"the JSON object has the key {key!r} twice")
        out[key] = value
    return out


def _no_constants(name):
    raise BadRequest(f"{name} is not valid JSON")


def parse_json(data: bytes | str, *, location: str = "body"):
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequest(f"the body is not valid UTF-8 (byte {exc.start})", location=location) from None
    if data.startswith("\ufeff"):
        data = data[1:]
    try:
        return json.loads(data, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except BadRequest as exc:
        exc.location = exc.location or location
        raise
    except RecursionError:
        raise BadRequest("the JSON is nested too deeply", location=location) from None
    except ValueError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}", location=location) from None
