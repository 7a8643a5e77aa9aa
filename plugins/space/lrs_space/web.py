"""The space's web layer: its blueprint, sessions, CSRF, security headers and layout.

Sessions are server-side (an item of kind ``session`` per sign-in, found by the
SHA-256 of a random cookie), so signing out or changing a password ends them
for real, and signing in always starts a new one (no session fixation). Every
form carries a CSRF token bound to the visitor's cookie.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for

from lrs.access import Access
from lrs.plugins import panels
from lrs.store.base import Item

bp = Blueprint("space", __name__, url_prefix="/space", template_folder="templates", static_folder="static")

SESSION_COOKIE = "lf_session"
VISITOR_COOKIE = "lf_visitor"
SESSION_KIND = "session"
SESSION_DAYS = 14

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def ctx():
    return current_app.extensions["lrs"]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# -- sessions -------------------------------------------------------------------------


def start_session(person) -> str:
    """A new session for ``person``; the cookie is set on the response by ``after_request``."""
    token = secrets.token_urlsafe(32)
    expires = (_now() + dt.timedelta(days=SESSION_DAYS)).isoformat()
    ctx().store.put_item(Item(SESSION_KIND, _digest(token), person.id, {"expires": expires}))
    g.new_session = token
    return token


def end_session() -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        ctx().store.delete_item(SESSION_KIND, _digest(token))
    g.new_session = ""


def end_all_sessions(person_id: int, keep: str | None = None) -> None:
    store = ctx().store
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
    store = ctx().store
    item = store.get_item(SESSION_KIND, _digest(token))
    if item is None or item.body.get("expires", "") < _now().isoformat():
        return
    g.person = store.get_person_by_id(item.person_id)
    if g.person is not None:
        g.access = Access.for_person(store, g.person)


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
    key = ctx().config.secret_key.encode()
    return hmac.new(key, ("csrf|" + _visitor()).encode(), hashlib.sha256).hexdigest()


def _headers(response):
    secure = ctx().config.secure_cookies
    if "new_session" in g:
        if g.new_session:
            response.set_cookie(SESSION_COOKIE, g.new_session, max_age=SESSION_DAYS * 86400, httponly=True,
                                samesite="Lax", secure=secure, path="/space")
        else:
            response.delete_cookie(SESSION_COOKIE, path="/space")
    if request.cookies.get(VISITOR_COOKIE) != _visitor():
        response.set_cookie(VISITOR_COOKIE, _visitor(), httponly=True, samesite="Lax", secure=secure, path="/space")
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if not request.path.startswith("/space/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def space_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    """A blueprint for another plugin's pages in the space: same sessions, CSRF and headers.

    Give it a ``url_prefix`` under ``/space/`` (the session cookie's path) and a
    ``templates`` folder; render with :func:`render` so the page has the layout.
    """
    if not url_prefix.startswith("/space/"):
        raise ValueError("space pages live under /space/")
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix, template_folder="templates")
    blueprint.before_request(_load_person)
    blueprint.before_request(_check_csrf)
    blueprint.after_request(_headers)
    return blueprint


bp.before_request(_load_person)
bp.before_request(_check_csrf)
bp.after_request(_headers)


# -- access -----------------------------------------------------------------------------


def signed_in(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if g.person is None:
            return redirect(url_for("space.signin", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def admin_only(view):
    @functools.wraps(view)
    @signed_in
    def wrapper(*args, **kwargs):
        if not g.person.is_admin:
            abort(403, description="only an administrator may open this page")
        return view(*args, **kwargs)

    return wrapper


#: characters no path of ours holds and no Location header may: controls (CR, LF …) and the backslash
_UNSAFE_IN_URL = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next(target: str | None) -> str:
    """Only a path on this site's space: never an open redirect, never a header split (CR/LF)."""
    if target and target.startswith("/space/") and not _UNSAFE_IN_URL.search(target):
        return target
    return url_for("space.timeline")


def public_link(endpoint: str, **values) -> str:
    """An absolute link to hand to someone (a mail, an invitation), on ``LRS_PUBLIC_URL``.

    Never on the request's Host header: the client chooses it, so a claimant could otherwise
    make the mail to someone else's address point at any site.
    """
    return ctx().config.public_origin + url_for(endpoint, **values)


@bp.app_template_test("web_url")
def web_url(value) -> bool:
    """Whether a URL from a statement may become a link: http(s) only, so a ``javascript:`` or
    ``data:`` URL a tool sent is shown as text and never runs."""
    if not isinstance(value, str) or _UNSAFE_IN_URL.search(value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def render(template: str, **values):
    """Render a page inside the space's layout (navigation from every plugin's panels)."""
    return render_template(template, person=g.get("person"), panels=panels(ctx().pm), csrf_token=csrf_token(),
                           **values)


@bp.app_template_global()
def page_url(endpoint: str, page: int, args: dict, extra: dict) -> str:
    return url_for(endpoint, page=page, **{**args, **extra})
