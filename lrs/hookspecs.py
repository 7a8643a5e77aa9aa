"""Every plugin hook of Learnfolio, in one place.

Plugins (built-in ones included) implement these with ``@lrs.hookimpl``.
Hooks are called with keyword arguments, so an implementation takes only the
arguments it needs. Each hook is documented in ``docs/plugins.md``; a test
fails when one is not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    import click
    import flask

    from lrs.auth.credentials import Credential
    from lrs.config import Config
    from lrs.plugins import Exporter, Importer, Panel, Reader, StoreBackend
    from lrs.store.base import Store

hookspec = pluggy.HookspecMarker("lrs")
hookimpl = pluggy.HookimplMarker("lrs")


# ---------------------------------------------------------------------------
# Start-up and wiring
# ---------------------------------------------------------------------------


@hookspec
def startup(app: "flask.Flask") -> None:
    """Called once when an application is created, after its store is open.

    Use it to prepare what a plugin needs (tables, caches, background clients).

    :param app: the Flask application; ``app.extensions["lrs"]`` holds the store,
        config and plugin manager.
    """


@hookspec
def register_routes(app: "flask.Flask") -> "list[flask.Blueprint] | None":
    """Return Flask blueprints to mount on the application.

    Called while the application is created, before the first request.

    :param app: the Flask application being built.
    :returns: a list of blueprints (each mounted with its own ``url_prefix``).
    """


@hookspec
def register_stores() -> "list[StoreBackend] | None":
    """Return the storage backends a plugin provides.

    Called when the application opens its store: the backend whose ``name``
    equals the scheme of ``LRS_STORE`` (``sqlite``, ``mongodb`` …) is used.
    Two backends with one name are an error at start-up.

    :returns: a list of :class:`lrs.plugins.StoreBackend`.
    """


@hookspec
def register_commands(cli: "click.Group") -> None:
    """Add sub-commands to the ``lrs`` command.

    :param cli: the top-level click group; call ``cli.command()`` or ``cli.add_command``.
    """


# ---------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------


@hookspec(firstresult=True)
def authority_from_request(request: "flask.Request", store: "Store", config: "Config") -> "Credential | None":
    """Find the credential a request acts with.

    Called for every authenticated xAPI request. The first non-``None`` answer
    wins; the built-in HTTP Basic implementation runs last (``trylast``), so a
    plugin can add another scheme (OAuth, signed tokens) in front of it. Raise
    :class:`lrs.errors.Unauthorized` for credentials that are present but wrong.

    :returns: a :class:`lrs.auth.credentials.Credential`, or ``None`` when this
        plugin does not recognise the request.
    """


@hookspec
def validate_statement(statement: dict, version: str, credential: "Credential") -> None:
    """Add rules of a deployment to statement validation.

    Called for each statement after the xAPI rules passed and before anything
    is stored. Raise :class:`lrs.errors.BadRequest` (or ``Forbidden``) to
    reject it; the whole batch is then rejected.

    :param statement: the statement as it will be stored (id, stored, authority filled in).
    :param version: the xAPI version of the request, e.g. ``"1.0.3"``.
    :param credential: who is posting.
    """


@hookspec
def statements_stored(statements: "list[dict]", store: "Store", credential: "Credential") -> None:
    """Called after a batch of statements is committed.

    For forwarding, enrichment, notifications. The batch is already durable:
    an exception here is logged and does not undo or fail the request.

    :param statements: the statements as stored, in batch order.
    """


# ---------------------------------------------------------------------------
# The personal learning space
# ---------------------------------------------------------------------------


@hookspec(firstresult=True)
def classify_statement(statement: dict) -> "str | None":
    """Say which way of learning a statement records.

    Called for each statement shown in a personal learning space ("how I learn",
    filters, sharing by way of learning). The built-in classifier runs last
    (``trylast``) and maps common verbs and activity types; a deployment maps its
    own vocabulary by answering first.

    :param statement: the statement as stored.
    :returns: one of ``courses``, ``content``, ``people``, ``work``, ``events``,
        ``other``; or ``None`` to leave it to the next plugin.
    """


@hookspec
def register_panels() -> "list[Panel] | None":
    """Return pages to list in the personal learning space's navigation.

    Called when a space page is rendered. The plugin also mounts the pages
    themselves (``register_routes``); a panel is the link to one. Two panels
    with one name are an error.

    :returns: a list of :class:`lrs.plugins.Panel`.
    """


@hookspec
def store_wide_readers(store: "Store") -> "list[Reader] | None":
    """Say what, set up by the operator, can read or copy every person's statements.

    Called when a person's Sharing page lists who else could read their records, after the
    tool credentials that may read every statement. A plugin that sends, copies or reads
    every statement (forwarding to another LRS, a backup, an analytics feed) lists what it
    has set up, so nothing that reads everyone's records is hidden from them. Never put a
    secret in a reader.

    :param store: the store, where the plugin keeps what was set up.
    :returns: a list of :class:`lrs.plugins.Reader`.
    """


# ---------------------------------------------------------------------------
# Taking records anywhere: export and import formats
# ---------------------------------------------------------------------------


@hookspec
def register_exporters() -> "list[Exporter] | None":
    """Return the formats a person's records can be exported in.

    Called when the CPD panel or ``lrs export`` lists or runs formats (CSV, PDF,
    an xAPI archive, a professional body's log …). Two exporters with one name
    are an error.

    :returns: a list of :class:`lrs.plugins.Exporter`.
    """


@hookspec
def register_importers() -> "list[Importer] | None":
    """Return the formats statements can be imported from.

    Called when the import page or ``lrs import`` reads a file: the importer
    named by the person (or the first whose ``accepts`` answers true for the
    file's first bytes) turns it into statements, attachments and documents.
    Two importers with one name are an error.

    :returns: a list of :class:`lrs.plugins.Importer`.
    """


@hookspec(firstresult=True)
def handle_exception(error: BaseException, request: "flask.Request") -> Any:
    """Turn an error into a response.

    Called for every error a request raises, before the built-in xAPI error
    response is made. The first non-``None`` answer is sent as the response.

    :returns: a Flask response (or anything a Flask view may return), or ``None``.
    """
