"""Learning goals: a person sets them, links records to them, and sees progress."""

from __future__ import annotations

import secrets

from flask import abort, g, redirect, request, url_for

from lrs import Item, lrs_app, render, signed_in
from lrs_space.people import GOAL, find_record, goals_of, my_records, own_item
from lrs_space.web import bp

#: a bound that keeps a goal's minutes a small integer (a lifetime is about 700,000 hours)
MAX_TARGET_HOURS = 1_000_000


def progress(goal, records_by_id) -> dict:
    linked = [records_by_id[i] for i in goal.body.get("statement_ids", []) if i in records_by_id]
    minutes = sum(r.minutes or 0 for r in linked)
    target = goal.body.get("target_minutes") or 0
    return {"records": linked, "minutes": minutes, "target": target,
            "percent": min(100, round(100 * minutes / target)) if target else None}


@bp.route("/goals", methods=["GET", "POST"])
@signed_in
def goals():
    error = None
    if request.method == "POST":
        title = request.form.get("title", "").strip()[:200]
        hours = request.form.get("hours", "").strip()
        if not title:
            error = "A goal needs a title."
        elif hours and not (hours.replace(".", "", 1).isdigit() and float(hours) <= MAX_TARGET_HOURS):
            error = f"Target hours is a number up to {MAX_TARGET_HOURS}, like 12 or 1.5."
        else:
            body = {"title": title, "description": request.form.get("description", "").strip()[:2000],
                    "target_minutes": round(float(hours) * 60) if hours else 0,
                    "due": request.form.get("due", "")[:10], "statement_ids": []}
            lrs_app().store.put_item(Item(GOAL, secrets.token_hex(8), g.person.id, body))
            return redirect(url_for("space.goals"))
    by_id = {r.id: r for r in my_records()}
    shown = [(goal, progress(goal, by_id)) for goal in goals_of(g.person.id)]
    return render("goals.html", goals=shown, error=error), 400 if error else 200


@bp.route("/goals/link", methods=["POST"])
@signed_in
def goal_link():
    goal = own_item(GOAL, request.form.get("goal", ""))
    record = find_record(my_records(), request.form.get("statement_id", ""))
    ids = goal.body.setdefault("statement_ids", [])
    if request.form.get("unlink"):
        if record.id in ids:
            ids.remove(record.id)
    elif record.id not in ids:
        ids.append(record.id)
    lrs_app().store.put_item(goal)
    return redirect(url_for("space.record", statement_id=record.id))


@bp.route("/goals/<goal_id>/delete", methods=["POST"])
@signed_in
def goal_delete(goal_id):
    own_item(GOAL, goal_id)
    if not lrs_app().store.delete_item(GOAL, goal_id):
        abort(404)
    return redirect(url_for("space.goals"))
