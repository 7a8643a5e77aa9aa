"""CPD records and their formats: CSV (csv module, BOM), the PDF log (pypdf text, pdftoppm image), nursing."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from lrs_cpd import exporters
from lrs.store.base import Item
from lrs.access import Access
from lrs_cpd.exporting import CSV_COLUMNS, ExportJob
from lrs_cpd.records import Settings, cpd_records
from lrs_space import Annotation, save_annotation
from tests.plugins.cpd.conftest import attachment, record, store_statements
from tests.conftest import EVERYTHING

ARTEFACTS = Path(__file__).parents[3] / "test-artefacts"


@pytest.fixture
def history(ctx, ann):
    """A year of learning: courses, reading, a conference, a mentoring chat; one without a time."""
    meta, part = attachment(b"%PDF certificate", name="Certificate of completion")
    statements = [
        record(ctx, ann, 1, day="2026-01-15", minutes=90, title="Sepsis recognition", tags=["preserve-safety"],
               reflection="Early warning scores catch deterioration sooner.", attachments=[meta]),
        record(ctx, ann, 2, day="2026-01-20", minutes=45, way="content", title="NICE guideline on falls",
               reflection="Falls risk assessment: what changed."),
        record(ctx, ann, 3, day="2026-02-03", minutes=420, way="events", title="Regional nursing conference",
               reflection="Safe staffing panel – lessons für alle.", tags=["practise effectively"]),
        record(ctx, ann, 4, day="2026-02-10", minutes=30, way="people", title="Mentoring a student nurse",
               reflection=None),
        record(ctx, ann, 5, day="2026-03-01", minutes=None, way="content", title="Podcast on wound care",
               reflection="Honey dressings."),
        record(ctx, ann, 6, day="2025-06-01", minutes=60, title="Outside the period"),
    ]
    store_statements(ctx, ann, statements, {part.sha2: part})
    return statements


def job(ctx, ann, **kw):
    return ExportJob(ctx.store, ctx.pm, ann, Access.for_person(ctx.store, ann), kw.pop("since", "2026-01-01"),
                     kw.pop("until", "2026-12-31"),
                     settings=kw.pop("settings", Settings(name="Ann Example", registration="12A3456E",
                                                          target_hours=12)), **kw)


def export(ctx, ann, name, **kw) -> bytes:
    out = io.BytesIO()
    exporters(ctx.pm)[name].write(job(ctx, ann, **kw), out)
    return out.getvalue()


def test_records_derive_from_statements_and_unknown_hours_are_marked(ctx, ann, history):
    records = cpd_records(ctx.store, ctx.pm, Access.for_person(ctx.store, ann), "2026-01-01", "2026-12-31")
    assert [r.title for r in records] == ["Sepsis recognition", "NICE guideline on falls", "Regional nursing conference",
                                          "Mentoring a student nurse", "Podcast on wound care"]
    sepsis, _, conference, mentoring, podcast = records
    assert (sepsis.hours, sepsis.hours_source, sepsis.way, sepsis.provider) == (1.5, "duration", "courses",
                                                                               "Example Academy")
    assert sepsis.evidence[0].label == "Certificate of completion" and sepsis.evidence[0].sha2
    assert (podcast.hours, podcast.hours_source, podcast.hours_text) == (None, "unknown", "unknown")
    assert conference.participatory and mentoring.participatory and not sepsis.participatory


def test_cpd_fields_correct_a_record_without_touching_its_statement(ctx, ann, history):
    podcast = history[4]
    before = ctx.store.get_statement(podcast["id"], reach=EVERYTHING).json
    save_annotation(ctx.store, ann.id, Annotation(podcast["id"], hours=0.75,
                                                  application="Try honey on the next leg ulcer.", participatory="yes"))
    record_ = next(r for r in cpd_records(ctx.store, ctx.pm, Access.for_person(ctx.store, ann)) if r.id == podcast["id"])
    assert (record_.hours, record_.hours_source, record_.participatory) == (0.75, "entered", True)
    assert record_.application == "Try honey on the next leg ulcer."
    assert ctx.store.get_statement(podcast["id"], reach=EVERYTHING).json == before  # the statement is immutable
    assert ctx.store.list_items("annotation", person_id=ann.id)[0].ref == podcast["id"]  # the space's one model


def _csv(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte order mark, for LibreOffice and Excel"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_the_documented_columns_one_row_per_record(ctx, ann, history):
    rows = _csv(export(ctx, ann, "csv"))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert len(rows) == 5
    conference = next(r for r in rows if r["title"] == "Regional nursing conference")
    assert conference["hours"] == "7" and conference["way_of_learning"] == "events"
    assert conference["what_i_learned"] == "Safe staffing panel – lessons für alle."
    podcast = next(r for r in rows if r["title"] == "Podcast on wound care")
    assert (podcast["hours"], podcast["hours_source"]) == ("", "unknown")
    assert "Certificate of completion" in rows[0]["evidence"]


def _pdf_text(data: bytes) -> str:
    """The text of every page, with runs of white space (justified lines, wrapping) as one space."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def test_pdf_log_has_cover_records_reflections_and_totals_matching_the_csv(ctx, ann, history):
    data = export(ctx, ann, "pdf")
    text = _pdf_text(data)
    csv_hours = sum(float(r["hours"]) for r in _csv(export(ctx, ann, "csv")) if r["hours"])
    assert csv_hours == 9.75
    assert "Ann Example" in text and "1 Jan 2026 to 31 Dec 2026" in text and "12A3456E" in text
    assert "9.75 hours in 5 records (1 with hours unknown, not counted)" in text
    assert re.search(r"Total\s+5\s+9\.75", text)
    assert "12 hours: 81% done, 2.25 hours to go" in text
    for title in ("Sepsis recognition", "Regional nursing conference", "Podcast on wound care"):
        assert title in text
    assert "Outside the period" not in text
    assert "Early warning scores catch deterioration sooner." in text
    assert "lessons für alle" in text  # any script prints (DejaVu)
    assert "January 2026: 2.25 hours" in text and "February 2026: 7.5 hours" in text
    assert "Events: conferences, workshops (7 hours)" in text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is installed by `make test`")
def test_pdf_renders_to_png(ctx, ann, history, tmp_path):
    pdf = tmp_path / "log.pdf"
    pdf.write_bytes(export(ctx, ann, "pdf"))
    ARTEFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTEFACTS / "cpd-log")], check=True)
    pages = sorted(ARTEFACTS.glob("cpd-log-*.png"))
    assert len(pages) >= 3 and all(p.read_bytes().startswith(b"\x89PNG") for p in pages)


def test_results_and_people_reach_the_csv_and_the_pdf(ctx, ann):
    assessed = record(ctx, ann, 1, day="2026-04-02", title="Medicines calculation test",
                      result={"score": {"raw": 86, "min": 0, "max": 100}, "success": True, "completion": True,
                              "duration": "PT1H"},
                      context={"platform": "Totara", "instructor": {"name": "Sam Lee", "mbox": "mailto:sam@example.org"}})
    store_statements(ctx, ann, [assessed, record(ctx, ann, 2, day="2026-04-03", title="Unassessed reading")])
    rows = _csv(export(ctx, ann, "csv"))
    row = next(r for r in rows if r["title"] == "Medicines calculation test")
    assert row["result"] == "86 / 100 (86%), passed, completed" and row["with"] == "Sam Lee"
    assert next(r for r in rows if r["title"] == "Unassessed reading")["result"] == ""
    text = _pdf_text(export(ctx, ann, "pdf"))
    assert "Results 1 with a result: 1 passed, 1 completed" in text  # on the cover
    assert "86 / 100 (86%), passed, completed" in text and "Sam Lee" in text
    assert "2 Apr 2026" in text  # dates in the person's locale (en-GB by default)


def test_nursing_log_splits_participatory_and_self_directed_hours(ctx, ann, history):
    text = _pdf_text(export(ctx, ann, "nursing"))
    assert "Revalidation" in text and "12A3456E" in text
    assert "9.75 of 35 required" in text
    assert "7.5 of 20 required" in text  # the conference and the mentoring chat
    assert "Reflective account 1: Sepsis recognition" in text
    assert "preserve safety" in text  # a theme of the Code, from the record's tag


def test_a_target_and_period_come_from_the_person_settings(ctx, ann, history):
    Settings(name="A. Example", target_hours=20, year_start="04-01").save(ctx.store, ann.id)
    settings = Settings.of(ctx.store, ann.id)
    assert settings.cpd_year(__import__("datetime").date(2026, 3, 1)) == ("2025-04-01", "2026-03-31")
    assert settings.revalidation_period(__import__("datetime").date(2026, 5, 1)) == ("2024-04-01", "2027-03-31")
    assert isinstance(ctx.store.get_item("cpd-settings", str(ann.id)), Item)
