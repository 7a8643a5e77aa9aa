"""HTTP: one blueprint per xAPI resource, mounted under the xAPI prefix."""

from __future__ import annotations

from lrs.hookspecs import hookimpl


@hookimpl
def register_routes(app):
    from lrs.api import about, activities, activity_profile, agent_profile, agents, openapi, state, statements

    return [about.bp, statements.bp, state.bp, activity_profile.bp, agent_profile.bp, activities.bp, agents.bp,
            openapi.bp]
