"""Sharing: a person shows all or a chosen part of their records to another person, read-only.

A share names what it covers (everything, or ways of learning, tags, goals), judged on the
records as the person sees them (their corrections of way and tags included); hidden records
are in no share. The other person sees exactly the records it covers and nothing else, and
is told of a new share on their timeline; the owner previews how many records a share will
show before making it, and revokes it at any time (after a confirmation).
"""

from __future__ import annotations

import secrets

from flask import abort, g, redirect, request, url_for
from werkzeug.datastructures import MultiDict

from lrs import Access, Item, lrs_app, render, signed_in, store_wide_readers
from lrs_space.people import (
    SHARE, SHARE_SEEN, goals_of, hidden_count, own_item, reader_for, record_of, records_for,
)
from lrs_space.records import Filters, browse, count, position_arg
from lrs_space.views.goals import progress_of
from lrs_space.views.timeline import attachment_response
from lrs_space.ways import WAYS
from lrs_space.web import bp


def covers(share: Item, record, goals_by_id) -> bool:
    scope = share.body.get("scope", {})
    if record.hidden:
        return False
    if scope.get("all"):
        return True
    if record.way in scope.get("ways", []):
        return True
    if set(record.tags) & set(scope.get("tags", [])):
        return True
    return any(record.id in goals_by_id[gid].body.get("statement_ids", [])
               for gid in scope.get("goals", []) if gid in goals_by_id)


def _covering(share: Item, person_id: int):
    goals_by_id = {goal.item_id: goal for goal in goals_of(person_id)}
    return lambda record: covers(share, record, goals_by_id)


def shared_records(access: Access):
    """What a share lets its viewer read: the owner's records (the gate's reach), as far as the share covers."""
    return records_for(access, keep=_covering(access.share, access.share.person_id))


def describe(scope: dict, goal_titles: dict) -> str:
    if scope.get("all"):
        return "everything"
    parts = [WAYS[w] for w in scope.get("ways", []) if w in WAYS]
    parts += [f"tag “{t}”" for t in scope.get("tags", [])]
    parts += [f"goal “{goal_titles.get(gid, '?')}”" for gid in scope.get("goals", [])]
    return "; ".join(parts) or "nothing"


def _scope(form, titles: dict) -> dict:
    return {"all": form.get("all") == "1",
            "ways": [w for w in form.getlist("ways") if w in WAYS],
            "tags": [t.strip().lstrip("#") for t in form.get("tags", "").split(",") if t.strip()][:20],
            "goals": [gid for gid in form.getlist("goals") if gid in titles]}


@bp.route("/sharing", methods=["GET", "POST"])
@signed_in
def sharing():
    store = lrs_app().store
    error = preview = None
    my_goals = goals_of(g.person.id)
    titles = {goal.item_id: goal.body.get("title", "") for goal in my_goals}
    form = MultiDict()
    if request.method == "POST":
        form = request.form
        username = request.form.get("username", "").strip()[:64]
        scope = _scope(request.form, titles)
        if not username or username == g.person.username:
            error = "Give the username of the person to share with (not your own)."
        elif not (scope["all"] or scope["ways"] or scope["tags"] or scope["goals"]):
            error = "Choose what to share: everything, or some ways of learning, tags or goals."
        elif request.form.get("action") == "preview":
            share = Item(SHARE, "preview", g.person.id, {"scope": scope})
            shown = records_for(g.access, keep=_covering(share, g.person.id))
            total = count(store, g.access.reach(), Filters(), hidden_count(g.access, Filters()))
            preview = {"count": len(shown), "total": total, "username": username,
                       "described": describe(scope, titles), "examples": shown[:5]}
        else:
            viewer = store.get_person(username)
            # Shared with no one when nobody has that username: listed and revocable like any share,
            # so the answer does not tell who has an account here; it refers to no person (ref None),
            # so it never shows anything to anyone, whoever takes the username later.
            store.put_item(Item(SHARE, secrets.token_hex(12), g.person.id,
                                {"viewer": viewer.username if viewer else username,
                                 "viewer_id": viewer.id if viewer else None, "scope": scope},
                                ref=f"person:{viewer.id}" if viewer else None))
            return redirect(url_for("space.sharing", shared=1))  # the same answer whoever has that username
    mine = [(share, describe(share.body["scope"], titles)) for share in store.list_items(SHARE, person_id=g.person.id)]
    with_me = []
    for share in store.list_items(SHARE, ref=f"person:{g.person.id}"):
        owner = store.get_person_by_id(share.person_id)
        if owner is not None:
            owner_titles = {goal.item_id: goal.body.get("title", "") for goal in goals_of(owner.id)}
            with_me.append((share, owner.username, describe(share.body["scope"], owner_titles)))
    readers = [c for c in store.list_credentials()
               if c.person_id is None and not c.revoked and {"statements/read", "all/read", "all"} & set(c.scopes)]
    done = None
    if request.args.get("shared"):
        done = "Shared: it is listed under “What I share”, where you can revoke it."
    elif request.args.get("revoked"):
        done = f"Sharing with {request.args['revoked']} is revoked: they see nothing of yours any more."
    return render("sharing.html", mine=mine, with_me=with_me, ways=WAYS, goals=my_goals, error=error, done=done,
                  readers=readers, set_up=store_wide_readers(lrs_app()), form=form, preview=preview), \
        400 if error else 200


@bp.route("/sharing/<share_id>/revoke", methods=["GET", "POST"])
@signed_in
def share_revoke(share_id):
    """Asks first (GET: what the share shows, to whom), then revokes (POST) and says so."""
    share = own_item(SHARE, share_id)
    if request.method == "GET":
        titles = {goal.item_id: goal.body.get("title", "") for goal in goals_of(g.person.id)}
        return render("revoke.html", share=share, described=describe(share.body.get("scope", {}), titles))
    lrs_app().store.delete_item(SHARE, share_id)
    return redirect(url_for("space.sharing", revoked=share.body.get("viewer", "")))


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
    store = lrs_app().store
    seen = f"{g.person.id}:{share.item_id}"
    if store.get_item(SHARE_SEEN, seen) is None:  # the timeline stops announcing it
        store.put_item(Item(SHARE_SEEN, seen, g.person.id, {}, ref=share.item_id))
    owner = store.get_person_by_id(share.person_id)
    filters = Filters.from_args(request.args)
    filters.hidden = ""
    keep = _covering(share, share.person_id)
    page = browse(store, access.reach(), reader_for(access), filters, keep=keep,
                  before=position_arg(request.args.get("before")), after=position_arg(request.args.get("after")))
    scope = share.body.get("scope", {})
    goals_by_id = {goal.item_id: goal for goal in goals_of(share.person_id)}
    chosen = goals_by_id.values() if scope.get("all") else [goals_by_id[gid] for gid in scope.get("goals", [])
                                                            if gid in goals_by_id]
    goals = [(goal, progress_of(access, goal)) for goal in chosen]
    return render("shared.html", share=share, owner=owner, page=page, ways=WAYS, goals=goals, filters=filters,
                  args=filters.args(),
                  described=describe(scope, {k: v.body.get("title", "") for k, v in goals_by_id.items()}))


def _shared_record(access: Access, statement_id: str):
    record = record_of(access, statement_id)
    if not _covering(access.share, access.share.person_id)(record):
        abort(404, description="no such record")
    return record


@bp.route("/shared/<share_id>/records/<statement_id>")
@signed_in
def shared_record(share_id, statement_id):
    access = _share_for_me(share_id)
    share = access.share
    record = _shared_record(access, statement_id)
    owner = lrs_app().store.get_person_by_id(share.person_id)
    return render("record.html", record=record, ways=WAYS, goals=[], linked=[], raw=None, share=share, owner=owner,
                  history=[], fields={})


@bp.route("/shared/<share_id>/records/<statement_id>/attachments/<sha2>")
@signed_in
def shared_attachment(share_id, statement_id, sha2):
    access = _share_for_me(share_id)
    return attachment_response(_shared_record(access, statement_id), sha2, access)
