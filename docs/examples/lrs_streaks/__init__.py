"""Learning streaks: a third-party-style example plugin, built only on Learnfolio's public API.

It adds a "Streaks" panel to the personal space: how many days in a row the person has
recorded learning, their longest run, and a goal they can set with ``LRS_STREAKS_GOAL_DAYS``.
Everything it uses is imported from ``lrs`` (and a test fails if that ever stops being so):
the hook marker, the panel registration, the web framework, the person's access, the store
contract and the settings. Install it with an entry point in the ``lrs`` group:

    [project.entry-points.lrs]
    streaks = "lrs_streaks"
"""

from __future__ import annotations

import datetime as dt

from lrs import Panel, StatementQuery, current_access, hookimpl, lrs_app, page_blueprint, render, signed_in

#: the plugin's settings and their defaults (``LRS_STREAKS_GOAL_DAYS``)
SETTINGS = {"goal_days": "7"}

bp = page_blueprint("streaks", __name__, "/space/streaks")


def learning_days(store, reach) -> set[dt.date]:
    """The days on which the person recorded learning (the statement's timestamp), read through their reach."""
    days, query = set(), StatementQuery()
    while True:
        page = store.query_statements(query, 500, reach=reach)
        for stored in page.statements:
            text = stored.json
            start = text.find('"timestamp":"')
            if start >= 0:
                days.add(dt.date.fromisoformat(text[start + 13:start + 23]))
        if not page.more:
            return days
        query = StatementQuery.from_cursor(page.more)


def streaks(days: set[dt.date], today: dt.date) -> tuple[int, int]:
    """(the current run of days up to today or yesterday, the longest run ever)."""
    longest = run = 0
    previous = None
    for day in sorted(days):
        run = run + 1 if previous == day - dt.timedelta(days=1) else 1
        longest, previous = max(longest, run), day
    current, day = 0, today if today in days else today - dt.timedelta(days=1)
    while day in days:
        current, day = current + 1, day - dt.timedelta(days=1)
    return current, longest


@bp.route("/")
@signed_in
def page():
    app = lrs_app()
    goal = int(app.plugin_config("streaks", SETTINGS)["goal_days"])
    current, longest = streaks(learning_days(app.store, current_access().reach()), dt.date.today())
    return render("streaks.html", current=current, longest=longest, goal=goal)


@hookimpl
def register_routes(app):
    return [bp]


@hookimpl
def register_panels():
    return [Panel(name="streaks", title="Streaks", endpoint="streaks.page", order=35)]
