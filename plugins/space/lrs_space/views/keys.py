"""My keys: personal xAPI credentials for my own tools, made, named and revoked by me."""

from __future__ import annotations

import datetime as dt

from flask import abort, g, redirect, request, url_for

from lrs.auth.personal import create_personal_key
from lrs_space.web import bp, ctx, render, signed_in


@bp.route("/keys", methods=["GET", "POST"])
@signed_in
def keys():
    store = ctx().store
    created = None
    if request.method == "POST":
        name = request.form.get("name", "").strip() or "my tool"
        credential, secret = create_personal_key(store, ctx().config, g.person, name)
        created = {"key": credential.key, "secret": secret, "name": credential.name}
    endpoint = request.host_url.rstrip("/") + ctx().config.xapi_prefix + "/"
    mine = store.list_credentials(person_id=g.person.id)
    return render("keys.html", keys=mine, created=created, endpoint=endpoint), 201 if created else 200


@bp.route("/keys/<key>/revoke", methods=["POST"])
@signed_in
def key_revoke(key):
    credential = ctx().store.get_credential(key)
    if not g.access.owns_credential(credential):
        abort(404, description="not found")
    ctx().store.revoke_credential(key, dt.datetime.now(dt.timezone.utc).isoformat())
    return redirect(url_for("space.keys"))
