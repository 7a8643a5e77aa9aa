"""Sign-in, sign-out, sign-up (off, by invitation, or open) and password change."""

from __future__ import annotations

import datetime as dt
import hashlib

from flask import abort, g, redirect, request, url_for

from lrs import (
    LRSError, create_person, current_session_id, end_all_sessions, end_session, hash_password, lrs_app, render,
    safe_next, signed_in, start_session, verify_password,
)
from lrs_space.people import INVITE
from lrs_space.web import bp

#: a hash to check against when the username is unknown, so both cases take as long
_DUMMY_HASH = hash_password("not a real password, only for timing")

#: Sign-in limits (docs/security.md, "Sign-in limits"), each per window. Every attempt is counted
#: before its password is checked, so parallel guesses are each counted; one with the right password
#: is then taken back. The per-username limit is reached only from several addresses together: one
#: address alone is stopped at USERNAME_PER_ADDRESS_LIMIT, so a stranger cannot lock a colleague out.
WINDOW = dt.timedelta(minutes=15)
#: sign-ins from one client address, whatever the usernames (spraying one password over many people)
ADDRESS_LIMIT = 20
#: password checks for one username from one address
USERNAME_PER_ADDRESS_LIMIT = 5
#: password checks for one username from every address together (guessing from many machines)
USERNAME_LIMIT = 30


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _limits(username: str, address: str) -> list[tuple[str, str, int]]:
    """(counter kind, key, limit), in the order they are counted: an attempt refused by one is not
    counted by the next, so the per-username counter sees at most USERNAME_PER_ADDRESS_LIMIT a window
    from each address."""
    name = username.lower()
    return [("signin-address", _digest(address), ADDRESS_LIMIT),
            ("signin-username-address", _digest(name, address), USERNAME_PER_ADDRESS_LIMIT),
            ("signin-username", _digest(name), USERNAME_LIMIT)]


def _admit(username: str, address: str) -> tuple[bool, list[tuple[str, str]]]:
    """Count the attempt against each limit in turn; whether a password may be checked, and what was counted."""
    store = lrs_app().store
    counted = []
    for kind, key, limit in _limits(username, address):
        counted.append((kind, key))
        if store.count_attempt(kind, key, WINDOW.total_seconds()) > limit:
            return False, counted
    return True, counted


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    error = None
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        admitted, counted = _admit(username, request.remote_addr or "")
        if not admitted:
            error = "Too many failed sign-ins from here or for this username; try again in 15 minutes."
            return (render("signin.html", error=error, signup=lrs_app().config.signup), 429,
                    {"Retry-After": str(int(WINDOW.total_seconds()))})
        person = lrs_app().store.get_person(username)
        ok = verify_password(person.password_hash if person else _DUMMY_HASH, password)
        if person and ok:
            for kind, key in counted:  # a right password uses up no one's allowance
                lrs_app().store.uncount_attempt(kind, key)
            end_session()
            start_session(person)
            return redirect(safe_next(request.args.get("next")))
        error = "That username and password do not match an account."
    return render("signin.html", error=error, signup=lrs_app().config.signup), 401 if error else 200


@bp.route("/signout", methods=["POST"])
def signout():
    end_session()
    return redirect(url_for("space.signin"))


def _invite(token: str | None):
    """The invitation a link carries, while it is unused and unexpired."""
    if not token:
        return None
    invite = lrs_app().store.get_item(INVITE, hashlib.sha256(token.encode()).hexdigest())
    if invite is None or invite.body.get("expires", "") < dt.datetime.now(dt.timezone.utc).isoformat():
        return None
    return invite


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    mode = lrs_app().config.signup
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
            store = lrs_app().store
            # used up before the account is made: of sign-ups racing on one invitation, one gets it
            taken = store.take_item(INVITE, invite.item_id) if invite is not None else None
            if invite is not None and taken is None:
                abort(403, description="this invitation has just been used; ask an administrator for another")
            try:
                person = create_person(store, lrs_app().config, username, password,
                                       email=(taken.body.get("email") if taken else None))
            except LRSError as e:
                if taken is not None:
                    store.put_item(taken)  # nobody signed up with it: it stays good for another try
                error = e.message
            else:
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
            lrs_app().store.update_person(g.person.id, password_hash=hash_password(new))
            end_all_sessions(g.person.id, keep=current_session_id())
            done = "Your password is changed; every other session is signed out."
    return render("password.html", error=error, done=done), 400 if error else 200
