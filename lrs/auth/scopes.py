"""xAPI scopes (xAPI-Communication.md §4.2); what each allows is decided in :mod:`lrs.access`."""

from __future__ import annotations

from lrs.errors import BadRequest

SCOPES = (
    "statements/write",
    "statements/read",
    "statements/read/mine",
    "all/read",
    "all",
    "state",
    "define",
    "profile",
)
#: what a credential gets when none are asked for (the spec's default)
DEFAULT_SCOPES = ("statements/write", "statements/read/mine")

def parse_scopes(values) -> tuple[str, ...]:
    """Validate a list of scope names (``all`` alone is the common case)."""
    scopes = []
    for value in values:
        for name in str(value).replace(",", " ").split():
            if name not in SCOPES:
                raise BadRequest(f"unknown scope {name!r}; known scopes: {', '.join(SCOPES)}", location="scope")
            if name not in scopes:
                scopes.append(name)
    return tuple(scopes) or DEFAULT_SCOPES
