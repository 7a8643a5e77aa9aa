"""My keys: personal xAPI credentials for my own tools, made, named and revoked by me."""

from __future__ import annotations

import datetime as dt

from flask import abort, g, redirect, request, url_for

from lrs import create_personal_key, lrs_app, render, signed_in
from lrs_space.actors import actors, curl_line, endpoint
from lrs_space.web import bp


@bp.route("/keys", methods=["GET", "POST"])
@signed_in
def keys():
    store = lrs_app().store
    created = None
    mine = actors(g.person, store.list_identities(g.person.id))
    if request.method == "POST":
        name = request.form.get("name", "").strip() or "my tool"
        credential, secret = create_personal_key(store, lrs_app().config, g.person, name)
        created = {"key": credential.key, "secret": secret, "name": credential.name,
                   "curl": curl_line(_first_actor(g.person, store), credential.key, secret)}
    keys = store.list_credentials(person_id=g.person.id)
    others = [row for rows in lrs_app().pm.hook.key_rows(person=g.person, lrs=lrs_app()) for row in rows or ()]
    return render("keys.html", keys=keys, others=others, created=created, endpoint=endpoint(), actors=mine), \
        201 if created else 200


def _first_actor(person, store) -> dict:
    import json

    found = actors(person, store.list_identities(person.id))
    return json.loads(found[0]["json"]) if found else {"objectType": "Agent", "name": person.username}


@bp.route("/keys/<key>/revoke", methods=["POST"])
@signed_in
def key_revoke(key):
    credential = lrs_app().store.get_credential(key)
    if not g.access.owns_credential(credential):
        abort(404, description="not found")
    lrs_app().store.revoke_credential(key, dt.datetime.now(dt.timezone.utc).isoformat())
    return redirect(url_for("space.keys"))
