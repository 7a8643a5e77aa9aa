"""A professional body's template: a nursing revalidation style CPD log.

A separate plugin (entry point ``cpd_nursing``) to show how a deployment adds the
log its profession asks for: one ``register_exporters`` hook returning an
:class:`lrs.plugins.Exporter`. Modelled on UK nursing and midwifery revalidation:
CPD hours over three years with a minimum of participatory hours (learning with
others) and written reflective accounts. The minimums are settings of this
exporter, not rules of Learnfolio.
"""

from __future__ import annotations

import datetime as dt
from typing import BinaryIO

from lrs import hookimpl
from lrs_cpd.registrations import Exporter
from lrs_cpd.pdf import LogPDF, hours_cell
from lrs_cpd.records import format_hours
from lrs_space import day_text

REQUIRED_HOURS = 35
REQUIRED_PARTICIPATORY = 20
REQUIRED_REFLECTIONS = 5
#: the themes of a professional code a reflection can relate to (tag a record with one)
CODE_THEMES = ("prioritise people", "practise effectively", "preserve safety", "promote professionalism and trust")


def themes_of(record) -> list[str]:
    tags = {t.lower().replace("-", " ") for t in record.tags}
    return [theme for theme in CODE_THEMES if theme in tags or theme.split()[-1] in tags]


def write_nursing_log(job, out: BinaryIO) -> None:
    records = job.records
    totals = job.totals
    reflections = [r for r in records if r.learned]
    pdf = LogPDF("Revalidation CPD log", job.name)
    status = [
        ("Registration", job.settings.registration or "(not set)"),
        ("Period", job.period_text),
        ("CPD hours", f"{format_hours(totals.hours)} of {REQUIRED_HOURS} required"),
        ("Participatory", f"{format_hours(totals.participatory)} of {REQUIRED_PARTICIPATORY} required"),
        ("Self-directed", format_hours(totals.self_directed)),
        ("Reflective accounts", f"{len(reflections)} (at least {REQUIRED_REFLECTIONS} required)"),
    ]
    if totals.unknown:
        status.append(("Hours unknown", f"{totals.unknown} records (not counted)"))
    pdf.cover("Revalidation: record of CPD and reflective accounts", status,
              note=f"Made by Learnfolio on {day_text(dt.date.today(), job.locale)}. Participatory means learning with other"
                   " people (in person or online); a record counts as participatory when its way of learning is"
                   " people or events, unless the person says otherwise in its CPD fields.")

    pdf.add_page()
    pdf.heading("Record of CPD activities")
    rows = [["Date", "Method", "Topic", "Hours", "Participatory", "Evidence"]]
    for r in records:
        rows.append([day_text(r.date, job.locale), r.way_label.split(":")[0], r.title, hours_cell(r.hours),
                     "yes" if r.participatory else "no", "; ".join(e.text() for e in r.evidence) or "-"])
    rows.append(["", "", "Total", format_hours(totals.hours), format_hours(totals.participatory), ""])
    pdf.grid(rows, (22, 26, 58, 16, 24, 28), align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT"))

    pdf.add_page()
    pdf.heading("Reflective accounts")
    for number, r in enumerate(reflections, start=1):
        if pdf.get_y() > pdf.h - 80:
            pdf.add_page()
        pdf.heading(f"Reflective account {number}: {r.title}", size=11.5, space=1.5)
        pdf.label_value("Nature of the activity", f"{day_text(r.date, job.locale)}, {r.way_label}, {r.provider}"
                                                  + (f"; {r.result}" if r.result else ""))
        pdf.label_value("What I learned", r.learned)
        pdf.label_value("How I changed or improved my practice", r.application or "(not written yet)")
        pdf.label_value("Relevance to the Code", ", ".join(themes_of(r)) or "(tag the record with a theme)")
        pdf.ln(3)
    if not reflections:
        pdf.para("No reflections in this period yet: write what you learned on a record's CPD page.")
    out.write(bytes(pdf.output()))


NURSING_EXPORTER = Exporter(
    name="nursing", title="Nursing revalidation log (PDF)", media_type="application/pdf", extension="pdf",
    write=write_nursing_log,
    description=f"{REQUIRED_HOURS} hours with {REQUIRED_PARTICIPATORY} participatory, and reflective accounts,"
                " over your last three CPD years", template=True, period="three-years")


@hookimpl
def register_exporters():
    return [NURSING_EXPORTER]
