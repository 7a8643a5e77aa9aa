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
