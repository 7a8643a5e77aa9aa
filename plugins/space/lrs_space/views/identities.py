"""My identities: the agent identifiers whose statements are mine, once verified."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import abort, g, redirect, request, url_for

from lrs import (
    agent_key, Item, lrs_app, LRSError, public_link, render, sign_in_providers, signed_in, validate_agent,
)
from lrs_space.actors import actors, endpoint
from lrs_space.mail import mail_configured, send_mail
from lrs_space.web import bp

MAIL_VERIFY = "mail-verify"
VERIFY_HOURS = 24


def claimed_agent(form) -> dict:
    kind = form.get("kind")
    if kind == "mbox":
        address = form.get("email", "").strip()
        agent = {"objectType": "Agent", "mbox": f"mailto:{address}"}
    elif kind == "account":
        agent = {"objectType": "Agent", "account": {"homePage": form.get("home_page", "").strip(),
                                                   "name": form.get("account_name", "").strip()}}
    else:
        raise ValueError("Choose an e-mail address or an account.")
    try:
        validate_agent(agent, version="2.0.0", location="identity")
    except LRSError as e:
        raise ValueError(f"That is not a valid identifier: {e.message}") from None
    return agent


@bp.route("/identities", methods=["GET", "POST"])
@signed_in
def identities():
    store = lrs_app().store
    error = done = None
    if request.method == "POST":
        try:
            agent = claimed_agent(request.form)
            store.add_identity(g.person.id, agent)
        except ValueError as e:
            error = str(e)
        except LRSError as e:
            error = f"That identifier cannot be claimed: {e.message}."
        else:
            if "mbox" in agent and mail_configured(lrs_app().config):
                done = _send_verification(agent)
            else:
                done = "Claimed. An administrator verifies it; until then its statements are not in your space."
    mine = store.list_identities(g.person.id)
    return render("identities.html", identities=mine, error=error, done=done, actors=actors(g.person, mine),
                  endpoint=endpoint(), providers=sorted(sign_in_providers().values(), key=lambda p: p.title)), \
        400 if error else 200


def _send_verification(agent: dict) -> str:
    token = secrets.token_urlsafe(24)
    expires = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=VERIFY_HOURS)).isoformat()
    lrs_app().store.put_item(Item(MAIL_VERIFY, _token_id(token), g.person.id, {"agent": agent, "expires": expires}))
    link = public_link("space.identity_verify", token=token)
    address = agent["mbox"][len("mailto:"):]
    try:
        send_mail(lrs_app().config, address, "Confirm your address for Learnfolio",
                  f"{g.person.username} claimed this address in their Learnfolio learning space.\n"
                  f"If that is you, open this link within {VERIFY_HOURS} hours and, signed in as "
                  f"{g.person.username}, press Confirm:\n\n{link}\n\n"
                  "If not, ignore this message: nothing changes.")
    except OSError:
        return "Claimed, but the confirmation mail could not be sent; an administrator can verify it instead."
    return f"Claimed. We sent a link to {address}: open it to confirm the address is yours."


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@bp.route("/identities/verify", methods=["GET", "POST"])
def identity_verify():
    """The link from the confirmation mail. Opening it changes nothing, since mail scanners open
    links; the claimant confirms with a POST, signed in: it takes the mailbox and the account."""
    store = lrs_app().store
    token = request.values.get("token", "")
    item = store.get_item(MAIL_VERIFY, _token_id(token))
    if item is None or item.body.get("expires", "") < dt.datetime.now(dt.timezone.utc).isoformat():
        abort(404, description="this confirmation link is unknown or expired; claim the address again")
    address = item.body["agent"]["mbox"][len("mailto:"):]
    if request.method == "GET":
        claimant = g.access is not None and g.access.owns_item(item)
        return render("verify.html", address=address, token=token, claimant=claimant)
    if g.person is None:
        return redirect(url_for("space.signin", next=url_for("space.identity_verify", token=token)))
    if not g.access.owns_item(item):
        abort(403, description="this link confirms an address another account claimed; sign in as that account "
                               "to confirm it")
    if store.take_item(MAIL_VERIFY, item.item_id) is None:  # confirmed meanwhile, in another tab
        abort(404, description="this confirmation link is unknown or expired; claim the address again")
    try:
        store.verify_identity(item.person_id, agent_key(item.body["agent"]), "mail")
    except LRSError as error:
        abort(409, description=error.message)
    return render("error.html", status=200, message="Thank you: the address is confirmed. Its statements are now "
                  "in your learning space.")


@bp.route("/identities/remove", methods=["POST"])
@signed_in
def identity_remove():
    key = request.form.get("key", "")
    ours = {i.key: i for i in lrs_app().store.list_identities(g.person.id)}
    if key in ours and ours[key].verified_by != "signup":
        lrs_app().store.remove_identity(g.person.id, key)
    return redirect(url_for("space.identities"))


