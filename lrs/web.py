"""The web framework every plugin's pages share: sessions, sign-in, CSRF, security headers,
the layout and its navigation. Part of the public API (``from lrs import page_blueprint, render``).

Pages live under ``/space/`` (the session cookie's path). Sessions are server-side (an item of
kind ``session`` per sign-in, found by the SHA-256 of a random cookie), so signing out or
changing a password ends them for real, and signing in always starts a new one (no session
fixation). Every form carries a CSRF token bound to the visitor's cookie. The signed-in
person's :class:`lrs.access.Access` is resolved once per request (``current_access()``):
pages ask it, and nothing else, whose records they may show.

The plugin that provides the sign-in and home pages names them with :func:`set_pages`
(the personal space does); the layout's navigation lists every plugin's panels
(``register_panels``). Ways to sign in besides passwords (an organisation's identity provider)
are plugins too (``register_sign_in``): the sign-in page lists them, ``/space/signin/<name>``
starts one, and the plugin's own page that receives the provider's answer ends with
:func:`complete_sign_in`, which makes the same server-side session a password does.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from lrs.access import Access
from lrs.errors import Forbidden
from lrs.store.base import Item

#: where every page of every plugin lives (the session cookie's path)
PAGES = "/space"
SESSION_COOKIE = "lf_session"
VISITOR_COOKIE = "lf_visitor"
SESSION_KIND = "session"
SESSION_DAYS = 14
#: a sign-in begun with an identity provider: its state, bound to the browser, for a few minutes
SIGN_IN_KIND = "sign-in"
SIGN_IN_MINUTES = 10

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; manifest-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
#: the service worker's own policy: it may fetch from this site (the static files it keeps, pages it
#: passes through) and nothing else
WORKER_CSP = "default-src 'none'; connect-src 'self'"

#: the layout (base.html, macros.html, error.html) and its stylesheet, at /space/static/
bp = Blueprint("web", __name__, url_prefix=PAGES, template_folder="templates", static_folder="static")


@dataclass(frozen=True)
class Pages:
    """The endpoints of the pages every other page links to, named by the plugin that serves them."""

    home: str
    signin: str
    signout: str
    #: the quick-add page: the layout's "+" on every page, and where "share to Learnfolio" lands
    add: str | None = None


def set_pages(app, *, home: str, signin: str, signout: str, add: str | None = None) -> None:
    """Name the home, sign-in and sign-out pages (``"blueprint.view"``); one plugin does, once.

    ``add``, the quick-add page, must accept ``title``, ``text`` and ``url`` in its query to
    prefill its form (the installed app's Web Share Target sends them), and only prefill: the
    person still confirms with the form's CSRF-protected POST."""
    app.extensions["lrs.web"] = Pages(home=home, signin=signin, signout=signout, add=add)


def _pages() -> Pages:
    pages = current_app.extensions.get("lrs.web")
    if pages is None:
        abort(404, description="no plugin serves the sign-in pages")
    return pages


def lrs_app():
    """The application's :class:`lrs.app.LRS` (store, config, plugin manager)."""
    return current_app.extensions["lrs"]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# -- sessions -------------------------------------------------------------------------


def start_session(person) -> str:
    """A new session for ``person`` (every way of signing in ends here); the cookie is set on the
    response by ``after_request``. A disabled person gets none (Forbidden)."""
    if getattr(person, "disabled", False):
        raise Forbidden("this account is disabled; an administrator can re-enable it")
    token = secrets.token_urlsafe(32)
    now = _now()
    store = lrs_app().store
    store.put_item(Item(SESSION_KIND, _digest(token), person.id,
                        {"expires": (now + dt.timedelta(days=SESSION_DAYS)).isoformat()}))
    store.update_person(person.id, last_sign_in=now.isoformat())
    g.new_session = token
    return token


def end_session() -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        lrs_app().store.delete_item(SESSION_KIND, _digest(token))
    g.new_session = ""


def end_all_sessions(person_id: int, keep: str | None = None) -> None:
    store = lrs_app().store
    for item in store.list_items(SESSION_KIND, person_id=person_id):
        if item.item_id != keep:
            store.delete_item(SESSION_KIND, item.item_id)


def current_session_id() -> str | None:
    token = request.cookies.get(SESSION_COOKIE)
    return _digest(token) if token else None


def _load_person():
    """Who is signed in, and their access (lrs.access): every page asks it about ownership."""
    g.person = None
    g.access = None
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return
    store = lrs_app().store
    item = store.get_item(SESSION_KIND, _digest(token))
    if item is None or item.body.get("expires", "") < _now().isoformat():
        return
    person = store.get_person_by_id(item.person_id)
    if person is None or person.disabled:  # disabling ends every session; one left over is no session
        return
    g.person = person
    g.access = Access.for_person(store, person)


def current_person():
    """The signed-in person, or None."""
    return g.get("person")


def current_access() -> Access | None:
    """The signed-in person's access, or None."""
    return g.get("access")


def _check_csrf():
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get("csrf_token", "")
    if not hmac.compare_digest(sent, csrf_token()):
        abort(400, description="this form has expired or did not come from this site; reload the page and try again")


def _visitor() -> str:
    if "visitor" not in g:
        g.visitor = request.cookies.get(VISITOR_COOKIE) or secrets.token_urlsafe(24)
    return g.visitor


def csrf_token() -> str:
    """A token bound to this browser's visitor cookie, keyed with the server's secret."""
    key = lrs_app().config.secret_key.encode()
    return hmac.new(key, ("csrf|" + _visitor()).encode(), hashlib.sha256).hexdigest()


def _headers(response):
    secure = lrs_app().config.secure_cookies
    if "new_session" in g:
        if g.new_session:
            response.set_cookie(SESSION_COOKIE, g.new_session, max_age=SESSION_DAYS * 86400, httponly=True,
                                samesite="Lax", secure=secure, path=PAGES)
        else:
            response.delete_cookie(SESSION_COOKIE, path=PAGES)
    if request.cookies.get(VISITOR_COOKIE) != _visitor():
        response.set_cookie(VISITOR_COOKIE, _visitor(), httponly=True, samesite="Lax", secure=secure, path=PAGES)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if not request.path.startswith(f"{PAGES}/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def page_blueprint(name: str, import_name: str, url_prefix: str = PAGES, **options) -> Blueprint:
    """A blueprint for a plugin's pages: sessions, CSRF and security headers come with it.

    Give it a ``url_prefix`` under ``/space`` (the session cookie's path); its ``templates``
    folder may extend ``base.html`` and import ``macros.html``; render with :func:`render`.
    """
    if url_prefix != PAGES and not url_prefix.startswith(PAGES + "/"):
        raise ValueError(f"pages live under {PAGES}/")
    options.setdefault("template_folder", "templates")
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix, **options)
    _attach(blueprint)
    return blueprint


def _attach(blueprint: Blueprint) -> None:
    blueprint.before_request(_load_person)
    blueprint.before_request(_check_csrf)
    blueprint.after_request(_headers)


_attach(bp)


# -- who may open a page ---------------------------------------------------------------------


def signed_in(view):
    """A page for a signed-in person; anyone else is sent to sign in, and back afterwards."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if g.person is None:
            return redirect(url_for(_pages().signin, next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def admin_only(view):
    """A page for administrators (people admin, invitations); they see no one's records."""
    @functools.wraps(view)
    @signed_in
    def wrapper(*args, **kwargs):
        if not g.access.may_administer():
            abort(403, description="only an administrator may open this page")
        return view(*args, **kwargs)

    return wrapper


# -- signing in through an identity provider (register_sign_in) ------------------------------


def sign_in_providers() -> dict:
    """Every way of signing in that plugins register, by name; a duplicate name is an error."""
    from lrs.plugins import named_registrations

    return named_registrations(lrs_app().pm.hook.register_sign_in(lrs=lrs_app()), "a sign-in provider")


@bp.route("/signin/<name>")
def sign_in_with(name: str):
    """Start signing in with a provider: its ``start`` answers (a redirect to the provider)."""
    provider = sign_in_providers().get(name)
    if provider is None:
        abort(404, description="no such way of signing in")
    return provider.start(next=safe_next(request.args.get("next")), invite=request.args.get("invite") or None)


def begin_sign_in(provider: str, **values) -> str:
    """Keep what a provider's sign-in needs back (nonce, PKCE verifier, where to go next) on the
    server, bound to this browser, for SIGN_IN_MINUTES; return the opaque ``state`` to send along."""
    store = lrs_app().store
    now = _now().isoformat()
    for stale in store.list_items(SIGN_IN_KIND):
        if stale.body.get("expires", "") < now:
            store.delete_item(SIGN_IN_KIND, stale.item_id)
    state = secrets.token_urlsafe(32)
    expires = (_now() + dt.timedelta(minutes=SIGN_IN_MINUTES)).isoformat()
    store.put_item(Item(SIGN_IN_KIND, _digest(state), None, {"provider": provider, "visitor": _digest(_visitor()),
                                                             "expires": expires, "values": values}))
    return state


def finish_sign_in(provider: str, state: str | None) -> dict:
    """The values :func:`begin_sign_in` kept for this ``state``, once: Forbidden when the state is
    unknown, used, expired, of another provider or begun in another browser (login CSRF)."""
    item = lrs_app().store.take_item(SIGN_IN_KIND, _digest(state)) if state else None
    if (item is None or item.body.get("provider") != provider or item.body.get("expires", "") < _now().isoformat()
            or not hmac.compare_digest(item.body.get("visitor", ""), _digest(_visitor()))):
        raise Forbidden("this sign-in was not started in this browser, was used already or took too long; "
                        "start again from the sign-in page")
    return item.body.get("values", {})


def complete_sign_in(assertion, values: dict):
    """End a provider's sign-in: the person its checked assertion (:class:`lrs.accounts.Assertion`)
    names, linked or made (lrs.accounts), gets a new session; then on to where they were going."""
    from lrs.accounts import person_for_assertion

    provider = sign_in_providers().get(assertion.provider)
    if provider is None:
        raise Forbidden("no such way of signing in")
    lrs = lrs_app()
    person = person_for_assertion(lrs.store, lrs.config, assertion, just_in_time=provider.just_in_time,
                                  invite_token=values.get("invite"), current=current_person())
    end_session()
    start_session(person)
    return redirect(safe_next(values.get("next")))


#: characters no path of ours holds and no Location header may: controls (CR, LF …) and the backslash
_UNSAFE_IN_URL = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next(target: str | None) -> str:
    """Only a path on this site's pages: never an open redirect, never a header split (CR/LF)."""
    if target and target.startswith(PAGES + "/") and not _UNSAFE_IN_URL.search(target):
        return target
    return url_for(_pages().home)


def public_link(endpoint: str, **values) -> str:
    """An absolute link to hand to someone (a mail, an invitation), on ``LRS_PUBLIC_URL``.

    Never on the request's Host header: the client chooses it, so a claimant could otherwise
    make the mail to someone else's address point at any site.
    """
    return lrs_app().config.public_origin + url_for(endpoint, **values)


@bp.app_template_test("web_url")
def web_url(value) -> bool:
    """Whether a URL from a statement may become a link: http(s) only, so a ``javascript:`` or
    ``data:`` URL a tool sent is shown as text and never runs."""
    if not isinstance(value, str) or _UNSAFE_IN_URL.search(value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


# -- the welcome page: what a browser finds at / and at the xAPI endpoint's root --------------------

welcome = Blueprint("welcome", __name__, template_folder="templates")


@welcome.route("/")
def index():
    """A small page for a person who opens the server's address: where the space and the docs are."""
    return _welcome()


def xapi_root():
    """The xAPI endpoint's root (``/xapi/``) is no resource: a browser gets the welcome page, a client 404."""
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) != "text/html":
        abort(404, description="no resource here; the xAPI resources are /statements, /activities/state …")
    return _welcome()


def _welcome():
    app = lrs_app()
    space = current_app.extensions.get("lrs.web")
    response = current_app.make_response(render_template(
        "welcome.html", config=app.config, space=url_for(space.home) if space else None,
        xapi=app.config.xapi_prefix + "/"))
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- installing the space as an app: the web app manifest and the service worker ---------------------


@functools.cache
def _static_files(folder: str) -> tuple[tuple[str, ...], str]:
    """The layout's static files (names under /space/static/) and a digest of their contents: the
    service worker's cache is named after it, so a changed file reaches every installed app."""
    root = Path(folder)
    names = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode() + b"\0" + (root / name).read_bytes())
    return tuple(names), digest.hexdigest()[:16]


@dataclass(frozen=True)
class QuickAdd:
    endpoint: str
    url: str
    title: str


def _quick_add() -> QuickAdd | None:
    """The quick-add page (its address, and the title of its panel), when a plugin named one."""
    pages = current_app.extensions.get("lrs.web")
    if pages is None or not pages.add:
        return None
    title = next((p.title for p in panels(lrs_app().pm) if p.endpoint == pages.add), "Add")
    return QuickAdd(pages.add, url_for(pages.add), title)


@bp.route("/manifest.webmanifest")
def manifest():
    """The web app manifest: the space installs as an app whose share target is the quick-add page
    (GET: what is shared only prefills its form)."""
    pages = current_app.extensions.get("lrs.web")
    scope = request.script_root + PAGES + "/"
    icon = functools.partial(url_for, "web.static")
    body = {
        "id": scope, "name": "Learnfolio", "short_name": "Learnfolio",
        "description": "My learning record: courses, reading, people, daily work and events, in one place of mine.",
        "start_url": url_for(pages.home) if pages else scope, "scope": scope, "display": "standalone",
        "background_color": "#fafaf7", "theme_color": "#1f5fa8",
        "icons": [{"src": icon(filename="icon-192.png"), "sizes": "192x192", "type": "image/png"},
                  {"src": icon(filename="icon-512.png"), "sizes": "512x512", "type": "image/png"},
                  {"src": icon(filename="icon-512.png"), "sizes": "512x512", "type": "image/png",
                   "purpose": "maskable"},
                  {"src": icon(filename="icon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    add = _quick_add()
    if add:
        body["share_target"] = {"action": add.url, "method": "GET", "enctype": "application/x-www-form-urlencoded",
                                "params": {"title": "title", "text": "text", "url": "url"}}
        body["shortcuts"] = [{"name": add.title, "url": add.url}]
    return current_app.response_class(json.dumps(body, indent=1), mimetype="application/manifest+json")


@bp.route("/sw.js")
def service_worker():
    """The service worker (scope /space/, the folder it is served from): it keeps ONLY the static
    files in its cache, never a page, so nothing of a person stays on a shared device after they
    sign out; when the network is gone a page is the static offline notice (docs/space.md)."""
    names, version = _static_files(bp.static_folder)
    body = render_template("sw.js", version=version,
                           static=[url_for("web.static", filename=name) for name in names],
                           offline=url_for("web.static", filename="offline.html"))
    response = current_app.response_class(body, mimetype="text/javascript")
    response.headers["Content-Security-Policy"] = WORKER_CSP
    return response


@bp.app_template_global()
def quick_add() -> QuickAdd | None:
    """The quick-add page for the layout's "+", or None."""
    return _quick_add()


def panels(pm):
    """Every registered panel in navigation order; a duplicate name is an error."""
    from lrs.plugins import named_registrations

    return sorted(named_registrations(pm.hook.register_panels(lrs=lrs_app()), "a panel").values(),
                  key=lambda p: (p.order, p.name))


def render(template: str, **values):
    """Render a page inside the layout (navigation from every plugin's panels)."""
    return render_template(template, person=g.get("person"), panels=panels(lrs_app().pm), csrf_token=csrf_token(),
                           **values)


@bp.app_template_global()
def has_endpoint(endpoint: str) -> bool:
    """Whether a page is served (the layout links only to pages some plugin serves)."""
    return endpoint in current_app.view_functions


@bp.app_template_global()
def home_url() -> str:
    return url_for(_pages().home)


@bp.app_template_global()
def signout_url() -> str:
    return url_for(_pages().signout)
