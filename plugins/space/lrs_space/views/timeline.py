"""The timeline of my learning, a record's detail, its attachments, and a download of everything."""

from __future__ import annotations

import json

from flask import Response, abort, g, request

from lrs import lrs_app, render, servable_content_type, signed_in
from lrs_space.people import find_record, goals_of, my_records
from lrs_space.records import Filters, facets, page_of
from lrs_space.ways import WAYS
from lrs_space.web import bp


def _page_number() -> int:
    try:
        return int(request.args.get("page", "1"))
    except ValueError:
        return 1


@bp.route("/")
@signed_in
def timeline():
    records = my_records()
    filters = Filters.from_args(request.args)
    shown = filters.apply(records)
    page, pages = page_of(shown, _page_number())
    return render("timeline.html", records=page, total=len(records), matched=len(shown), page=_page_number(),
                  pages=pages, filters=filters, facets=facets(records), ways=WAYS,
                  args={k: v for k, v in request.args.items() if k != "page"})


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


@bp.route("/records/<statement_id>")
@signed_in
def record(statement_id):
    found = find_record(my_records(), statement_id)
    goals = goals_of(g.person.id)
    linked = [goal for goal in goals if found.id in goal.body.get("statement_ids", [])]
    return render("record.html", record=found, ways=WAYS, goals=goals, linked=linked,
                  raw=json.dumps(found.statement, indent=2, ensure_ascii=False), base="space.record")


@bp.route("/records/<statement_id>/attachments/<sha2>")
@signed_in
def record_attachment(statement_id, sha2):
    return attachment_response(find_record(my_records(), statement_id), sha2, g.access)


@bp.route("/export.json")
@signed_in
def export_json():
    """Every statement of mine exactly as stored: the minimum a person must be able to take before erasing."""
    body = "[" + ",".join(json.dumps(r.statement, ensure_ascii=False) for r in reversed(my_records())) + "]"
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{g.person.username}-statements.json"'
    return response
