"""Erase: a person deletes everything that is theirs. Voiding is not erasure."""

from __future__ import annotations

from flask import abort, g, redirect, request, url_for

from lrs import end_session, lrs_app, render, signed_in, verify_password
from lrs_space.records import Filters, count
from lrs_space.web import bp


@bp.route("/erase", methods=["GET", "POST"])
@signed_in
def erase():
    error = None
    store = lrs_app().store
    if request.method == "POST":
        if request.form.get("confirm", "") != g.person.username:
            error = "Type your username exactly to confirm."
        elif not verify_password(g.person.password_hash, request.form.get("password", "")):
            error = "The password is not right."
        else:
            if not g.access.may_erase(g.person.id):
                abort(403, description="only the person may erase their record")
            counts = store.erase_person(g.person.id, erased_home_page=lrs_app().config.erased_home_page)
            end_session()
            return redirect(url_for("space.erased", statements=counts["statements"],
                                    scrubbed=counts["statements_scrubbed"]))
    return render("erase.html", error=error, records=count(store, g.access.reach(), Filters()) or 0,
                  keys=len(store.list_credentials(person_id=g.person.id)),
                  identities=store.list_identities(g.person.id)), 400 if error else 200


@bp.route("/erased")
def erased():
    return render("erased.html", statements=request.args.get("statements", "0"),
                  scrubbed=request.args.get("scrubbed", "0"))
