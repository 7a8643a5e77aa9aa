"""The timeline of my learning, a record's page, its attachments, and what a person does to a
record: correct or add to it (annotation), hide it, delete it for good."""

from __future__ import annotations

import hashlib
import json

from flask import Response, abort, g, redirect, request, url_for

from lrs import StatementQuery, lrs_app, render, servable_content_type, signed_in
from lrs_space.annotations import (
    FIELDS, annotation_of, forget_annotations, parse_annotation, save_annotation,
)
from lrs_space.people import SHARE, SHARE_SEEN, facets_for, goals_of, hidden_count, reader_for, record_of
from lrs_space.records import Filters, Page, browse, count, position_arg, scan
from lrs_space.rows import browse_rows, count_rows, hidden_rows, rows_ready
from lrs_space.ways import WAYS
from lrs_space.web import bp

#: records listed on the page that asks to delete a filtered set (all of them are deleted)
CONFIRM_LISTED = 20


@bp.route("/")
@signed_in
def timeline():
    store = lrs_app().store
    reach = g.access.reach()
    filters = Filters.from_args(request.args)
    before, after = position_arg(request.args.get("before")), position_arg(request.args.get("after"))
    if rows_ready(g.access):  # every filter, the page and the counts from the store's record rows
        page = Page([], None, None) if filters.problem else browse_rows(g.access, filters, before=before, after=after)
        hidden = hidden_rows(g.access, Filters())
        total = count_rows(g.access, Filters())
        matched = count_rows(g.access, filters) if filters.active() else None
    else:
        read = reader_for(g.access)
        page = Page([], None, None) if filters.problem else browse(store, reach, read, filters, before=before,
                                                                    after=after)
        hidden = hidden_count(g.access, Filters())
        total = count(store, reach, Filters(), hidden)
        matched = None
        if filters.hidden:
            matched = hidden_count(g.access, Filters(**{**filters.args(), "hidden": ""}))
        elif filters.active():
            matched = count(store, reach, filters, hidden_count(g.access, filters))
    return render("timeline.html", page=page, total=total, matched=matched, hidden=hidden, filters=filters,
                  facets=facets_for(g.access), ways=WAYS, args=filters.args(), new_shares=_new_shares(),
                  undo=_undo(request.args.get("hid")), deleted=request.args.get("deleted"))


def _new_shares() -> list[tuple]:
    """Shares made to me that I have not opened yet: (share, owner's username)."""
    store = lrs_app().store
    seen = {item.ref for item in store.list_items(SHARE_SEEN, person_id=g.person.id)}
    out = []
    for share in store.list_items(SHARE, ref=f"person:{g.person.id}"):
        if share.item_id not in seen:
            owner = store.get_person_by_id(share.person_id)
            if owner is not None:
                out.append((share, owner.username))
    return out


def _undo(statement_id: str | None):
    """The record just hidden, offered to be shown again."""
    if not statement_id:
        return None
    stored = lrs_app().store.get_statement(statement_id, reach=g.access.reach())
    return reader_for(g.access)(stored) if stored is not None else None


def attachment_response(record, sha2: str, access):
    """A body this record carried, read with the reader's access: never a body by its hash alone."""
    declared = {a.get("sha2", "").lower(): a for a in record.attachments}
    if sha2.lower() not in declared:
        abort(404, description="no such attachment")
    found = lrs_app().store.get_attachments([record.id], reach=access.reach())
    if sha2.lower() not in found:
        abort(404, description="this attachment was declared by URL, not sent to the LRS")
    content_type, content = found[sha2.lower()]
    content_type = servable_content_type(content_type)
    response = Response(content, mimetype=content_type)
    # shown inline only when it is an image; everything else downloads, and never runs as a page here
    disposition = "inline" if content_type.startswith("image/") and "svg" not in content_type else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="attachment-{sha2[:12]}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def history_of(access, record, limit: int = 20) -> list:
    """The earlier versions of an edited record, newest first (voided statements of the person)."""
    out, previous = [], record.previous
    while previous and len(out) < limit:
        stored = lrs_app().store.get_statement(previous, reach=access.reach(), voided=True)
        if stored is None:
            break
        older = reader_for(access)(stored)
        if older is None:
            break
        out.append(older)
        previous = older.previous
    return out


@bp.route("/records/<statement_id>")
@signed_in
def record(statement_id):
    found = record_of(g.access, statement_id)
    goals = goals_of(g.person.id)
    linked = [goal for goal in goals if found.id in goal.body.get("statement_ids", [])]
    return render("record.html", record=found, ways=WAYS, goals=goals, linked=linked, fields=FIELDS,
                  history=history_of(g.access, found), raw=json.dumps(found.statement, indent=2, ensure_ascii=False),
                  base="space.record", saved=request.args.get("saved"), edited=request.args.get("edited"),
                  error=None)


@bp.route("/records/<statement_id>/attachments/<sha2>")
@signed_in
def record_attachment(statement_id, sha2):
    return attachment_response(record_of(g.access, statement_id), sha2, g.access)


@bp.route("/records/<statement_id>/annotation", methods=["POST"])
@signed_in
def record_annotation(statement_id):
    """The person's corrections and additions: kept beside the statement, used by every view."""
    found = record_of(g.access, statement_id)
    store = lrs_app().store
    if request.form.get("reset"):
        annotation = annotation_of(store, g.person.id, found.id)
        annotation = type(annotation)(found.id, hidden=annotation.hidden)
    else:
        try:
            annotation = parse_annotation(request.form, found.id, hidden=found.hidden)
        except ValueError as e:
            goals = goals_of(g.person.id)
            return render("record.html", record=found, ways=WAYS, goals=goals, fields=FIELDS,
                          linked=[goal for goal in goals if found.id in goal.body.get("statement_ids", [])],
                          history=history_of(g.access, found), base="space.record", error=str(e), form=request.form,
                          raw=json.dumps(found.statement, indent=2, ensure_ascii=False)), 400
    save_annotation(store, g.person.id, annotation)
    return redirect(url_for("space.record", statement_id=found.id, saved=1))


@bp.route("/records/<statement_id>/hide", methods=["POST"])
@signed_in
def record_hide(statement_id):
    """Hide a record from my views and every share, or show it again; the statement stays as stored."""
    found = record_of(g.access, statement_id)
    store = lrs_app().store
    annotation = annotation_of(store, g.person.id, found.id)
    annotation.hidden = request.form.get("hidden", "1") == "1"
    save_annotation(store, g.person.id, annotation)
    if request.form.get("back") == "record":
        return redirect(url_for("space.record", statement_id=found.id))
    return redirect(url_for("space.timeline", **({"hid": found.id} if annotation.hidden else {})))


# -- deleting for good ----------------------------------------------------------------------------


def _digest(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


def _to_delete() -> tuple[list, Filters | None]:
    """The records a delete request names: one (``id``) or every match of the filters given (hidden ones
    too when the filters ask for them)."""
    if request.values.get("id"):
        return [record_of(g.access, request.values["id"])], None
    filters = Filters.from_args(request.values)
    if not filters.active() or filters.problem:
        abort(400, description="say which records to delete: one record, or filters that choose them")
    return list(scan(lrs_app().store, g.access.reach(), reader_for(g.access), filters)), filters


def _with_history(records) -> list[str]:
    ids = []
    for r in records:
        ids.append(r.id)
        ids += [older.id for older in history_of(g.access, r, limit=1000)]
    return ids


@bp.route("/records/delete", methods=["GET", "POST"])
@signed_in
def records_delete():
    """Delete records for good, after a confirmation that shows what goes (no undo: nothing is kept).

    The statements, their earlier versions, attachment bodies no other statement carried, the
    person's annotations and goal links of them go, through the store's erasure."""
    records, filters = _to_delete()
    ids = [r.id for r in records]
    if request.method == "POST":
        if request.form.get("digest") != _digest(ids):
            return _confirm(records, filters, changed=True), 409
        if not g.access.may_erase(g.person.id):
            abort(403, description="only the person may delete their records")
        store = lrs_app().store
        every = _with_history(records)
        counts = store.erase_person(g.person.id, erased_home_page=lrs_app().config.erased_home_page,
                                    statement_ids=every)
        forget_annotations(store, g.person.id, every)
        for goal in goals_of(g.person.id):
            kept = [i for i in goal.body.get("statement_ids", []) if i not in set(every)]
            if kept != goal.body.get("statement_ids", []):
                goal.body["statement_ids"] = kept
                store.put_item(goal)
        return redirect(url_for("space.timeline", deleted=len(records) if counts["statements"] else 0))
    return _confirm(records, filters)


def _confirm(records, filters, changed: bool = False):
    return render("delete.html", records=records[:CONFIRM_LISTED], total=len(records), filters=filters,
                  digest=_digest([r.id for r in records]), changed=changed,
                  single=records[0] if filters is None and records else None, ways=WAYS)


@bp.route("/export.json")
@signed_in
def export_json():
    """Every statement of mine exactly as stored (xAPI only, for other LRSs; the whole record,
    annotations, goals and settings included, is the archive: /space/archive)."""
    store = lrs_app().store
    reach = g.access.reach()
    texts = []
    query = StatementQuery(ascending=True)
    while True:
        page = store.query_statements(query, 500, reach=reach)
        texts += [s.json for s in page.statements]
        if not page.more:
            break
        query = StatementQuery.from_cursor(page.more)
    response = Response("[" + ",".join(texts) + "]", mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{g.person.username}-statements.json"'
    return response

