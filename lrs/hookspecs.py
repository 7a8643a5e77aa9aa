"""Every plugin hook the core calls, in one place.

Plugins (built-in ones included) implement these with ``@lrs.hookimpl``. Hooks are
called with keyword arguments, so an implementation takes only the arguments it needs;
every hook that runs inside an application receives ``lrs``, the application object
(:class:`lrs.app.LRS`: store, config, plugin manager, plugin settings), as Datasette's
hooks receive ``datasette``, so plugins need no globals. Hooks that a plugin calls are
declared by that plugin (``add_hookspecs``): the space's ``classify_statement``, CPD's
``register_exporters`` and ``register_importers``. Each hook is documented in
``docs/plugins.md``; a test fails when one is not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    import click
    import flask
    import pluggy

    from lrs.auth.credentials import Credential
    from lrs.access import Access
    from lrs.app import LRS
    from lrs.config import Config
    from lrs.plugins import Panel, Reader, SignInProvider, StoreBackend
    from lrs.store.base import Store

hookspec = pluggy.HookspecMarker("lrs")
hookimpl = pluggy.HookimplMarker("lrs")


# ---------------------------------------------------------------------------
# Start-up and wiring
# ---------------------------------------------------------------------------


@hookspec
def add_hookspecs(pm: "pluggy.PluginManager") -> None:
    """Declare the hooks a plugin calls itself (``pm.add_hookspecs(my_hookspecs)``).

    Called once for each plugin manager, after every plugin is registered and before
    unknown hook implementations are refused, so a plugin owns its hooks as
    datasette-enrichments does, and the core does not know them.

    :param pm: the plugin manager being built.
    """


@hookspec
def startup(app: "flask.Flask", lrs: "LRS") -> None:
    """Called once when an application is created, after its store is open.

    Use it to prepare what a plugin needs (tables, caches, background workers); keep
    per-application state in ``lrs.plugin_state(name)``, never in module globals.

    :param app: the Flask application.
    :param lrs: the application object: ``lrs.store``, ``lrs.config``, ``lrs.pm``.
    """


@hookspec
def register_routes(app: "flask.Flask", lrs: "LRS") -> "list[flask.Blueprint] | None":
    """Return Flask blueprints to mount on the application.

    Called while the application is created, before the first request. Pages of the
    personal space are made with :func:`lrs.page_blueprint`.

    :param app: the Flask application being built.
    :param lrs: the application object.
    :returns: a list of blueprints (each mounted with its own ``url_prefix``).
    """


@hookspec
def register_stores() -> "list[StoreBackend] | None":
    """Return the storage backends a plugin provides (called before the application object exists).

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
def authority_from_request(request: "flask.Request", store: "Store", config: "Config",
                           lrs: "LRS") -> "Credential | None":
    """Find the credential a request acts with.

    Called for every authenticated xAPI request. The first non-``None`` answer
    wins; the built-in HTTP Basic implementation runs last (``trylast``), so a
    plugin can add another scheme (OAuth, signed tokens) in front of it. Raise
    :class:`lrs.errors.Unauthorized` for credentials that are present but wrong.

    :param lrs: the application object (``store`` and ``config`` are its own, kept for older plugins).
    :returns: a :class:`lrs.auth.credentials.Credential`, or ``None`` when this
        plugin does not recognise the request. Its ``person_id`` makes it act for that
        person (lrs.access decides what it may then do).
    """


@hookspec
def validate_statement(statement: dict, version: str, credential: "Credential", lrs: "LRS",
                       access: "Access") -> None:
    """Add rules of a deployment to statement validation.

    Called for each statement after the xAPI rules passed and before anything
    is stored. Raise :class:`lrs.errors.BadRequest` (or ``Forbidden``) to
    reject it; the whole batch is then rejected.

    :param statement: the statement as it will be stored (id, stored, authority filled in).
    :param version: the xAPI version of the request, e.g. ``"1.0.3"``.
    :param credential: who is posting.
    :param lrs: the application object.
    :param access: the writer's access (lrs.access): a tool's, or a person's.
    """


@hookspec
def statements_stored(statements: "list[dict]", store: "Store", credential: "Credential", lrs: "LRS",
                      access: "Access") -> None:
    """Called after a batch of statements is committed.

    For forwarding, enrichment, notifications. The batch is already durable:
    an exception here is logged and does not undo or fail the request.

    :param statements: the statements as stored, in batch order.
    :param lrs: the application object (``store`` is its own, kept for older plugins).
    :param access: the writer's access. Whose records a statement is in, ask the store with
        a reader's :meth:`lrs.Access.reach` (``store.reachable_ids``), never from its JSON.
    """


# ---------------------------------------------------------------------------
# Pages: the navigation of every page
# ---------------------------------------------------------------------------


@hookspec
def register_panels(lrs: "LRS") -> "list[Panel] | None":
    """Return pages to list in the navigation of every page (:func:`lrs.render`).

    Called when a page is rendered. The plugin also mounts the pages themselves
    (``register_routes``, :func:`lrs.page_blueprint`); a panel is the link to one.
    Two panels with one name are an error.

    :param lrs: the application object.
    :returns: a list of :class:`lrs.plugins.Panel`.
    """


@hookspec
def register_sign_in(lrs: "LRS") -> "list[SignInProvider] | None":
    """Return ways to sign in besides passwords (an organisation's identity provider).

    Called when the sign-in page is shown and when a sign-in starts or ends. Each is a
    button on the sign-in page; ``/space/signin/<name>`` calls its ``start``. The plugin
    serves the page that receives the provider's answer, checks it, and ends with
    :func:`lrs.complete_sign_in` (the same server-side session a password makes). OpenID
    Connect is a first-party plugin; SAML would be another through the same hook. Two
    providers with one name are an error.

    :param lrs: the application object (``lrs.plugin_config`` for the provider's settings).
    :returns: a list of :class:`lrs.plugins.SignInProvider`; none when not configured.
    """


@hookspec
def store_wide_readers(store: "Store", lrs: "LRS") -> "list[Reader] | None":
    """Say what, set up by the operator, can read or copy every person's statements.

    Called when a person's Sharing page lists who else could read their records, after the
    tool credentials that may read every statement. A plugin that sends, copies or reads
    every statement (forwarding to another LRS, a backup, an analytics feed) lists what it
    has set up, so nothing that reads everyone's records is hidden from them. Never put a
    secret in a reader.

    :param store: the store, where the plugin keeps what was set up (``lrs.store``).
    :param lrs: the application object.
    :returns: a list of :class:`lrs.plugins.Reader`.
    """


@hookspec(firstresult=True)
def handle_exception(error: BaseException, request: "flask.Request", lrs: "LRS") -> Any:
    """Turn an error into a response.

    Called for every error a request raises, before the built-in xAPI error
    response is made. The first non-``None`` answer is sent as the response.

    :param lrs: the application object.
    :returns: a Flask response (or anything a Flask view may return), or ``None``.
    """
