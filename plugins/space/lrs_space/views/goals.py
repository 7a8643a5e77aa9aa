"""Learning goals: a person sets them, edits them, marks them done, links records to them from a
record's page or the goal's own, and sees progress (in the hours each record counts, the
person's own where they entered them)."""

from __future__ import annotations

import datetime as dt
import secrets

from flask import abort, g, redirect, request, url_for

from lrs import Item, lrs_app, render, signed_in
from lrs_space.people import GOAL, goals_of, own_item, reader_for, record_of, records_by_ids
from lrs_space.records import Filters, browse
from lrs_space.ways import WAYS
from lrs_space.web import bp

#: a bound that keeps a goal's minutes a small integer (a lifetime is about 700,000 hours)
MAX_TARGET_HOURS = 1_000_000


def progress(goal, records) -> dict:
    """``records``: the goal's linked records (records_by_ids), hidden ones left out."""
    linked = [r for r in records if r.id in goal.body.get("statement_ids", [])]
    minutes = sum(r.minutes or 0 for r in linked)
    target = goal.body.get("target_minutes") or 0
    return {"records": linked, "minutes": minutes, "seconds": minutes * 60, "target": target,
            "percent": min(100, round(100 * minutes / target)) if target else None}


def progress_of(access, goal) -> dict:
    return progress(goal, records_by_ids(access, goal.body.get("statement_ids", [])))


def goal_fields(form) -> dict:
    """Title, description, target and due day of a goal form; ValueError with a message for the person."""
    title = form.get("title", "").strip()[:200]
    hours = form.get("hours", "").strip().replace(",", ".")
    due = form.get("due", "").strip()[:10]
    if not title:
        raise ValueError("A goal needs a title.")
    if hours and not (hours.replace(".", "", 1).isdigit() and float(hours) <= MAX_TARGET_HOURS):
        raise ValueError(f"Target hours is a number up to {MAX_TARGET_HOURS}, like 12 or 1.5.")
    if due:
        try:
            dt.date.fromisoformat(due)
        except ValueError:
            raise ValueError("The due day is a date, like 2026-12-31.") from None
    return {"title": title, "description": form.get("description", "").strip()[:2000],
            "target_minutes": round(float(hours) * 60) if hours else 0, "due": due}


@bp.route("/goals", methods=["GET", "POST"])
@signed_in
def goals():
    error = None
    if request.method == "POST":
        try:
            body = {**goal_fields(request.form), "statement_ids": [], "done": ""}
        except ValueError as e:
            error = str(e)
        else:
            lrs_app().store.put_item(Item(GOAL, secrets.token_hex(8), g.person.id, body))
            return redirect(url_for("space.goals"))
    shown = [(goal, progress_of(g.access, goal)) for goal in goals_of(g.person.id)]
    return render("goals.html", open_goals=[s for s in shown if not s[0].body.get("done")],
                  done_goals=[s for s in shown if s[0].body.get("done")], error=error,
                  form=request.form if error else {}), 400 if error else 200


@bp.route("/goals/<goal_id>", methods=["GET", "POST"])
@signed_in
def goal(goal_id):
    """One goal: edit it, mark it done (or open again), link and unlink records."""
    item = own_item(GOAL, goal_id)
    error = done = None
    store = lrs_app().store
    if request.method == "POST":
        action = request.form.get("action", "save")
        if action == "save":
            try:
                item.body.update(goal_fields(request.form))
            except ValueError as e:
                error = str(e)
            else:
                store.put_item(item)
                done = "The goal is saved."
        elif action in ("done", "reopen"):
            item.body["done"] = dt.date.today().isoformat() if action == "done" else ""
            store.put_item(item)
            done = "Marked done. Well done!" if action == "done" else "The goal is open again."
        else:
            abort(400, description="unknown action")
    filters = Filters.from_args(request.args)
    linked_ids = set(item.body.get("statement_ids", []))
    candidates = browse(store, g.access.reach(), reader_for(g.access), filters, size=20,
                        keep=lambda r: r.id not in linked_ids).records
    return render("goal.html", goal=item, p=progress_of(g.access, item), error=error, done=done, filters=filters,
                  candidates=candidates, ways=WAYS, form=request.form if error else item_form(item)), \
        400 if error else 200


def item_form(goal) -> dict:
    body = goal.body
    minutes = body.get("target_minutes") or 0
    return {"title": body.get("title", ""), "description": body.get("description", ""),
            "hours": f"{minutes / 60:g}" if minutes else "", "due": body.get("due", "")}


@bp.route("/goals/link", methods=["POST"])
@signed_in
def goal_link():
    goal = own_item(GOAL, request.form.get("goal", ""))
    record = record_of(g.access, request.form.get("statement_id", ""))
    ids = goal.body.setdefault("statement_ids", [])
    if request.form.get("unlink"):
        if record.id in ids:
            ids.remove(record.id)
    elif record.id not in ids:
        ids.append(record.id)
    lrs_app().store.put_item(goal)
    if request.form.get("back") == "goal":
        return redirect(url_for("space.goal", goal_id=goal.item_id, q=request.form.get("q", "")))
    return redirect(url_for("space.record", statement_id=record.id))


@bp.route("/goals/<goal_id>/delete", methods=["POST"])
@signed_in
def goal_delete(goal_id):
    own_item(GOAL, goal_id)
    if not lrs_app().store.delete_item(GOAL, goal_id):
        abort(404)
    return redirect(url_for("space.goals"))
