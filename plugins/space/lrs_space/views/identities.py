"""My identities: the agent identifiers whose statements are mine, once verified."""

from __future__ import annotations

from flask import g, redirect, request, url_for

from lrs.errors import LRSError
from lrs.xapi.validation import validate_agent
from lrs_space.web import bp, ctx, render, signed_in


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
    store = ctx().store
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
            done = "Claimed. An administrator verifies it; until then its statements are not in your space."
    return render("identities.html", identities=store.list_identities(g.person.id), error=error,
                  done=done), 400 if error else 200


@bp.route("/identities/remove", methods=["POST"])
@signed_in
def identity_remove():
    key = request.form.get("key", "")
    ours = {i.key: i for i in ctx().store.list_identities(g.person.id)}
    if key in ours and ours[key].verified_by != "signup":
        ctx().store.remove_identity(g.person.id, key)
    return redirect(url_for("space.identities"))


