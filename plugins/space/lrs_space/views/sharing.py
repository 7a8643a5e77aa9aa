"""Sharing: a person shows all or a chosen part of their records to another person, read-only.

A share names what it covers (everything, or ways of learning, tags, goals).
The other person sees exactly the records it covers and nothing else; the
owner revokes it at any time.
"""

from __future__ import annotations

import secrets

from flask import abort, g, redirect, request, url_for

from lrs import Access, Item, lrs_app, render, signed_in, store_wide_readers
from lrs_space.people import SHARE, find_record, goals_of, own_item, records_for
from lrs_space.records import Filters, page_of
from lrs_space.views.goals import progress
from lrs_space.views.timeline import attachment_response
from lrs_space.ways import WAYS
from lrs_space.web import bp


def covers(share: Item, record, goals_by_id) -> bool:
    scope = share.body.get("scope", {})
    if scope.get("all"):
        return True
    if record.way in scope.get("ways", []):
        return True
    if set(record.tags) & set(scope.get("tags", [])):
        return True
    return any(record.id in goals_by_id[gid].body.get("statement_ids", [])
               for gid in scope.get("goals", []) if gid in goals_by_id)


def shared_records(access: Access):
    """What a share lets its viewer read: the owner's records (the gate's reach), as far as the share covers."""
    share = access.share
    goals_by_id = {goal.item_id: goal for goal in goals_of(share.person_id)}
    return [r for r in records_for(access) if covers(share, r, goals_by_id)]


def describe(scope: dict, goal_titles: dict) -> str:
    if scope.get("all"):
        return "everything"
    parts = [WAYS[w] for w in scope.get("ways", []) if w in WAYS]
    parts += [f"tag “{t}”" for t in scope.get("tags", [])]
    parts += [f"goal “{goal_titles.get(gid, '?')}”" for gid in scope.get("goals", [])]
    return "; ".join(parts) or "nothing"


@bp.route("/sharing", methods=["GET", "POST"])
@signed_in
def sharing():
    store = lrs_app().store
    error = None
    my_goals = goals_of(g.person.id)
    titles = {goal.item_id: goal.body.get("title", "") for goal in my_goals}
    if request.method == "POST":
        username = request.form.get("username", "").strip()[:64]
        viewer = store.get_person(username)
        scope = {"all": request.form.get("all") == "1",
                 "ways": [w for w in request.form.getlist("ways") if w in WAYS],
                 "tags": [t.strip() for t in request.form.get("tags", "").split(",") if t.strip()][:20],
                 "goals": [gid for gid in request.form.getlist("goals") if gid in titles]}
        if not username or username == g.person.username:
            error = "Give the username of the person to share with (not your own)."
        elif not (scope["all"] or scope["ways"] or scope["tags"] or scope["goals"]):
            error = "Choose what to share: everything, or some ways of learning, tags or goals."
        else:
            # Shared with no one when nobody has that username: listed and revocable like any share,
            # so the answer does not tell who has an account here; it refers to no person (ref None),
            # so it never shows anything to anyone, whoever takes the username later.
            store.put_item(Item(SHARE, secrets.token_hex(12), g.person.id,
                                {"viewer": viewer.username if viewer else username,
                                 "viewer_id": viewer.id if viewer else None, "scope": scope},
                                ref=f"person:{viewer.id}" if viewer else None))
            return redirect(url_for("space.sharing"))
    mine = [(share, describe(share.body["scope"], titles)) for share in store.list_items(SHARE, person_id=g.person.id)]
    with_me = []
    for share in store.list_items(SHARE, ref=f"person:{g.person.id}"):
        owner = store.get_person_by_id(share.person_id)
        if owner is not None:
            owner_titles = {goal.item_id: goal.body.get("title", "") for goal in goals_of(owner.id)}
            with_me.append((share, owner.username, describe(share.body["scope"], owner_titles)))
    readers = [c for c in store.list_credentials()
               if c.person_id is None and not c.revoked and {"statements/read", "all/read", "all"} & set(c.scopes)]
    return render("sharing.html", mine=mine, with_me=with_me, ways=WAYS, goals=my_goals, error=error,
                  readers=readers, set_up=store_wide_readers(lrs_app())), 400 if error else 200


@bp.route("/sharing/<share_id>/revoke", methods=["POST"])
@signed_in
def share_revoke(share_id):
    own_item(SHARE, share_id)
    lrs_app().store.delete_item(SHARE, share_id)
    return redirect(url_for("space.sharing"))


def _share_for_me(share_id: str) -> Access:
    """The access a share made to the signed-in person gives; 404 for any other (theirs to others, or none)."""
    store = lrs_app().store
    access = Access.for_share(store, store.get_item(SHARE, share_id), g.person)
    if access is None:
        abort(404, description="not found")
    return access


@bp.route("/shared/<share_id>/")
@signed_in
def shared(share_id):
    access = _share_for_me(share_id)
    share = access.share
    owner = lrs_app().store.get_person_by_id(share.person_id)
    records = shared_records(access)
    filters = Filters.from_args(request.args)
    shown = filters.apply(records)
    try:
        number = int(request.args.get("page", "1"))
    except ValueError:
        number = 1
    page, pages = page_of(shown, number)
    scope = share.body.get("scope", {})
    goals_by_id = {goal.item_id: goal for goal in goals_of(share.person_id)}
    by_id = {r.id: r for r in records}
    goals = [(goals_by_id[gid], progress(goals_by_id[gid], by_id)) for gid in scope.get("goals", [])
             if gid in goals_by_id]
    if scope.get("all"):
        goals = [(goal, progress(goal, by_id)) for goal in goals_by_id.values()]
    return render("shared.html", share=share, owner=owner, records=page, matched=len(shown), page=number,
                  pages=pages, ways=WAYS, goals=goals, filters=filters,
                  described=describe(scope, {k: v.body.get("title", "") for k, v in goals_by_id.items()}))


@bp.route("/shared/<share_id>/records/<statement_id>")
@signed_in
def shared_record(share_id, statement_id):
    access = _share_for_me(share_id)
    share = access.share
    record = find_record(shared_records(access), statement_id)
    owner = lrs_app().store.get_person_by_id(share.person_id)
    return render("record.html", record=record, ways=WAYS, goals=[], linked=[], raw=None, share=share, owner=owner)


@bp.route("/shared/<share_id>/records/<statement_id>/attachments/<sha2>")
@signed_in
def shared_attachment(share_id, statement_id, sha2):
    access = _share_for_me(share_id)
    return attachment_response(find_record(shared_records(access), statement_id), sha2, access)


