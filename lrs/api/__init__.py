"""HTTP: one blueprint per xAPI resource, mounted under the xAPI prefix."""

from __future__ import annotations

from lrs.hookspecs import hookimpl


@hookimpl
def register_routes(app):
    from lrs.api import about, statements

    return [about.bp, statements.bp]
