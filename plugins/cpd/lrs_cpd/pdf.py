"""The printable CPD log (PDF): a cover, totals against the person's target, and every
record grouped by month and by way of learning, reflections included.

Written with fpdf2: pure Python, maintained, small, with tables and Unicode fonts
(DejaVu from Debian's fonts-dejavu-core, so reflections in any script print;
without it, Helvetica and characters outside Latin-1 replaced).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import BinaryIO

from babel.dates import format_skeleton
from fpdf import FPDF
from fpdf.fonts import FontFace

from lrs_cpd.registrations import Exporter
from lrs_cpd.records import CPDRecord, format_hours
from lrs_space import WAYS, day_text

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
INK = (30, 30, 30)
MUTED = (90, 90, 90)
HEAD_FILL = (225, 232, 240)


class LogPDF(FPDF):
    """An A4 document with the log's fonts, a running footer and a few building blocks."""

    def __init__(self, title: str, owner: str):
        super().__init__(format="A4")
        self.log_title = title
        self.owner = owner
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=18)
        self.set_title(title)
        self.set_author(owner)
        self.set_creator("Learnfolio")
        if (FONT_DIR / "DejaVuSans.ttf").exists():
            self.add_font("body", "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font("body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
            self.add_font("body", "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
            self.family = "body"
            self.unicode = True
        else:  # pragma: no cover - Debian's fonts are installed by the Makefile
            self.family = "helvetica"
            self.unicode = False
        self.set_font(self.family, size=10)
        self.set_text_color(*INK)

    def clean(self, text: str) -> str:
        text = str(text or "")
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def footer(self):
        if self.page_no() == 1:
            return
        self.set_y(-12)
        self.set_font(self.family, size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.clean(f"{self.log_title} · {self.owner}"), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*INK)

    def heading(self, text: str, size: int = 15, space: float = 3):
        if self.get_y() > self.h - 50:
            self.add_page()
        self.set_font(self.family, "B", size)
        self.multi_cell(0, size * 0.5, self.clean(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(space)
        self.set_font(self.family, size=10)

    def para(self, text: str, size: float = 10, style: str = "", colour=INK, height: float = 5):
        self.set_font(self.family, style, size)
        self.set_text_color(*colour)
        self.multi_cell(0, height, self.clean(text), new_x="LMARGIN", new_y="NEXT", align="L")
        self.set_text_color(*INK)
        self.set_font(self.family, size=10)

    def label_value(self, label: str, value: str):
        self.set_font(self.family, "B", 9)
        self.cell(42, 5, self.clean(label))
        self.set_font(self.family, "", 9)
        self.multi_cell(0, 5, self.clean(value), new_x="LMARGIN", new_y="NEXT", align="L")

    def grid(self, rows: list[list[str]], widths: tuple, align=None):
        """A table whose first row is its heading."""
        self.set_font(self.family, size=9)
        with self.table(col_widths=widths, text_align=align or "LEFT", line_height=5.5,
                        headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL), first_row_as_headings=True,
                        borders_layout="HORIZONTAL_LINES") as table:
            for row in rows:
                table.row([self.clean(c) for c in row])
        self.ln(3)
        self.set_font(self.family, size=10)

    def cover(self, title: str, lines: list[tuple[str, str]], note: str = ""):
        self.add_page()
        self.set_y(60)
        self.set_font(self.family, "B", 24)
        self.multi_cell(0, 12, self.clean(title), new_x="LMARGIN", new_y="NEXT", align="L")
        self.ln(6)
        self.set_font(self.family, "B", 16)
        self.multi_cell(0, 9, self.clean(self.owner), new_x="LMARGIN", new_y="NEXT", align="L")
        self.ln(8)
        for label, value in lines:
            self.set_font(self.family, "B", 11)
            self.cell(55, 8, self.clean(label))
            self.set_font(self.family, "", 11)
            self.multi_cell(0, 8, self.clean(value), new_x="LMARGIN", new_y="NEXT", align="L")
        if note:
            self.ln(10)
            self.para(note, size=9, colour=MUTED)


def month_label(month: str, locale) -> str:
    """"January 2026" in the person's locale (Babel)."""
    return format_skeleton("yMMMM", dt.date.fromisoformat(month + "-01"), locale=locale)


def ways_of(records: list[CPDRecord]) -> list[str]:
    """The ways of learning among the records: the space's in its order, then any a plugin added."""
    found = {r.way for r in records}
    return [w for w in WAYS if w in found] + sorted(found - set(WAYS))


def hours_cell(hours: float | None) -> str:
    return "unknown" if hours is None else format_hours(hours)


def totals_line(job) -> str:
    totals = job.totals
    text = f"{format_hours(totals.hours)} hours in {totals.records} records"
    if totals.unknown:
        text += f" ({totals.unknown} with hours unknown, not counted)"
    return text


def target_line(job) -> str:
    target = job.target
    if not target:
        return "no target set"
    done = job.totals.hours
    percent = round(100 * done / target) if target else 0
    missing = max(0.0, target - done)
    return (f"{format_hours(target)} hours: {percent}% done" +
            (f", {format_hours(round(missing, 2))} hours to go" if missing else ", reached"))


def results_line(records: list[CPDRecord]) -> str:
    """What the log's assessed records came to, for its cover: "3 with a result: 2 passed, 1 failed"."""
    with_result = [r for r in records if r.result]
    if not with_result:
        return "none in this period"
    words = {"passed": 0, "failed": 0, "completed": 0}
    for r in with_result:
        for word in words:
            if word in r.result.split(", "):
                words[word] += 1
    counted = ", ".join(f"{n} {word}" for word, n in words.items() if n)
    return f"{len(with_result)} with a result" + (f": {counted}" if counted else "")


def record_block(pdf: LogPDF, r: CPDRecord, locale="en_GB"):
    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.set_font(pdf.family, "B", 10.5)
    pdf.multi_cell(0, 5.5, pdf.clean(f"{day_text(r.date, locale)}  {r.title}"), new_x="LMARGIN", new_y="NEXT",
                   align="L")
    pdf.set_font(pdf.family, "", 9)
    pdf.set_text_color(*MUTED)
    facts = [r.way_label, r.activity_type, r.provider,
             f"{hours_cell(r.hours)} hours" + (" (entered)" if r.hours_source == "entered" else "")]
    pdf.multi_cell(0, 4.8, pdf.clean(" · ".join(f for f in facts if f)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    if r.result:
        pdf.label_value("Result", r.result)
    if r.people:
        pdf.label_value("With", ", ".join(r.people))
    if r.learned:
        pdf.label_value("What I learned", r.learned)
    if r.application:
        pdf.label_value("How I will apply it", r.application)
    if r.evidence:
        pdf.label_value("Evidence", "; ".join(e.text() for e in r.evidence))
    if r.tags:
        pdf.label_value("Tags", ", ".join(r.tags))
    if r.goal:
        pdf.label_value("Goal", r.goal)
    pdf.ln(3)


def write_log(job, out: BinaryIO) -> None:
    records = job.records
    totals = job.totals
    pdf = LogPDF("CPD log", job.name)
    lines = [("Period", job.period_text), ("Hours", totals_line(job)), ("Target", target_line(job)),
             ("Results", results_line(records))]
    if job.settings.registration:
        lines.insert(0, ("Registration", job.settings.registration))
    pdf.cover("Continuing professional development log", lines,
              note=f"Made by Learnfolio on {day_text(dt.date.today(), job.locale)} from {job.person.username}'s own learning"
                   " records. Hours come from each record's duration or were entered by the person; records whose"
                   " hours are unknown are listed but not counted.")

    pdf.add_page()
    pdf.heading("Hours by way of learning")
    by_way_count: dict[str, int] = defaultdict(int)
    for r in records:
        by_way_count[r.way] += 1
    rows = [["Way of learning", "Records", "Hours"]]
    for way in ways_of(records):
        rows.append([WAYS.get(way, way), str(by_way_count[way]), format_hours(totals.by_way.get(way, 0.0))])
    rows.append(["Total", str(totals.records), format_hours(totals.hours)])
    pdf.grid(rows, (110, 30, 30), align=("LEFT", "RIGHT", "RIGHT"))
    pdf.para(f"Target: {target_line(job)}.")
    if totals.unknown:
        pdf.para(f"{totals.unknown} records have no recorded time: their hours are unknown and not counted.",
                 colour=MUTED, size=9)
    pdf.ln(4)

    pdf.heading("Hours by month")
    by_month_count: dict[str, int] = defaultdict(int)
    for r in records:
        by_month_count[r.month] += 1
    rows = [["Month", "Records", "Hours"]]
    rows += [[month_label(m, job.locale), str(by_month_count[m]), format_hours(totals.by_month.get(m, 0.0))]
             for m in sorted(by_month_count)]
    pdf.grid(rows, (110, 30, 30), align=("LEFT", "RIGHT", "RIGHT"))

    by_month: dict[str, list[CPDRecord]] = defaultdict(list)
    for r in records:
        by_month[r.month].append(r)
    pdf.add_page()
    for month in sorted(by_month):
        label = month_label(month, job.locale)
        month_hours = totals.by_month.get(month, 0.0)
        unknown = sum(r.hours is None for r in by_month[month])
        pdf.heading(f"{label}: {format_hours(month_hours)} hours" + (f" (+{unknown} unknown)" if unknown else ""))
        pdf.ln(1)
        for way in ways_of(by_month[month]):
            in_way = [r for r in by_month[month] if r.way == way]
            way_hours = round(sum(r.hours or 0 for r in in_way), 2)
            pdf.heading(f"{WAYS.get(way, way)} ({format_hours(way_hours)} hours)", size=11.5, space=1.5)
            for r in in_way:
                record_block(pdf, r, job.locale)
    if not records:
        pdf.para("No records in this period.")
    out.write(bytes(pdf.output()))


PDF_EXPORTER = Exporter(name="pdf", title="PDF CPD log", media_type="application/pdf", extension="pdf",
                        write=write_log,
                        description="a printable log: cover, totals against your target, records by month and"
                                    " way of learning, reflections")
