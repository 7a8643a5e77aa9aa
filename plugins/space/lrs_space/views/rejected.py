"""Not accepted: what the LRS refused from my keys, kept a while for me to fix and send again.

Which refusals are mine is the access gate's decision (``Access.owns_rejected``, through
``lrs.list_rejected`` / ``lrs.find_rejected``): another person's answers as absent (404).
Sending again goes through the Statements resource's own path as the key that sent it.
"""

from __future__ import annotations

import json

from flask import Response, abort, g, redirect, request, url_for

from lrs import LRSError, discard_rejected, find_rejected, list_rejected, lrs_app, render, resend_rejected, signed_in
from lrs_space.web import bp

#: statements longer than this are fixed in a file (a form field may hold about 500 kB)
EDIT_LIMIT = 400_000


def _mine(rejected_id: str):
    found = find_rejected(lrs_app(), g.access, rejected_id)
    if found is None:
        abort(404, description="no such refused request")
    return found


def _editable(text: str | None) -> str | None:
    """The statements laid out to be read and fixed (as sent when they are not JSON)."""
    if text is None or len(text) > EDIT_LIMIT:
        return None
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


@bp.route("/not-accepted")
@signed_in
def rejected():
    return render("rejected.html", refusals=list_rejected(lrs_app(), g.access), days=lrs_app().config.rejected_days,
                  stored=request.args.get("stored", type=int), discarded=request.args.get("discarded"))


@bp.route("/not-accepted/<rejected_id>", methods=["GET", "POST"])
@signed_in
def rejected_one(rejected_id):
    found = _mine(rejected_id)
    error, edited = None, None
    if request.method == "POST":
        action = request.form.get("action")
        if action == "discard":
            discard_rejected(lrs_app(), g.access, found)
            return redirect(url_for("space.rejected", discarded=1))
        if action != "resend":
            abort(400, description="unknown action")
        upload = request.files.get("file")
        try:
            if upload is not None and upload.filename:
                edited = upload.read().decode("utf-8")
            else:
                edited = request.form.get("statements") or None
            ids = resend_rejected(lrs_app(), g.access, found, edited)
        except UnicodeDecodeError:
            error = "The file is not UTF-8 text."
        except LRSError as e:
            error = f"Not accepted again: {e.message}" + (f" (at {e.location})" if e.location else "")
            found = find_rejected(lrs_app(), g.access, rejected_id) or found
        else:
            return redirect(url_for("space.rejected", stored=len(ids)))
    text = found.text()
    return render("rejected_one.html", refusal=found, text=_editable(edited or text), has_text=text is not None,
                  error=error, limit=EDIT_LIMIT), 400 if error else 200


@bp.route("/not-accepted/<rejected_id>/statements.json")
@signed_in
def rejected_download(rejected_id):
    found = _mine(rejected_id)
    text = found.text()
    if text is None:
        abort(404, description="its body was too large to keep")
    return Response(text, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="not-accepted-{found.id}.json"'})
