"""The space's blueprint, and the template filters that write results and times as people read
them (lrs_space.readable, in the request's locale). Sessions, sign-in, CSRF, headers and the
layout are the core's web framework (:mod:`lrs.web`, public as ``lrs.page_blueprint``, ``lrs.render`` …)."""

from __future__ import annotations

from lrs import page_blueprint
from lrs_space import readable

bp = page_blueprint("space", __name__)


def _locale():
    from lrs_space.people import current_locale

    return current_locale()


@bp.app_template_filter("day")
def day(value) -> str:
    """``{{ record.when|day }}``: "20 Nov 2026"."""
    return readable.day_text(value, _locale())


@bp.app_template_filter("month")
def month(value: str) -> str:
    """``{{ "2025-12"|month }}``: "Dec 2025"."""
    return readable.month_text(value, _locale())


@bp.app_template_filter("duration")
def duration(seconds) -> str:
    """``{{ record.seconds|duration }}``: "4 h 17 min"."""
    return readable.duration_text(seconds, _locale())


@bp.app_template_filter("result_text")
def result_text(record) -> str:
    """``{{ record|result_text }}``: "86 / 100 (86%), passed, completed"."""
    return readable.result_text(record.statement, _locale())


@bp.app_template_filter("number")
def number(value) -> str:
    return readable.number_text(value, _locale())


@bp.app_template_filter("plural")
def plural(count: int, singular: str, plural: str | None = None) -> str:
    """``{{ n|plural("record") }}``: "1 record", "2 records"."""
    return f"{readable.number_text(count, _locale())} {singular if count == 1 else plural or singular + 's'}"


@bp.app_template_filter("type_name")
def type_name(iri: str) -> str:
    return readable.type_label(iri)
