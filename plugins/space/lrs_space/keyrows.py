"""What a plugin lists on "My keys" (the ``key_rows`` hook)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeyRow:
    """One thing that lets a tool act for the person: shown with a button that revokes it.

    ``revoke_url`` is a page of the plugin's that takes a POST with the space's CSRF token
    (a :func:`lrs.page_blueprint` page) and ends it at once; ``how`` says how it was made
    ("Connect to Learnfolio"), ``scopes`` what it may do.
    """

    name: str
    how: str
    created: str
    last_used: str | None
    scopes: tuple[str, ...]
    revoke_url: str
