"""Classification people agree with: statements as real tools send them (LMS completions, videos,
articles, podcasts, meetings, mentoring, chat notes, commits and tickets, conference talks) and the
way of learning a person would give each. The table is lrs_space.ways (docs/space.md lists it)."""

from __future__ import annotations

from collections import Counter

import pytest

from lrs import hookimpl
from lrs_space import WAYS, WayMapping, classifier, classify_statement
from lrs_space.ways import BUILT_IN
from tests.conftest import make_app

ADL, AS, TC, TCT = ("http://adlnet.gov/expapi/verbs/", "http://activitystrea.ms/schema/1.0/",
                    "http://id.tincanapi.com/verb/", "http://id.tincanapi.com/activitytype/")
ADLT, LF = "http://adlnet.gov/expapi/activities/", "https://learnfolio.example/xapi/verbs/"
VIDEO_V, VIDEO_T = "https://w3id.org/xapi/video/verbs/", "https://w3id.org/xapi/video/activity-type/video"
CHAT, JOURNAL = TCT + "chat-message", "https://learnfolio.example/xapi/activities/journal-entry"


def s(verb, type_, name, platform=None, *, response=None, context=None):
    """A statement as a tool sends it (the parts classification reads)."""
    statement = {"actor": {"mbox": "mailto:ann@example.org"}, "verb": {"id": verb},
                 "object": {"id": "https://example.org/x", "definition": {"name": {"en": name}, "type": type_}},
                 "context": dict(context or {})}
    if platform:
        statement["context"]["platform"] = platform
    if response:
        statement["result"] = {"response": response}
    return statement


#: (what it is, the statement, the way a person would give it)
CASES = [
    # courses: LMS completions and assessments
    ("Moodle course completion", s(ADL + "completed", ADLT + "course", "Information governance 2026", "Moodle"),
     "courses"),
    ("SCORM quiz passed", s(ADL + "passed", ADLT + "assessment", "Fire safety quiz", "SCORM Cloud"), "courses"),
    ("cmi5 block satisfied", s("https://w3id.org/xapi/adl/verbs/satisfied",
                               "https://w3id.org/xapi/cmi5/activitytype/block", "Module 2: escalation"), "courses"),
    ("LinkedIn Learning course", s(ADL + "completed", ADLT + "course", "Python essential training",
                                   "LinkedIn Learning"), "courses"),
    ("Coursera module progress", s(ADL + "progressed", ADLT + "module", "Week 3: regression", "Coursera"), "courses"),
    ("Storyline question answered", s(ADL + "answered", ADLT + "cmi.interaction", "Which gloves?"), "courses"),
    ("Totara assessment failed", s(ADL + "failed", ADLT + "assessment", "Medicines calculation test", "Totara"),
     "courses"),
    ("Udemy lesson launched", s(ADL + "launched", ADLT + "lesson", "Lesson 4: Docker volumes", "Udemy"), "courses"),
    # content: videos, articles, podcasts, books
    ("YouTube video watched (extension)", s(VIDEO_V + "watched", VIDEO_T, "How B-trees work",
                                            "Learnfolio browser extension"), "content"),
    ("video played (xAPI video profile)", s(VIDEO_V + "played", VIDEO_T, "Keynote recording"), "content"),
    ("Medium article read", s(AS + "read", AS + "article", "Why your retries need jitter", "Medium"), "content"),
    ("web page experienced (extension)", s(ADL + "experienced", AS + "page", "MDN: CSS grid"), "content"),
    ("Pocket article", s(AS + "read", "https://w3id.org/xapi/acrossx/activities/article", "Falls in older adults",
                         "Pocket"), "content"),
    ("Spotify podcast", s(LF + "listened", TCT + "podcast", "Software Engineering Radio 560", "Spotify"), "content"),
    ("Kindle book", s(AS + "read", AS + "book", "Thinking in Systems", "Kindle"), "content"),
    ("Readwise highlight", s(TC + "bookmarked", TCT + "document", "NICE guideline NG161", "Readwise"), "content"),
    ("slides viewed", s(TC + "viewed", TCT + "slide-deck", "Observability 101 slides"), "content"),
    ("journal: read", s("https://w3id.org/xapi/adl/verbs/read", JOURNAL, "Read the SQLite WAL docs",
                        "Learnfolio journal"), "content"),
    # people: mentoring, conversations, communities
    ("mentoring meeting", s(TC + "mentored", ADLT + "meeting", "Monthly mentoring with Jo", "Teams"), "people"),
    ("journal: discussed", s(LF + "discussed", JOURNAL, "Pricing models with the sales team",
                             "Learnfolio journal"), "people"),
    ("chat note naming a colleague", s(LF + "learned-from", CHAT, "Priya showed me how to bisect a flaky test",
                                       "Slack"), "people"),
    ("chat note with an @mention", s(LF + "learned-from", CHAT, "@marco explained our blue-green deploys",
                                     "Mattermost"), "people"),
    ("chat message saved from a colleague", s(LF + "saved", CHAT, "Tip: EXPLAIN QUERY PLAN first", "Slack"),
     "people"),
    ("forum reply", s(TC + "replied", TCT + "forum-reply", "Re: wound dressings", "Moodle"), "people"),
    ("question asked in a community", s(ADL + "asked", AS + "question", "How do I size a connection pool?",
                                        "Stack Overflow"), "people"),
    ("review comment", s(ADL + "commented", AS + "comment", "Comment on the retry PR", "GitHub"), "people"),
    ("tutoring session", s(ADL + "experienced", TCT + "tutor-session", "Statistics tutoring"), "people"),
    ("chat note with an instructor in context", s(LF + "learned-from", CHAT, "Escalation rules for night shifts",
                                                  "Slack", context={"instructor": {"name": "Ward sister"}}),
     "people"),
    # work: chat notes naming no one, commits, tickets, reflection
    ("chat note, nobody named", s(LF + "learned-from", CHAT, "Retry with jitter beats fixed backoff", "Slack"),
     "work"),
    ("chat note about a system", s(LF + "learned-from", CHAT, "Our Postgres autovacuum runs at 3am",
                                   "Mattermost"), "work"),
    ("chat note naming tools only", s(LF + "learned-from", CHAT, "Layer caching works with Docker and Kubernetes",
                                      "Slack"), "work"),
    ("GitHub commit", s(AS + "create", TCT + "code-commit", "Fix race in the checkpoint thread", "GitHub"),
     "work"),
    ("Jira ticket", s(AS + "complete", TCT + "issue", "OPS-1234 Disk alerts flapping", "Jira"), "work"),
    ("GitLab merge request", s("https://gitlab.example.org/verbs/merged",
                               "https://gitlab.example.org/types/merge-request", "MR !88: faster CI", "GitLab"),
     "work"),
    ("journal: worked out", s(LF + "solved", JOURNAL, "Worked out why the import was slow", "Learnfolio journal"),
     "work"),
    ("journal: reflected", s(LF + "reflected", JOURNAL, "What the outage taught me", "Learnfolio journal"), "work"),
    ("incident write-up", s(AS + "author", "https://example.org/types/incident-report", "Postmortem: 12 May"),
     "work"),
    # events: meetings, conferences, webinars, workshops
    ("Zoom meeting attended", s(ADL + "attended", ADLT + "meeting", "Architecture review", "Zoom"), "events"),
    ("Teams meeting joined", s(AS + "join", TCT + "meeting", "Quarterly all-hands", "Microsoft Teams"), "events"),
    ("conference talk", s(ADL + "attended", TCT + "conference-session", "PyCon: typing in practice"), "events"),
    ("webinar registered", s(ADL + "registered", TCT + "webinar", "NHS digital webinar"), "events"),
    ("talk given at a meetup", s(AS + "present", AS + "event", "Lightning talk: SQLite in prod", "Meetup"),
     "events"),
    ("workshop", s(ADL + "experienced", TCT + "workshop", "Clinical simulation workshop"), "events"),
    ("journal: attended", s(ADL + "attended", JOURNAL, "Regional nursing conference", "Learnfolio journal"),
     "events"),
    ("Eventbrite check-in", s("https://eventbrite.example/verbs/checked-in", "https://eventbrite.example/types/ticket",
                              "Data meetup #12", "Eventbrite"), "events"),
    # other: nothing known
    ("an unknown tool's vocabulary", s("https://example.org/verbs/pinged", "https://example.org/types/widget",
                                       "Widget 7"), "other"),
]


def test_the_table_has_at_least_forty_realistic_statements():
    assert len(CASES) >= 40
    assert {way for _, _, way in CASES} == set(WAYS)


@pytest.mark.parametrize("what, statement, way", CASES, ids=[c[0] for c in CASES])
def test_each_statement_is_classified_as_a_person_would(what, statement, way):
    assert classify_statement(statement) == way, what


def test_count_and_share_per_way(capsys):
    counts = Counter(way for _, _, way in CASES)
    total = sum(counts.values())
    with capsys.disabled():
        print(f"\nclassification table: {total} statements; "
              + ", ".join(f"{way} {counts[way]} ({100 * counts[way] / total:.0f}%)" for way in WAYS))
    assert counts == {"courses": 8, "content": 10, "people": 10, "work": 9, "events": 8, "other": 1}


def test_the_way_a_statement_names_comes_first():
    statement = s(ADL + "completed", ADLT + "course", "A course I count as work")
    statement["context"]["extensions"] = {"https://learnfolio.example/xapi/extensions/way": "work"}
    assert classify_statement(statement) == "work"


def test_every_built_in_line_is_in_the_documented_table():
    from pathlib import Path

    docs = (Path(__file__).parents[3] / "docs" / "space.md").read_text()
    missing = [m.name for m in BUILT_IN if f"`{m.name}`" not in docs]
    assert missing == [], "docs/space.md, 'Ways of learning', lists every line of the built-in table"


def test_a_plugin_extends_and_changes_the_table(tmp_path):
    class Vocabulary:
        @hookimpl
        def register_way_mappings(self):
            return [WayMapping("https://acme.example/verbs/shadowed", "verb", "people"),
                    WayMapping(ADLT + "meeting", "type", "people"),       # here, meetings are conversations
                    WayMapping("Acme Wiki", "platform", "content")]

    app = make_app(tmp_path, plugins=[Vocabulary()], load=("space",))
    classify = classifier(app.extensions["lrs"].pm)
    assert classify(s("https://acme.example/verbs/shadowed", "https://acme.example/t", "Shadowing")) == "people"
    assert classify(s(AS + "join", ADLT + "meeting", "1:1")) == "people"
    assert classify(s(ADL + "attended", ADLT + "meeting", "Review")) == "events"  # a decisive verb still decides
    assert classify(s("https://acme.example/verbs/edited", "https://acme.example/page", "Runbook", "acme wiki")) \
        == "content"
    assert classify_statement(s(AS + "join", ADLT + "meeting", "1:1")) == "events"  # the built-in table unchanged


def test_two_plugins_mapping_one_name_is_an_error(tmp_path):
    from lrs import DuplicateRegistration

    class One:
        @hookimpl
        def register_way_mappings(self):
            return [WayMapping("https://x.example/v", "verb", "work")]

    class Two:
        @hookimpl
        def register_way_mappings(self):
            return [WayMapping("https://x.example/v", "verb", "people")]

    app = make_app(tmp_path, plugins=[One(), Two()], load=("space",))
    with pytest.raises(DuplicateRegistration):
        classifier(app.extensions["lrs"].pm)(s("https://x.example/v", "", "x"))
