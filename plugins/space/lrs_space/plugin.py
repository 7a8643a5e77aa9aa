"""The space's hook implementations: its hooks, its routes, its built-in panels, what its archive carries."""

from __future__ import annotations

from lrs import LRSError, Panel, hookimpl, render, set_pages
from lrs_space import hookspecs
from lrs_space.annotations import ANNOTATION
from lrs_space.archive import ArchiveKind
from lrs_space.people import GOAL, SETTINGS, SHARE
from lrs_space.web import bp


@hookimpl
def add_hookspecs(pm):
    pm.add_hookspecs(hookspecs)


@hookimpl
def register_routes(app):
    import lrs_space.views  # noqa: F401  (registers the pages on the blueprint)

    set_pages(app, home="space.timeline", signin="space.signin", signout="space.signout", add="space.journal")
    return [bp]


@hookimpl
def register_commands(cli):
    from lrs_space.cli import people

    cli.add_command(people)


@hookimpl
def register_panels():
    return [
        Panel("timeline", "Timeline", "space.timeline", 10),
        Panel("journal", "Add what I learned", "space.journal", 20),
        Panel("ways", "How I learn", "space.ways", 30),
        Panel("goals", "Goals", "space.goals", 40),
        Panel("sharing", "Sharing", "space.sharing", 50),
        Panel("keys", "My keys", "space.keys", 70),
        Panel("rejected", "Not accepted", "space.rejected", 75),
        Panel("identities", "Identities", "space.identities", 80),
        Panel("settings", "Settings and archive", "space.settings", 90),
    ]


def _adopt_share(item, importing):
    """A share comes along paused: whoever has that username here may not be the person it was made for."""
    scope = item.body.get("scope", {})
    scope["goals"] = [importing.ids.get(goal_id, goal_id) for goal_id in scope.get("goals", [])]
    item.body.update({"scope": scope, "viewer_id": None, "imported": True})
    item.ref = None
    return item


@hookimpl
def archive_kinds():
    return [ArchiveKind(GOAL, "goals"), ArchiveKind(ANNOTATION, "annotations", ids="statement"),
            ArchiveKind(SHARE, "shares", adopt=_adopt_share), ArchiveKind(SETTINGS, "settings", ids="person")]


@hookimpl
def handle_exception(error, request):
    """Errors on the space's pages are pages, not xAPI JSON."""
    if not request.path.startswith("/space/"):
        return None
    from werkzeug.exceptions import HTTPException

    if isinstance(error, HTTPException):
        status, message = error.code or 500, error.description
    elif isinstance(error, LRSError):
        status, message = error.status_code, error.message
    else:
        return None  # the core logs it and answers 500
    try:
        return render("error.html", status=status, message=message), status
    except Exception:  # the layout itself failed (e.g. before the person loaded): plain text still helps
        return message, status, {"Content-Type": "text/plain; charset=utf-8"}
