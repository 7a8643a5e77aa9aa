"""Administration: invitations and the verification of claimed identities."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import g, redirect, request, url_for

from lrs import admin_only, Item, lrs_app, LRSError, public_link, render
from lrs_space.people import INVITE
from lrs_space.web import bp

INVITE_DAYS = 14


@bp.route("/admin", methods=["GET", "POST"])
@admin_only
def admin():
    store = lrs_app().store
    link = error = None
    if request.method == "POST":
        token = secrets.token_urlsafe(24)
        expires = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=INVITE_DAYS)).isoformat()
        store.put_item(Item(INVITE, hashlib.sha256(token.encode()).hexdigest(), g.person.id,
                            {"email": request.form.get("email", "").strip()[:200] or None, "expires": expires}))
        link = public_link("space.signup", invite=token)
    people = {p.id: p for p in store.list_people()}
    pending = [(i, people.get(i.person_id)) for i in store.list_identities(verified=False)]
    return render("admin.html", link=link, error=error, pending=pending, people=list(people.values()),
                  invites=store.list_items(INVITE))


@bp.route("/admin/verify", methods=["POST"])
@admin_only
def admin_verify():
    try:
        lrs_app().store.verify_identity(int(request.form.get("person_id", "0")), request.form.get("key", ""),
                                    f"admin:{g.person.username}")
    except (LRSError, ValueError):
        pass  # someone else holds it verified: the claim stays pending and shows so
    return redirect(url_for("space.admin"))
