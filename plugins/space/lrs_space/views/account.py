"""Sign-in, sign-out, sign-up (off, by invitation, or open) and password change."""

from __future__ import annotations

import datetime as dt
import hashlib

from flask import abort, g, redirect, request, url_for

from lrs.auth.passwords import hash_password, verify_password
from lrs.auth.personal import create_person
from lrs.errors import LRSError
from lrs.store.base import Item
from lrs_space.people import INVITE
from lrs_space.web import (
    bp,
    ctx,
    current_session_id,
    end_all_sessions,
    end_session,
    render,
    safe_next,
    signed_in,
    start_session,
)

#: a hash to check against when the username is unknown, so both cases take as long
_DUMMY_HASH = hash_password("not a real password, only for timing")
#: failed sign-ins allowed per username in the window before sign-in is paused for it
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
FAILURES = "signin-failures"


def _failures(username: str) -> Item:
    item_id = hashlib.sha256(username.lower().encode()).hexdigest()
    found = ctx().store.get_item(FAILURES, item_id)
    now = dt.datetime.now(dt.timezone.utc)
    if found is None or found.body.get("since", "") < (now - FAILURE_WINDOW).isoformat():
        return Item(FAILURES, item_id, None, {"since": now.isoformat(), "count": 0})
    return found


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        failures = _failures(username)
        if failures.body["count"] >= MAX_FAILURES:
            error = "Too many failed sign-ins for this username; try again in 15 minutes."
            return render("signin.html", error=error, signup=ctx().config.signup), 429
        person = ctx().store.get_person(username)
        ok = verify_password(person.password_hash if person else _DUMMY_HASH, password)
        if person and ok:
            ctx().store.delete_item(FAILURES, failures.item_id)
            end_session()
            start_session(person)
            return redirect(safe_next(request.args.get("next")))
        failures.body["count"] += 1
        ctx().store.put_item(failures)
        error = "That username and password do not match an account."
    return render("signin.html", error=error, signup=ctx().config.signup), 401 if error else 200


@bp.route("/signout", methods=["POST"])
def signout():
    end_session()
    return redirect(url_for("space.signin"))


def _invite(token: str | None):
    if not token:
        return None
    return ctx().store.get_item(INVITE, hashlib.sha256(token.encode()).hexdigest())


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    mode = ctx().config.signup
    token = request.values.get("invite")
    invite = _invite(token)
    if mode == "off" or (mode == "invite" and invite is None):
        abort(403, description="sign-up needs an invitation from an administrator" if mode == "invite"
              else "sign-up is turned off here; ask an administrator for an account")
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        if password != request.form.get("password2", ""):
            error = "The two passwords differ."
        else:
            try:
                person = create_person(ctx().store, ctx().config, username, password,
                                       email=(invite.body.get("email") if invite else None))
            except LRSError as e:
                error = e.message
            else:
                if invite is not None:
                    ctx().store.delete_item(INVITE, invite.item_id)
                start_session(person)
                return redirect(url_for("space.timeline"))
    return render("signup.html", error=error, invite=token), 400 if error else 200


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def password():
    error = done = None
    if request.method == "POST":
        new = request.form.get("new", "")
        if not verify_password(g.person.password_hash, request.form.get("current", "")):
            error = "The current password is not right."
        elif new != request.form.get("new2", ""):
            error = "The two new passwords differ."
        elif len(new) < 10:
            error = "A password needs at least 10 characters."
        else:
            ctx().store.update_person(g.person.id, password_hash=hash_password(new))
            end_all_sessions(g.person.id, keep=current_session_id())
            done = "Your password is changed; every other session is signed out."
    return render("password.html", error=error, done=done), 400 if error else 200
