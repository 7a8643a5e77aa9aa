"""Ways of learning: what kind of learning a record is, and charts of them over time.

The ways follow the essays behind Learnfolio: most learning happens outside
courses, through content, people, daily work and events. Which way a statement
records is decided by a table (docs/space.md, "Ways of learning", lists it):

1. the way the statement names itself (extension ``…/extensions/way``);
2. a *decisive* verb: ``attended`` is an event, ``mentored`` is people, whatever the activity;
3. a note (a chat ``/learned`` note, a journal entry "learned from" or "reflected on"): daily
   work, unless it names a person (an @mention, an instructor or team, "with Sam",
   "thanks to Sam", "Sam showed me" …): then people;
4. the activity type; 5. the verb; 6. the platform (``context.platform``, the tool);
7. words in the activity type, then in the verb; 8. ``other``.

Plugins add lines or change built-in ones (``register_way_mappings``); a plugin that
needs more answers ``classify_statement`` first. A person corrects any record's way
(lrs_space.annotations), and every view uses the correction.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from lrs import named_registrations
from lrs_space.vocabulary import JOURNAL_ENTRY, WAY

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


@dataclass(frozen=True)
class WayMapping:
    """One line of the table: statements with this verb, activity type or platform record this way.

    ``kind`` is ``verb`` or ``type`` (``name`` is the IRI) or ``platform`` (``name`` is a tool's
    name as in ``context.platform``, in any letter case). A ``decisive`` verb decides whatever
    the activity type is.
    """

    name: str
    kind: str
    way: str
    decisive: bool = False


ADL = "http://adlnet.gov/expapi/verbs/"
AS = "http://activitystrea.ms/schema/1.0/"
TC_VERB = "http://id.tincanapi.com/verb/"
TC_TYPE = "http://id.tincanapi.com/activitytype/"
ADL_TYPE = "http://adlnet.gov/expapi/activities/"
LF_VERB = "https://learnfolio.example/xapi/verbs/"


def _lines(kind: str, way: str, *names: str, decisive: bool = False) -> list[WayMapping]:
    return [WayMapping(name, kind, way, decisive) for name in names]


#: the built-in table
BUILT_IN: list[WayMapping] = [
    *_lines("verb", "events", ADL + "attended", AS + "attend", AS + "present", TC_VERB + "presented",
            decisive=True),
    *_lines("verb", "people", TC_VERB + "mentored", LF_VERB + "mentored", LF_VERB + "was-mentored-by",
            decisive=True),
    # activity types
    *_lines("type", "courses", ADL_TYPE + "course", ADL_TYPE + "module", ADL_TYPE + "lesson", ADL_TYPE + "assessment",
            ADL_TYPE + "question", ADL_TYPE + "cmi.interaction", ADL_TYPE + "interaction", ADL_TYPE + "simulation",
            ADL_TYPE + "objective", "https://w3id.org/xapi/cmi5/activitytype/course",
            "https://w3id.org/xapi/cmi5/activitytype/block", TC_TYPE + "lms"),
    *_lines("type", "content", AS + "article", AS + "page", AS + "video", AS + "audio", AS + "book", AS + "file",
            ADL_TYPE + "media", ADL_TYPE + "file", ADL_TYPE + "link", TC_TYPE + "blog", TC_TYPE + "book",
            TC_TYPE + "document", TC_TYPE + "podcast", TC_TYPE + "slide-deck", TC_TYPE + "research-report",
            "https://w3id.org/xapi/video/activity-type/video", "https://w3id.org/xapi/audio/activity-type/audio",
            "https://w3id.org/xapi/acrossx/activities/webpage", "https://w3id.org/xapi/acrossx/activities/video",
            "https://w3id.org/xapi/acrossx/activities/article", "https://w3id.org/xapi/acrossx/activities/e-book"),
    *_lines("type", "people", TC_TYPE + "mentoring", TC_TYPE + "tutor-session", TC_TYPE + "discussion",
            TC_TYPE + "forum-reply", TC_TYPE + "email", AS + "comment", AS + "question"),
    *_lines("type", "work", AS + "task", TC_TYPE + "issue", TC_TYPE + "code-commit", TC_TYPE + "source",
            TC_TYPE + "chat-message"),
    *_lines("type", "events", ADL_TYPE + "meeting", TC_TYPE + "meeting", AS + "event", TC_TYPE + "conference",
            TC_TYPE + "conference-session", TC_TYPE + "webinar", TC_TYPE + "workshop",
            "https://w3id.org/xapi/tla/activity-types/live_session"),
    # verbs
    *_lines("verb", "courses", ADL + "completed", ADL + "passed", ADL + "failed", ADL + "launched",
            ADL + "initialized", ADL + "terminated", ADL + "scored", ADL + "attempted", ADL + "answered",
            ADL + "progressed", ADL + "mastered", "https://w3id.org/xapi/adl/verbs/satisfied",
            "https://w3id.org/xapi/adl/verbs/waived", "https://w3id.org/xapi/adl/verbs/abandoned"),
    *_lines("verb", "content", "https://w3id.org/xapi/adl/verbs/read", AS + "read", AS + "watch", AS + "listen",
            "https://w3id.org/xapi/video/verbs/watched", "https://w3id.org/xapi/video/verbs/played",
            LF_VERB + "listened", TC_VERB + "viewed", TC_VERB + "bookmarked", ADL + "experienced"),
    *_lines("verb", "people", ADL + "asked", ADL + "commented", ADL + "shared", TC_VERB + "replied",
            LF_VERB + "discussed", LF_VERB + "saved"),
    *_lines("verb", "work", LF_VERB + "solved", LF_VERB + "reflected", LF_VERB + "learned-from", AS + "create",
            AS + "author", TC_VERB + "closed-sale", "https://w3id.org/xapi/dod-isd/verbs/resolved"),
    # platforms: the tool's name in context.platform
    *_lines("platform", "courses", "Moodle", "Canvas", "Blackboard", "Totara", "Docebo", "Cornerstone",
            "Coursera", "edX", "Udemy", "LinkedIn Learning", "Pluralsight", "SCORM Cloud"),
    *_lines("platform", "content", "YouTube", "Vimeo", "Spotify", "Pocket", "Medium", "Kindle", "Readwise"),
    *_lines("platform", "work", "GitHub", "GitLab", "Bitbucket", "Jira", "Azure DevOps", "Linear"),
    *_lines("platform", "events", "Zoom", "Microsoft Teams", "Google Meet", "Webex", "Eventbrite", "Meetup"),
]

#: words in activity types and verbs that tell the way when the table does not, checked in this order
TYPE_WORDS = [
    ("courses", ("course", "module", "lesson", "assessment", "cmi.interaction", "interaction", "simulation",
                 "objective", "attempt", "question", "quiz", "exam")),
    ("events", ("event", "conference", "workshop", "webinar", "meetup", "meeting", "seminar", "talk")),
    ("people", ("conversation", "discussion", "chat", "message", "comment", "mentor", "community", "forum",
                "review", "coaching")),
    ("work", ("task", "project", "issue", "problem", "code", "commit", "ticket", "incident", "pull-request",
              "merge-request", "deploy")),
    ("content", ("page", "article", "book", "document", "file", "video", "audio", "podcast", "link", "media",
                 "blog", "paper", "webpage", "resource", "slide", "newsletter")),
]
VERB_WORDS = [
    ("courses", ("completed", "passed", "failed", "launched", "initialized", "terminated", "scored", "attempted",
                 "answered", "progressed", "mastered", "satisfied", "waived", "enrolled")),
    ("events", ("attended", "registered", "presented", "hosted", "spoke")),
    ("people", ("discussed", "asked", "mentored", "commented", "replied", "shared", "chatted", "interacted",
                "talked", "coached", "paired")),
    ("work", ("solved", "reflected", "created", "worked", "built", "fixed", "debugged", "wrote", "committed",
              "resolved", "closed", "merged", "deployed", "reviewed")),
    ("content", ("read", "watched", "listened", "viewed", "bookmarked", "learned-from", "experienced",
                 "played", "consumed")),
]

#: verbs of a note: what someone wrote down they learned (chat /learned, the journal's default)
NOTE_VERBS = (LF_VERB + "learned-from", LF_VERB + "reflected")
NOTE_TYPES = (TC_TYPE + "chat-message", JOURNAL_ENTRY)
_MENTION = re.compile(r"<@[A-Z0-9]+>|(?<![\w.])@[A-Za-z][\w.-]*")
_NAMES_SOMEONE = [
    re.compile(r"\b(?:mentor|colleague|manager|teammate|coach|team lead|tech lead|senior|buddy)s?\b", re.I),
    re.compile(r"\b(?:with|thanks to|asked|by|from)\s+(?!I\b)[A-Z][a-z]+\b(?!\s+(?:docs|documentation|\d))"),
    re.compile(r"\b(?!I\b)[A-Z][a-z]+\s+(?:showed|explained|told|taught|helped)\s+(?:me|us)\b"),
]
_TOOLS_NOT_PEOPLE = {"Python", "Java", "Kafka", "Docker", "Kubernetes", "React", "Postgres", "PostgreSQL", "SQLite",
                     "Linux", "Git", "GitHub", "GitLab", "Jira", "Slack", "Excel", "Terraform", "Rust", "Go",
                     "AWS", "Azure", "Google", "Chrome", "Firefox", "Flask", "Django", "Redis", "Mongo",
                     "MongoDB", "Ansible", "Jenkins", "Windows", "Mac", "Node", "TypeScript", "JavaScript"}


def names_a_person(statement: dict) -> bool:
    """Whether a note says it was learned with someone: an instructor or team in its context, an
    @mention, a role ("my mentor"), or a name ("with Sam", "thanks to Sam", "Sam showed me")."""
    context = statement.get("context") or {}
    if context.get("instructor") or context.get("team"):
        return True
    definition = (statement.get("object") or {}).get("definition") or {}
    texts = [*(definition.get("name") or {}).values(), (statement.get("result") or {}).get("response") or ""]
    text = " ".join(t for t in texts if isinstance(t, str))
    if _MENTION.search(text) or _NAMES_SOMEONE[0].search(text) or _NAMES_SOMEONE[2].search(text):
        return True
    return any(m.group(0).split()[-1] not in _TOOLS_NOT_PEOPLE for m in _NAMES_SOMEONE[1].finditer(text))


@dataclass(frozen=True)
class WayTable:
    """The table in force: the built-in lines, then plugins' lines (which replace built-in ones)."""

    decisive: dict[str, str]
    verbs: dict[str, str]
    types: dict[str, str]
    platforms: dict[str, str]

    @classmethod
    def of(cls, mappings) -> "WayTable":
        decisive, verbs, types, platforms = {}, {}, {}, {}
        for m in mappings:
            if m.way not in WAYS:
                raise ValueError(f"way mapping {m.name!r}: {m.way!r} is not one of {', '.join(WAYS)}")
            if m.kind == "verb":
                (decisive if m.decisive else verbs)[m.name] = m.way
                (verbs if m.decisive else decisive).pop(m.name, None)
            elif m.kind == "type":
                types[m.name] = m.way
            elif m.kind == "platform":
                platforms[m.name.casefold()] = m.way
            else:
                raise ValueError(f"way mapping {m.name!r}: kind is verb, type or platform, not {m.kind!r}")
        return cls(decisive, verbs, types, platforms)

    def classify(self, statement: dict) -> str:
        context = statement.get("context") or {}
        explicit = (context.get("extensions") or {}).get(WAY)
        if explicit in WAYS:
            return explicit
        verb = (statement.get("verb") or {}).get("id", "")
        if verb in self.decisive:
            return self.decisive[verb]
        obj = statement.get("object") or {}
        activity_type = (obj.get("definition") or {}).get("type", "")
        if activity_type in NOTE_TYPES:
            if verb in NOTE_VERBS or (activity_type != JOURNAL_ENTRY and verb not in self.verbs):
                return "people" if names_a_person(statement) else "work"
            if verb in self.verbs:  # a journal entry "read …", a chat message saved from a colleague
                return self.verbs[verb]
        if activity_type in self.types and activity_type != JOURNAL_ENTRY:
            return self.types[activity_type]
        if verb in self.verbs:
            return self.verbs[verb]
        platform = context.get("platform")
        if isinstance(platform, str) and platform.casefold() in self.platforms:
            return self.platforms[platform.casefold()]
        return (_match(activity_type.rstrip("/").rsplit("/", 1)[-1], TYPE_WORDS)
                or _match(verb.rstrip("/").rsplit("/", 1)[-1], VERB_WORDS) or "other")


def _match(text: str, table) -> str | None:
    text = text.lower()
    for way, words in table:
        if any(word in text for word in words):
            return way
    return None


TABLE = WayTable.of(BUILT_IN)


def classify_statement(statement: dict) -> str:
    """The way of learning by the built-in table (no plugin's lines)."""
    return TABLE.classify(statement)


def way_table(pm) -> WayTable:
    """The table of an application: built in, then each plugin's ``register_way_mappings`` (read once)."""
    table = getattr(pm, "_lrs_space_way_table", None)
    if table is None:
        added = named_registrations([[_Named(f"{m.kind}:{m.name}", m) for m in result or ()]
                                     for result in pm.hook.register_way_mappings()], "a way mapping")
        table = WayTable.of([*BUILT_IN, *(named.mapping for named in added.values())])
        pm._lrs_space_way_table = table
    return table


@dataclass(frozen=True)
class _Named:
    name: str
    mapping: WayMapping


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
    return _window(counts, minutes, months, until)


def _window(counts: dict, minutes: dict, months: int, until: str | None) -> list[Month]:
    """The last ``months`` months (to the newest month counted, or ``until``), oldest first."""
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


def by_month_of_sums(sums, months: int = 12, until: str | None = None) -> list[Month]:
    """:func:`by_month` from the store's sums per month and way (``RecordSum``) instead of the records."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    minutes: dict[str, dict[str, int]] = defaultdict(dict)
    for s in sums:
        counts[s.month][s.way] = s.count
        if s.timed:
            minutes[s.month][s.way] = s.minutes
    return _window(counts, minutes, months, until)


def totals_of_sums(sums) -> dict[str, dict[str, int]]:
    """:func:`totals` from the store's sums per month and way."""
    out = {way: {"count": 0, "minutes": 0} for way in WAYS}
    for s in sums:
        out[s.way]["count"] += s.count
        out[s.way]["minutes"] += s.minutes
    return out


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


def stacked_rows(months: list[Month], measure: str = "counts", width: int = 340, row: int = 28) -> dict:
    """The same chart for a phone: one row per month (its name, then its bar), drawn about as wide
    as a phone's page so its text stays the size of the page's (the wide chart, shrunk, would not)."""
    left, right, top = 76, 34, 4
    plot_w = width - left - right
    values = [getattr(m, measure) for m in months]
    peak = max((sum(v.values()) for v in values), default=0) or 1
    rows = []
    for i, (m, v) in enumerate(zip(months, values)):
        y, x = top + i * row, left
        segments = []
        for way in WAYS:
            amount = v.get(way, 0)
            if not amount:
                continue
            w = plot_w * amount / peak
            segments.append({"way": way, "label": WAYS[way], "colour": COLOURS[way], "x": round(x, 1),
                             "y": y + 5, "w": round(w, 1), "h": row - 10, "value": amount})
            x += w
        rows.append({"month": m.month, "y": y, "text_y": y + row // 2 + 5, "total": sum(v.values()),
                     "end": round(x + 5, 1), "segments": segments})
    return {"width": width, "height": top + len(months) * row + 4, "rows": rows, "left": left}
