"""Results and times as people read them, in their locale.

Dates, months and numbers are formatted by Babel (the Unicode CLDR data), so a person in
Germany reads "20. Nov. 2026" where one in Britain reads "20 Nov 2026". Durations use the
international symbols h, min and s ("4 h 17 min", "40 s"), with the locale's numbers.
Which locale: the person's setting, else the browser's Accept-Language, else the
deployment's default (``LRS_SPACE_LOCALE``, ``en-GB``).
"""

from __future__ import annotations

import datetime as dt
import math
import re

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from babel.numbers import format_decimal

from lrs_space.vocabulary import ACTIVITY_TYPES, RATING_VERBS

DEFAULT_LOCALE = "en-GB"


def parse_locale(tag: str | None) -> Locale | None:
    """The Babel locale of a language tag ("en-GB", "de", "pt_BR"), or None when there is none."""
    if not tag or not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*", tag):
        return None
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


def choose_locale(setting: str | None, accept_languages=(), default: str = DEFAULT_LOCALE) -> Locale:
    """The person's setting, else the first language of the browser that Babel knows, else the default."""
    for tag in (setting, *accept_languages, default, DEFAULT_LOCALE):
        locale = parse_locale(tag)
        if locale is not None:
            return locale
    raise AssertionError("the default locale is always known")


def _date(value) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def day_text(value, locale) -> str:
    """A day: "20 Nov 2026" (en-GB), "Nov 20, 2026" (en-US). From a date, or the date part of a
    timestamp as the tool sent it (the day where the learning happened)."""
    day = _date(value)
    return format_skeleton("yMMMd", day, locale=locale) if day else str(value or "")


def month_text(month: str, locale) -> str:
    """A month ("2025-12"): "Dec 2025"."""
    day = _date(f"{month}-01")
    return format_skeleton("yMMM", day, locale=locale) if day else month


#: numbers this large are written as 1e+300: no one reads them digit by digit, and Babel's decimal
#: arithmetic would refuse them (a tool may send any JSON number as a score)
READABLE_NUMBERS = 1e15


def number_text(value: float, locale) -> str:
    if abs(value) < READABLE_NUMBERS:
        try:
            return format_decimal(value, format="#,##0.##", locale=locale)
        except ArithmeticError:
            pass
    return f"{value:g}"


def duration_text(seconds: float | None, locale) -> str:
    """"6 h", "4 h 17 min", "45 min", "3 min 20 s" (a short visit), "40 s"; "" when unknown."""
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        return ""
    seconds = round(seconds)
    if seconds < 60:
        return f"{number_text(seconds, locale)} s"
    if seconds < 10 * 60 and seconds % 60:
        return f"{seconds // 60} min {seconds % 60} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    text = f"{number_text(hours, locale)} h"
    return f"{text} {minutes} min" if minutes else text


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value) else None


def score_text(result: dict, locale, *, rating: bool = False) -> str:
    """"86 / 100 (86%)", "4 of 5" for a rating, "86%" from a scaled score alone; "" without a score."""
    score = result.get("score") if isinstance(result, dict) else None
    if not isinstance(score, dict):
        return ""
    raw, low, high, scaled = (_number(score.get(k)) for k in ("raw", "min", "max", "scaled"))
    if rating and raw is not None and high is not None:
        return f"{number_text(raw, locale)} of {number_text(high, locale)}"
    if scaled is None and raw is not None and high is not None and high != (low or 0):
        scaled = (raw - (low or 0)) / (high - (low or 0))
    if scaled is not None and not math.isfinite(scaled * 100):
        scaled = None
    percent = f"{number_text(round(scaled * 100, 1), locale)}%" if scaled is not None else ""
    if raw is not None and high is not None:
        return f"{number_text(raw, locale)} / {number_text(high, locale)}" + (f" ({percent})" if percent else "")
    if raw is not None:
        return number_text(raw, locale) + (f" ({percent})" if percent else "")
    return percent


def outcome_words(result: dict) -> list[str]:
    """"passed" or "failed", "completed" or "not completed", as the result says."""
    if not isinstance(result, dict):
        return []
    words = []
    if result.get("success") is True:
        words.append("passed")
    elif result.get("success") is False:
        words.append("failed")
    if result.get("completion") is True:
        words.append("completed")
    elif result.get("completion") is False:
        words.append("not completed")
    return words


def result_text(statement: dict, locale) -> str:
    """Score and outcome of a statement in one phrase: "86 / 100 (86%), passed, completed"."""
    result = statement.get("result") or {}
    rating = (statement.get("verb") or {}).get("id") in RATING_VERBS
    parts = [score_text(result, locale, rating=rating), *outcome_words(result)]
    return ", ".join(p for p in parts if p)


def type_label(iri: str) -> str:
    """A readable name for an activity type IRI: "Video", "Chat note", else its last part."""
    if not iri:
        return ""
    if iri in ACTIVITY_TYPES:
        return ACTIVITY_TYPES[iri]
    last = re.split(r"[/#:]", iri.rstrip("/#"))[-1]
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", last).replace("-", " ").replace("_", " ").replace(".", " ").strip()
    return words[:1].upper() + words[1:].lower() if words else iri


def agent_name(agent) -> str:
    """What to call an Agent or Group: its name, else its account's name, else its address."""
    if not isinstance(agent, dict):
        return ""
    if agent.get("name"):
        return str(agent["name"])
    account = agent.get("account")
    if isinstance(account, dict) and account.get("name"):
        return str(account["name"])
    if isinstance(agent.get("mbox"), str):
        return agent["mbox"].removeprefix("mailto:")
    members = agent.get("member")
    if isinstance(members, list):
        return ", ".join(n for n in (agent_name(m) for m in members) if n)
    return ""


def people_of(statement: dict) -> list[str]:
    """The people the learning was with: ``context.instructor`` (a mentor, a teacher) and ``context.team``."""
    context = statement.get("context") or {}
    names = []
    for role in ("instructor", "team"):
        name = agent_name(context.get(role))
        if name and name not in names:
            names.append(name)
    return names


__all__ = ["agent_name", "choose_locale", "day_text", "duration_text", "month_text",
           "number_text", "outcome_words", "people_of", "result_text", "score_text", "type_label"]
