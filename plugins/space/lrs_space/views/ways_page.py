"""'How I learn': my records by way of learning, over time, as charts and as a table (each record
as I see it: my corrections of way and hours count; hidden records do not)."""

from __future__ import annotations

from flask import g, request

from lrs import render, signed_in
from lrs_space.people import my_records
from lrs_space.rows import rows_ready, sums
from lrs_space.ways import (
    COLOURS, WAYS, by_month, by_month_of_sums, stacked_bars, stacked_rows, totals, totals_of_sums,
)
from lrs_space.web import bp


@bp.route("/ways")
@signed_in
def ways():
    measure = "minutes" if request.args.get("measure") == "minutes" else "counts"
    if rows_ready(g.access):  # summed by the store from the record rows
        found = sums(g.access)
        months, way_totals = by_month_of_sums(found, months=12), totals_of_sums(found)
        known, total = sum(s.timed for s in found), sum(s.count for s in found)
    else:
        records = my_records()
        months, way_totals = by_month(records, months=12), totals(records)
        known, total = sum(1 for r in records if r.seconds), len(records)
    return render("ways.html", chart=stacked_bars(months, measure), narrow=stacked_rows(months, measure),
                  months=months, totals=way_totals,
                  ways=WAYS, colours=COLOURS, measure=measure, known=known, total=total)
