"""The application factory: config, plugin manager, store, blueprints, error handling."""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass, field, replace

import orjson
import pluggy
from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from lrs.config import Config
from lrs.errors import LRSError, PayloadTooLarge
from lrs.outbound import AllowList
from lrs.plugins import get_plugin_manager, store_backends
from lrs.store.base import Store

log = logging.getLogger(__name__)


@dataclass
class LRS:
    """The application as hooks and plugins see it, as Datasette's hooks see ``datasette``:
    every hook that runs inside an application receives it as ``lrs``; views reach it with
    :func:`lrs.lrs_app`. Plugins keep per-application state in it, never in module globals.
    """

    config: Config
    pm: pluggy.PluginManager
    store: Store
    _state: dict = field(default_factory=dict, repr=False)

    def plugin_config(self, name: str, defaults: dict | None = None) -> dict[str, str]:
        """A plugin's settings (:meth:`lrs.config.Config.plugin_config`)."""
        return self.config.plugin_config(name, defaults)

    def plugin_state(self, name: str) -> dict:
        """A plugin's own state in this application (a worker, a cache): one dict per name."""
        return self._state.setdefault(name, {})


#: the name of :class:`LRS` before the public API
LRSContext = LRS


def open_store(config: Config, pm: pluggy.PluginManager) -> Store:
    url = config.store_url
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    backends = store_backends(pm)
    if scheme not in backends:
        raise RuntimeError(f"no store backend for {url!r}; available: {', '.join(sorted(backends))}")
    return backends[scheme].factory(url, config)


def error_response(error: LRSError) -> Response:
    response = Response(orjson.dumps(error.to_dict()), status=error.status_code, mimetype="application/json")
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's cookie sessions, with the signing serializer made once rather than on every request,
    and nothing read or written for a request without cookies whose session stays untouched (every
    xAPI request): Flask's own steps give the same answer there, after parsing and computing more."""

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = getattr(self, "_serializer", None)
        if cached is None or cached[0] != keys:
            cached = self._serializer = (keys, super().get_signing_serializer(app))
        return cached[1]

    def open_session(self, app, request):
        if "HTTP_COOKIE" not in request.environ and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if not session and not session.accessed and not session.modified:
            return  # what Flask's save_session does for it too: no Vary, no cookie
        super().save_session(app, session, response)


class _Flask(Flask):
    """Flask, with its check of whether a view or hook is a coroutine function made once per
    function instead of on every call (five times a request). Functions are remembered weakly:
    those made per request (``after_this_request``) go with their request, and what they hold
    with them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._synchronous: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def ensure_sync(self, func):
        try:
            made = self._synchronous[func]
        except KeyError:
            made = super().ensure_sync(func)
            # a plain function is its own answer: kept as None, so the entry does not keep it alive
            self._synchronous[func] = None if made is func else made
            return made
        except TypeError:  # not weakly referable or not hashable: as Flask does it
            return super().ensure_sync(func)
        return func if made is None else made


def create_app(config: Config | dict | None = None, *, plugins=()) -> Flask:
    """Build an LRS application. ``config`` overrides ``LRS_*`` environment variables."""
    if not isinstance(config, Config):
        config = Config.from_env(config)
    config = replace(config, secret_key=config.resolved_secret_key())
    if config.default_xapi_version not in ("1.0.3", "2.0.0"):
        raise ValueError(f"LRS_DEFAULT_XAPI_VERSION must be 1.0.3 or 2.0.0, not {config.default_xapi_version!r}")
    AllowList.parse(config.outbound_allow)  # a mistyped LRS_OUTBOUND_ALLOW stops the start, not a request
    config.check_public_url()
    pm = get_plugin_manager(config, extra_plugins=plugins)
    store = open_store(config, pm)
    store.initialise()

    app = _Flask("lrs")
    app.session_interface = _SessionInterface()
    app.config["SECRET_KEY"] = config.secret_key
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    lrs = app.extensions["lrs"] = LRS(config=config, pm=pm, store=store)

    from lrs.web import bp as web_framework, welcome, xapi_root

    app.register_blueprint(web_framework)
    app.register_blueprint(welcome)
    app.add_url_rule(config.xapi_prefix + "/", "xapi_root", xapi_root)
    for blueprints in pm.hook.register_routes(app=app, lrs=lrs):
        for blueprint in blueprints or ():
            prefix = config.xapi_prefix if blueprint.name in XAPI_BLUEPRINTS else None
            app.register_blueprint(blueprint, url_prefix=prefix)

    _install_error_handling(app, pm)
    if config.proxy_hops > 0:
        # request.remote_addr and scheme from the proxies' headers; the Host header is never taken from them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxy_hops, x_proto=config.proxy_hops)
    from lrs.api.common import finish_response

    @app.after_request
    def _xapi_headers(response):
        if request.path.startswith(config.xapi_prefix):
            return finish_response(response)
        return response

    pm.hook.startup(app=app, lrs=lrs)
    return app


#: blueprints mounted under the xAPI prefix (others choose their own url_prefix)
XAPI_BLUEPRINTS = {"about", "statements", "state", "activity_profile", "agent_profile", "activities", "agents",
                    "openapi"}


def _install_error_handling(app: Flask, pm: pluggy.PluginManager) -> None:
    @app.errorhandler(Exception)
    def handle(error: Exception):
        answer = pm.hook.handle_exception(error=error, request=request, lrs=app.extensions["lrs"])
        if answer is not None:
            return answer
        if isinstance(error, LRSError):
            return error_response(error)
        if isinstance(error, HTTPException):
            if error.code == 413:
                return error_response(PayloadTooLarge(
                    f"the body is larger than the limit of {app.config['MAX_CONTENT_LENGTH']} bytes",
                    location="body"))
            lrs_error = LRSError(error.description or error.name)
            lrs_error.status_code = error.code or 500
            response = error_response(lrs_error)
            if error.code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
                response.headers["Allow"] = ", ".join(error.valid_methods)
            return response
        log.exception("unexpected error on %s %s", request.method, request.path)
        internal = LRSError("the LRS failed to handle this request; it has been logged")
        return error_response(internal)
