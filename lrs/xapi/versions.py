"""xAPI versions: which the LRS speaks, and how a request's version header is read.

1.0.3 (xAPI-Communication.md §3.3): accept ``1.0`` and ``1.0.x``, reject ``1.1.0``
and above. 2.0 (IEEE 9274.1.1): accept ``2.0`` and ``2.0.x``. The version is
per request, so one endpoint serves both.
"""

from __future__ import annotations

import re

from lrs.errors import BadRequest

SUPPORTED = ("1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0")
HEADER = "X-Experience-API-Version"
_VERSION = re.compile(r"^(1|2)\.0(?:\.(\d+))?$")

_SEMVER_PRE = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
#: A statement's ``version`` (xAPI-Data.md §2.4.10: an LRS MUST accept every version starting
#: with "1.0."): ``1.0``, or ``1.0.x`` with an optional Semantic Versioning 2.0.0 pre-release and
#: build part (``1.0.3-rc1``, ``1.0.0+build.5``); ``2.0`` likewise. Also the OpenAPI pattern.
STATEMENT_VERSION_PATTERN = (rf"^[12]\.0(?:\.[0-9]+(?:-{_SEMVER_PRE}(?:\.{_SEMVER_PRE})*)?"
                             r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?$")
_STATEMENT_VERSION = re.compile(STATEMENT_VERSION_PATTERN)


def negotiate(header: str | None) -> str:
    """The version the LRS answers in (``1.0.3`` or ``2.0.0``) for a request's header."""
    if header is None or header == "":
        raise BadRequest(f"the {HEADER} header is required", location=HEADER)
    match = _VERSION.match(header.strip())
    if not match:
        raise BadRequest(
            f"unsupported xAPI version {header!r}; this LRS speaks 1.0.x and 2.0.x", location=HEADER
        )
    return "1.0.3" if match.group(1) == "1" else "2.0.0"


def is_v2(version: str) -> bool:
    return version.startswith("2.")


def is_statement_version(value, v2: bool) -> bool:
    """Whether ``value`` is a statement version a 1.0.x request (or, with ``v2``, a 2.0 one) accepts."""
    return (type(value) is str and _STATEMENT_VERSION.fullmatch(value) is not None
            and (value.startswith("1.") or v2))
