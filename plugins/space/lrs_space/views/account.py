"""Sign-in (passwords, and the identity providers plugins register), sign-out, sign-up (off, by
invitation, or open), password change, and password reset by mail."""

from __future__ import annotations

import datetime as dt
import hashlib

from flask import abort, g, redirect, request, url_for

from lrs import (
    LRSError, create_person, current_session_id, end_all_sessions, end_session, hash_password, invitation,
    issue_reset, lrs_app, person_with_address, public_link, render, reset_request, safe_next, sign_in_providers,
    signed_in, start_session, take_invitation, take_reset, verify_invited_address, verify_password,
)
from lrs_space.mail import mail_configured, send_mail
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


def _signin_page(error=None, status=200, headers=None):
    config = lrs_app().config
    providers = sorted(sign_in_providers().values(), key=lambda p: p.title)
    return render("signin.html", error=error, signup=config.signup, passwords=config.passwords, providers=providers,
                  next=request.args.get("next", ""), mail=mail_configured(config)), status, headers or {}


def _passwords_on():
    if not lrs_app().config.passwords:
        abort(403, description="passwords are turned off here; sign in with your organisation's account")


@bp.route("/signin", methods=["GET", "POST"])
def signin():
    error = None
    if request.method == "POST":
        _passwords_on()
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        admitted, counted = _admit(username, request.remote_addr or "")
        if not admitted:
            error = "Too many failed sign-ins from here or for this username; try again in 15 minutes."
            return _signin_page(error, 429, {"Retry-After": str(int(WINDOW.total_seconds()))})
        person = lrs_app().store.get_person(username)
        ok = verify_password(person.password_hash if person else _DUMMY_HASH, password)
        if person and ok:
            for kind, key in counted:  # a right password uses up no one's allowance
                lrs_app().store.uncount_attempt(kind, key)
            if person.disabled:
                return _signin_page("This account is disabled; an administrator can re-enable it.", 403)
            end_session()
            start_session(person)
            return redirect(safe_next(request.args.get("next")))
        error = "That username and password do not match an account."
    return _signin_page(error, 401 if error else 200)


@bp.route("/signout", methods=["POST"])
def signout():
    end_session()
    return redirect(url_for("space.signin"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    config = lrs_app().config
    mode = config.signup
    token = request.values.get("invite")
    invite = invitation(lrs_app().store, token)
    if mode == "off" or (mode == "invite" and invite is None):
        abort(403, description="sign-up needs an invitation from an administrator" if mode == "invite"
              else "sign-up is turned off here; ask an administrator for an account")
    error = None
    providers = sorted(sign_in_providers().values(), key=lambda p: p.title)
    if request.method == "POST":
        _passwords_on()
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        if password != request.form.get("password2", ""):
            error = "The two passwords differ."
        else:
            store = lrs_app().store
            # used up before the account is made: of sign-ups racing on one invitation, one gets it
            taken = take_invitation(store, invite) if invite is not None else None
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
                if taken is not None:  # the link came to that mailbox: the address is theirs
                    verify_invited_address(store, person, taken)
                start_session(person)
                return redirect(url_for("space.timeline"))
    return render("signup.html", error=error, invite=token, passwords=config.passwords,
                  providers=providers), 400 if error else 200


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def password():
    _passwords_on()
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


# -- password reset -------------------------------------------------------------------------------

#: what "Forgot password" answers, whether or not the address is someone's (it tells no one which)
FORGOT_ANSWER = ("If that address is a verified identity of an account here, a link to choose a new password "
                 "is on its way to it. The link works once, within 30 minutes.")
#: requests for a reset mail from one client address per window (each sends mail to someone)
FORGOT_LIMIT = 10


@bp.route("/password/forgot", methods=["GET", "POST"])
def password_forgot():
    """Ask for a reset link by mail: the same answer for every address, mail only to a verified one."""
    _passwords_on()
    config = lrs_app().config
    if not mail_configured(config):
        abort(404, description="this site sends no mail; ask an administrator to send you a reset link")
    done = None
    if request.method == "POST":
        address = request.form.get("email", "").strip()[:200]
        store = lrs_app().store
        counted = store.count_attempt("reset-address", _digest(request.remote_addr or ""), WINDOW.total_seconds())
        person = person_with_address(store, address) if counted <= FORGOT_LIMIT else None
        if person is not None:
            send_reset_mail(person, address)
        done = FORGOT_ANSWER
    return render("forgot.html", done=done)


def send_reset_mail(person, address: str) -> bool:
    """Mail ``person`` a one-time link to choose a new password (on LRS_PUBLIC_URL); False if it failed."""
    link = public_link("space.password_reset", token=issue_reset(lrs_app().store, person))
    try:
        send_mail(lrs_app().config, address, "Choose a new Learnfolio password",
                  f"Someone asked to reset the password of the Learnfolio account {person.username}.\n"
                  f"If that was you, open this link within 30 minutes and choose a new password:\n\n{link}\n\n"
                  "The link works once. If it was not you, ignore this message: nothing changes.")
    except OSError:
        return False
    return True


@bp.route("/password/reset", methods=["GET", "POST"])
def password_reset():
    """The mailed (or handed-over) link: choose a new password; the token is used up by the change."""
    _passwords_on()
    store = lrs_app().store
    token = request.values.get("token", "")
    item = reset_request(store, token)
    if item is None:
        abort(404, description="this reset link is unknown, used or expired; ask for a new one")
    person = store.get_person_by_id(item.person_id)
    if person is None or person.disabled:
        abort(403, description="this account is disabled; an administrator can re-enable it")
    error = None
    if request.method == "POST":
        new = request.form.get("new", "")
        if new != request.form.get("new2", ""):
            error = "The two new passwords differ."
        elif len(new) < 10:
            error = "A password needs at least 10 characters."
        elif take_reset(store, token) is None:  # used meanwhile, in another tab
            abort(404, description="this reset link is unknown, used or expired; ask for a new one")
        else:
            store.update_person(person.id, password_hash=hash_password(new))
            end_all_sessions(person.id)
            end_session()
            return render("error.html", status=200, message="Your password is changed and every session of yours "
                          "is signed out. Sign in with the new password.")
    return render("reset.html", token=token, username=person.username, error=error), 400 if error else 200
