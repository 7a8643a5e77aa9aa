"""Rule 10: CSV exports are safe to open in a spreadsheet (OWASP: CSV injection).

Every text cell from people's or tools' data that starts with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return is written with a leading ``'``, so a spreadsheet shows it as text
and never runs it; numbers the LRS writes itself (hours) stay numbers. The export is
downloaded from the CPD panel in process (Flask's test client: the same code a server runs).
"""

from __future__ import annotations

import csv
import io

import pytest

from lrs.store.base import Item
from lrs_cpd.exporting import CSV_COLUMNS
from tests.plugins.cpd.conftest import Browser, ann, cpd_app, ctx, record, store_statements  # noqa: F401

FORMULA = '=HYPERLINK("http://evil","x")'
HOSTILE = {
    "title": FORMULA,
    "tags": ["+cmd|' /C calc'!A0", "@SUM(1+1)"],
    "reflection": "-2+3+cmd|' /C calc'!A0",
    "platform": "@evil",
    "goal": "=1+1",
    "application": "-1+1",
    "activity_type": "+1+1",
}
#: tab and carriage return as the first character: the space's forms trim them, statements keep them
#: (title and reflection differ: a reflection that only repeats its title is not shown twice)
WHITESPACE = {"title": "\t=1+1", "reflection": "\r=2+2"}
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def exported(cpd_app, ctx, ann):
    hostile = record(ctx, ann, 1, day="2026-03-10", minutes=90, title=HOSTILE["title"], tags=HOSTILE["tags"],
                     reflection=HOSTILE["reflection"])
    hostile["context"]["platform"] = HOSTILE["platform"]
    hostile["object"]["definition"]["type"] = "http://example.org/types/" + "%3D1+1"
    plain = record(ctx, ann, 2, day="2026-03-11", minutes=45, title="Plain course", reflection="Fine")
    spaced = record(ctx, ann, 3, day="2026-03-12", minutes=None, **WHITESPACE)
    store_statements(ctx, ann, [hostile, plain, spaced])
    ctx.store.put_item(Item("goal", "g1", ann.id, {"title": HOSTILE["goal"], "statement_ids": [hostile["id"]]}))
    browser = Browser(cpd_app).signin("ann")
    response = browser.post(f"/space/cpd/records/{hostile['id']}",
                            {"application": HOSTILE["application"], "activity_type": HOSTILE["activity_type"]},
                            token_from=f"/space/cpd/records/{hostile['id']}")
    assert response.status_code == 302, response.get_data(as_text=True)
    download = browser.get("/space/cpd/export/csv?period=all")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"), newline="")))
    return {row["statement_id"]: row for row in rows}, hostile["id"], plain["id"], spaced["id"]


def test_cells_that_a_spreadsheet_would_run_start_with_a_quote(exported):
    rows, hostile, _, spaced = exported
    row = rows[hostile]
    assert row["title"] == "'" + FORMULA
    assert row["tags"] == "'" + ", ".join(HOSTILE["tags"])
    assert row["what_i_learned"] == "'" + HOSTILE["reflection"]
    assert row["provider"] == "'" + HOSTILE["platform"]
    assert row["goal"] == "'" + HOSTILE["goal"]
    assert row["how_i_will_apply_it"] == "'" + HOSTILE["application"]
    assert row["activity_type"] == "'" + HOSTILE["activity_type"]
    assert rows[spaced]["title"] == "'" + WHITESPACE["title"]
    assert rows[spaced]["what_i_learned"] == "'" + WHITESPACE["reflection"]


def test_no_cell_of_the_export_starts_a_formula(exported):
    rows = exported[0]
    for row in rows.values():
        for column in CSV_COLUMNS:
            assert not row[column].startswith(TRIGGERS), (column, row[column])


def test_hours_and_plain_text_are_written_as_they_are(exported):
    rows, hostile, plain, _ = exported
    assert rows[hostile]["hours"] == "1.5" and rows[plain]["hours"] == "0.75" and len(rows) == 3
    assert rows[plain]["title"] == "Plain course" and rows[plain]["what_i_learned"] == "Fine"
    assert rows[hostile]["date"] == "2026-03-10" and rows[hostile]["statement_id"] == hostile


@pytest.mark.parametrize("value,expected", [
    ("=1", "'=1"), ("+1", "'+1"), ("-1", "'-1"), ("@a", "'@a"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("a=1", "a=1"), ("", ""), ("'=1", "'=1"), ("1.5", "1.5"),
])
def test_text_cell(value, expected):
    from lrs.spreadsheets import text_cell

    assert text_cell(value) == expected
