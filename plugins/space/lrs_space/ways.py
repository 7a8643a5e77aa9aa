"""Ways of learning: what kind of learning a record is, and charts of them over time.

The ways follow the essays behind Learnfolio: most learning happens outside
courses, through content, people, daily work and events. The built-in
classifier below runs last (``trylast``); deployments map their own verbs and
activity types with the ``classify_statement`` hook.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from lrs import hookimpl
from lrs_space.vocabulary import WAY

WAYS = {
    "courses": "Courses and e-learning",
    "content": "Reading, watching, listening",
    "people": "People: conversations, communities, mentoring",
    "work": "Daily work: problem-solving, projects, reflection",
    "events": "Events: conferences, workshops",
    "other": "Other",
}
#: colours with at least 3:1 contrast against white, one per way (charts also label every value)
COLOURS = {"courses": "#1f5fa8", "content": "#b3531a", "people": "#2f7d32", "work": "#7a3f9d",
           "events": "#a3202f", "other": "#5a5a5a"}

#: words in activity types and verbs that tell the way, checked in this order
_TYPE_WORDS = [
    ("courses", ("course", "module", "lesson", "assessment", "cmi.interaction", "interaction", "simulation",
                 "objective", "attempt", "question")),
    ("events", ("event", "conference", "workshop", "webinar", "meetup", "meeting-event", "seminar")),
    ("people", ("meeting", "conversation", "discussion", "chat", "message", "comment", "mentor", "community",
                "forum", "review")),
    ("work", ("task", "project", "issue", "problem", "code", "ticket", "incident")),
    ("content", ("page", "article", "book", "document", "file", "video", "audio", "podcast", "link", "media",
                 "blog", "paper", "webpage", "resource", "slide")),
]
_VERB_WORDS = [
    ("courses", ("completed", "passed", "failed", "launched", "initialized", "terminated", "scored", "attempted",
                 "answered", "progressed", "mastered", "satisfied", "waived")),
    ("events", ("attended", "registered", "presented", "hosted")),
    ("people", ("discussed", "asked", "mentored", "commented", "replied", "shared", "chatted", "interacted",
                "talked", "coached")),
    ("work", ("solved", "reflected", "created", "worked", "built", "fixed", "debugged", "wrote")),
    ("content", ("read", "watched", "listened", "viewed", "bookmarked", "learned-from", "experienced",
                 "played", "consumed")),
]


def _match(text: str, table) -> str | None:
    text = text.lower()
    for way, words in table:
        if any(word in text for word in words):
            return way
    return None


@hookimpl(trylast=True)
def classify_statement(statement):
    extensions = (statement.get("context") or {}).get("extensions") or {}
    explicit = extensions.get(WAY)
    if explicit in WAYS:
        return explicit
    obj = statement.get("object") or {}
    activity_type = (obj.get("definition") or {}).get("type", "")
    verb = statement.get("verb", {}).get("id", "").rstrip("/").rsplit("/", 1)[-1]
    return _match(activity_type.rstrip("/").rsplit("/", 1)[-1], _TYPE_WORDS) or _match(verb, _VERB_WORDS) or "other"


@dataclass
class Month:
    month: str                      # YYYY-MM
    counts: dict[str, int]
    minutes: dict[str, int]


def by_month(records, months: int = 12, until: str | None = None) -> list[Month]:
    """Counts and minutes per way for the last ``months`` months (to the newest record or ``until``)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    minutes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in records:
        m = r.when[:7]
        counts[m][r.way] += 1
        if r.seconds:
            minutes[m][r.way] += round(r.seconds / 60)
    last = until or max(counts, default=None)
    if last is None:
        return []
    year, month = int(last[:4]), int(last[5:7])
    out = []
    for _ in range(months):
        key = f"{year:04d}-{month:02d}"
        out.append(Month(key, dict(counts.get(key, {})), dict(minutes.get(key, {}))))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(out))


def totals(records) -> dict[str, dict[str, int]]:
    out = {way: {"count": 0, "minutes": 0} for way in WAYS}
    for r in records:
        out[r.way]["count"] += 1
        out[r.way]["minutes"] += round(r.seconds / 60) if r.seconds else 0
    return out


def stacked_bars(months: list[Month], measure: str = "counts", width: int = 720, height: int = 240) -> dict:
    """Geometry of a stacked bar chart (one bar per month, one segment per way) for an SVG template."""
    left, bottom, top = 40, 30, 10
    plot_h = height - bottom - top
    values = [getattr(m, measure) for m in months]
    peak = max((sum(v.values()) for v in values), default=0) or 1
    slot = (width - left) / max(len(months), 1)
    bars = []
    for i, (m, v) in enumerate(zip(months, values)):
        x = left + i * slot + slot * 0.15
        y = top + plot_h
        segments = []
        for way in WAYS:
            amount = v.get(way, 0)
            if not amount:
                continue
            h = plot_h * amount / peak
            y -= h
            segments.append({"way": way, "label": WAYS[way], "colour": COLOURS[way], "x": round(x, 1),
                             "y": round(y, 1), "w": round(slot * 0.7, 1), "h": round(h, 1), "value": amount})
        bars.append({"month": m.month, "label": m.month[2:], "x": round(x + slot * 0.35, 1),
                     "total": sum(v.values()), "segments": segments})
    return {"width": width, "height": height, "bars": bars, "peak": peak, "base": top + plot_h, "top": top,
            "left": left, "measure": measure}
