"""xAPI scopes (xAPI-Communication.md §4.2) and what each lets a credential do."""

from __future__ import annotations

from lrs.errors import BadRequest, Forbidden

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

#: for each resource and kind of access, the scopes that allow it
_ALLOWED = {
    ("statements", "write"): {"statements/write", "all"},
    ("statements", "read"): {"statements/read", "all/read", "all"},
    ("state", "write"): {"state", "all"},
    ("state", "read"): {"state", "all/read", "all"},
    ("activity_profile", "write"): {"profile", "all"},
    ("activity_profile", "read"): {"profile", "all/read", "all"},
    ("agent_profile", "write"): {"profile", "all"},
    ("agent_profile", "read"): {"profile", "all/read", "all"},
    ("activities", "read"): {"profile", "define", "statements/read", "statements/read/mine", "all/read", "all"},
    ("agents", "read"): {"profile", "statements/read", "statements/read/mine", "all/read", "all"},
}


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


def reads_only_own(scopes) -> bool:
    """True when the credential may read statements only under its own authority."""
    return not (set(scopes) & _ALLOWED[("statements", "read")]) and "statements/read/mine" in scopes


def require(scopes, resource: str, access: str) -> None:
    """Raise Forbidden unless the scopes allow ``access`` (read/write) to ``resource``."""
    allowed = _ALLOWED[(resource, access)]
    if resource == "statements" and access == "read":
        allowed = allowed | {"statements/read/mine"}
    if not set(scopes) & allowed:
        raise Forbidden(
            f"this credential's scopes ({', '.join(scopes)}) do not allow {access} access to {resource};"
            f" it needs one of: {', '.join(sorted(allowed))}"
        )
