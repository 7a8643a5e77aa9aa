"""The record rows (lrs_space.rows): the timeline, its filters, counts and facets, and "how I learn"
read from the store's rows give the pages that reading the whole record gives, before and after
records arrive, are voided, deleted, hidden and annotated."""

from __future__ import annotations

import random
import re
import uuid

import pytest

from lrs_space import rows as rows_module
from lrs_space.annotations import Annotation, annotation_of, forget_annotations, save_annotation
from lrs_space.views import timeline as timeline_view, ways_page
from lrs_space.vocabulary import TAGS, WAY
from tests.plugins.space.test_pages import ann_agent, xapi_for

VERBS = ["http://adlnet.gov/expapi/verbs/completed", "https://w3id.org/xapi/adl/verbs/read",
         "http://adlnet.gov/expapi/verbs/attended", "http://id.tincanapi.com/verb/mentored",
         "https://learnfolio.example/xapi/verbs/learned-from", "http://example.com/verbs/tinkered"]
TYPES = ["http://adlnet.gov/expapi/activities/course", "http://activitystrea.ms/schema/1.0/article",
         "http://id.tincanapi.com/activitytype/chat-message", "http://example.com/types/gizmo", ""]
PLATFORMS = ["Moodle", "YouTube", "GitHub", None]
TAG_CHOICES = [[], ["sql"], ["sql", "python"], ["python"], ["career"]]
DURATIONS = [None, "PT30M", "PT1H5M", "PT20S", "PT0S", "PT2H"]
OFFSETS = ["Z", "+05:00", "-08:00"]


def varied(rng: random.Random, actor: dict, n: int) -> list[dict]:
    out = []
    for i in range(n):
        verb = rng.choice(VERBS)
        definition = {"name": {"en": f"{rng.choice(['Indexes', 'Pairing', 'Talk', 'Chat'])} {i} with Sam"},
                      "description": {"en": rng.choice(["about databases", "on testing", ""])}}
        kind = rng.choice(TYPES)
        if kind:
            definition["type"] = kind
        context: dict = {"extensions": {}}
        if rng.random() < 0.6:
            context["extensions"][TAGS] = rng.choice(TAG_CHOICES)
        if rng.random() < 0.1:
            context["extensions"][WAY] = rng.choice(["work", "people"])
        platform = rng.choice(PLATFORMS)
        if platform:
            context["platform"] = platform
        if rng.random() < 0.2:
            context["instructor"] = {"objectType": "Agent", "name": "Mentor Mo", "mbox": "mailto:mo@example.org"}
        # days across 14 months, some near midnight in other time zones
        month, day = rng.randint(0, 13), rng.randint(1, 28)
        year, month = 2025 + (month // 12), month % 12 + 1
        hour = rng.choice(["00:30", "12:00", "23:45"])
        statement = {"id": str(uuid.uuid4()), "actor": actor, "verb": {"id": verb, "display": {"en": verb[-8:]}},
                     "object": {"id": f"https://example.org/a/{i}", "definition": definition},
                     "context": context, "timestamp": f"{year}-{month:02d}-{day:02d}T{hour}:00{rng.choice(OFFSETS)}"}
        duration = rng.choice(DURATIONS)
        result = {}
        if duration:
            result["duration"] = duration
        if rng.random() < 0.3:
            result["response"] = rng.choice(["learned about vacuum", "#sql tips from a colleague"])
        if result:
            statement["result"] = result
        out.append(statement)
    return out


URLS = ["/space/", "/space/?q=sam", "/space/?q=databases+with", "/space/?tag=sql", "/space/?tag=python",
        "/space/?way=people", "/space/?way=courses", "/space/?way=other", "/space/?way=events",
        "/space/?way=work", "/space/?way=content", "/space/?type=Course",
        "/space/?source=Moodle", "/space/?verb=https://w3id.org/xapi/adl/verbs/read",
        "/space/?since=2025-06-01&until=2025-09-30", "/space/?since=2025-03-03", "/space/?hidden=only",
        "/space/?hidden=only&way=other", "/space/?tag=sql&q=indexes", "/space/ways", "/space/ways?measure=minutes"]


def _comparable(html: str) -> str:
    """A page without what differs by design: the rows count every filter's matches (the whole record
    read counted only the store's filters), and the CSRF token."""
    html = re.sub(r"; \d+ match|; those matching your filters below", "", html)
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def _pages(b) -> dict[str, str]:
    """Each page, and each page the first page's Older / Newer links lead to, two deep."""
    found = {}
    for url in URLS:
        found[url] = b.get(url).get_data(as_text=True)
        for rel in ("next", "prev"):
            link = re.search(rf'<a rel="{rel}" href="([^"]+)">', found[url])
            if link:
                follow = link.group(1).replace("&amp;", "&")
                found[follow] = b.get(follow).get_data(as_text=True)
                back = re.search(r'<a rel="prev" href="([^"]+)">', found[follow])
                if back:
                    found[back.group(1)] = b.get(back.group(1).replace("&amp;", "&")).get_data(as_text=True)
    return found


def _whole_record(monkeypatch):
    """The pages as they were before the rows: every filter on the whole record read in Python."""
    for module in (rows_module, timeline_view, ways_page):
        monkeypatch.setattr(module, "rows_ready", lambda access: False)


def _same(b, monkeypatch):
    from_rows = _pages(b)
    with monkeypatch.context() as m:
        _whole_record(m)
        whole = {url: b.get(url.replace("&amp;", "&")).get_data(as_text=True) for url in from_rows}
    assert len(from_rows) > len(URLS)  # pages were followed
    for url, html in from_rows.items():
        assert _comparable(html) == _comparable(whole[url]), url
    return from_rows


def test_rows_give_the_pages_the_whole_record_gives(space_app, people, browser, space_store, monkeypatch):
    rng = random.Random(18)
    agent = ann_agent(space_app)
    tool = xapi_for(space_app, space_store, people["ann"])
    ann_id = people["ann"].id
    statements = varied(rng, agent, 70)
    assert tool.post("/xapi/statements", json=statements).status_code == 200
    xapi_for(space_app, space_store, people["bob"]).post("/xapi/statements", json=varied(rng, {
        "objectType": "Agent", "name": "bob", "account": {"homePage": agent["account"]["homePage"], "name": "bob"}},
        10))
    ids = [s["id"] for s in statements]
    with space_app.app_context():
        for i in ids[:3]:
            save_annotation(space_store, ann_id, Annotation(i, hidden=True))
        save_annotation(space_store, ann_id, Annotation(ids[3], way="people", hours=1.5, tags=["career"]))
        save_annotation(space_store, ann_id, Annotation(ids[4], title="Renamed by me", reflection="zebra crossing",
                                                        activity_type="Gizmo", tags=[]))
        save_annotation(space_store, ann_id, Annotation(ids[5], hours=0.004, way="other", hidden=True))
    b = browser().signin("ann")
    first = _same(b, monkeypatch)
    assert "66 records" in first["/space/"] and "4 hidden records" in first["/space/"]
    assert "; 1 match" in b.get("/space/?q=zebra").get_data(as_text=True)  # every filter is counted now

    # records arrive, one is voided, one deleted for good, annotations change
    later = varied(rng, agent, 4)
    tool.post("/xapi/statements", json=later)
    tool.post("/xapi/statements", json=[{"actor": agent, "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
                                         "object": {"objectType": "StatementRef", "id": ids[10]}}])
    with space_app.app_context():
        space_store.erase_person(ann_id, erased_home_page="https://erased.example", statement_ids=[ids[11]])
        forget_annotations(space_store, ann_id, [ids[11]])
        save_annotation(space_store, ann_id, Annotation(ids[0]))  # shown again
        shown = annotation_of(space_store, ann_id, ids[3])
        shown.tags, shown.way = ["sql"], ""
        save_annotation(space_store, ann_id, shown)
        save_annotation(space_store, ann_id, Annotation(later[0]["id"], hidden=True))
    second = _same(b, monkeypatch)
    assert "68 records" in second["/space/"] and "4 hidden records" in second["/space/"]


def test_a_share_reads_through_its_scope_not_the_rows(space_app, people, browser, space_store):
    from lrs import Access

    share_access = Access.for_share(space_store, type("S", (), {"ref": f"person:{people['bob'].id}",
                                                                "person_id": people["ann"].id})(), people["bob"])
    assert share_access is not None
    with space_app.test_request_context():
        assert rows_module.rows_ready(share_access) is False


@pytest.mark.parametrize("hours", [None, 0.004, 2])
def test_a_rows_minutes_are_the_records(hours):
    from lrs_space.records import to_record

    statement = {"id": str(uuid.uuid4()), "verb": {"id": VERBS[0]}, "object": {"id": "https://example.org/x"},
                 "actor": {"mbox": "mailto:a@example.org"}, "timestamp": "2026-01-02T03:04:05Z",
                 "result": {"duration": "PT1M29S"}}
    record = to_record(statement, lambda s: "courses", Annotation(statement["id"], hours=hours, updated="v1"))
    row = rows_module.row_of(record)
    assert row.minutes == (record.minutes or 0) and row.timed == bool(record.seconds) and row.annotated == "v1"
