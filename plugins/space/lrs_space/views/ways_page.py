"""'How I learn': my records by way of learning, over time, as charts and as a table (each record
as I see it: my corrections of way and hours count; hidden records do not)."""

from __future__ import annotations

from flask import request

from lrs import render, signed_in
from lrs_space.people import my_records
from lrs_space.ways import COLOURS, WAYS, by_month, stacked_bars, stacked_rows, totals
from lrs_space.web import bp


@bp.route("/ways")
@signed_in
def ways():
    records = my_records()
    months = by_month(records, months=12)
    measure = "minutes" if request.args.get("measure") == "minutes" else "counts"
    known = sum(1 for r in records if r.seconds)
    return render("ways.html", chart=stacked_bars(months, measure), narrow=stacked_rows(months, measure),
                  months=months, totals=totals(records),
                  ways=WAYS, colours=COLOURS, measure=measure, known=known, total=len(records))
