"""A record people use every day: the order learning happened in, results and times people read,
edit/hide/delete, one correction model in every view, goals and sharing that behave, the small things."""

from __future__ import annotations

import json
import re
import uuid

from lrs.auth.personal import create_personal_key
from tests.conftest import EVERYTHING, XAPIClient, auth_header
from tests.plugins.space.test_pages import add_journal, ann_agent

COMPLETED = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en": "completed"}}
COURSE = "http://adlnet.gov/expapi/activities/course"
VIDEO = "https://w3id.org/xapi/video/activity-type/video"


def tool(space_app, store, person, name="LMS connector"):
    credential, secret = create_personal_key(store, space_app.extensions["lrs"].config, person, name)
    return XAPIClient(space_app.test_client(), auth_header(credential.key, secret))


def learning(space_app, day, title, *, verb=COMPLETED, type_=COURSE, **extra):
    body = {"id": str(uuid.uuid4()), "actor": ann_agent(space_app), "verb": verb,
            "object": {"id": f"https://lms.example.org/{uuid.uuid4()}", "definition": {"name": {"en": title},
                                                                                   "type": type_}},
            "timestamp": day if "T" in day else f"{day}T10:00:00Z"}
    body.update(extra)
    return body


def titles(html: str) -> list[str]:
    return re.findall(r'<h3><a href="[^"]+">[^:]+: ([^<]+)</a></h3>', html)


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)">', html)
    return found.group(1).replace("&amp;", "&") if found else None


# -- order and paging --------------------------------------------------------------------------


def test_timeline_is_in_the_order_learning_happened_and_pages_stay_put(space_app, people, browser, space_store):
    lms = tool(space_app, space_store, people["ann"])
    days = [f"2026-0{m}-1{d}" for m in range(1, 6) for d in range(5)]  # 25 days, sent in a scrambled order
    order = sorted(days, key=lambda d: (int(d[-1]) * 7 + int(d[6])) % 25)
    assert lms.post("/xapi/statements", json=[learning(space_app, d, f"Course of {d}") for d in order]).status_code == 200
    b = browser().signin("ann")
    first = b.get("/space/").get_data(as_text=True)
    assert titles(first) == [f"Course of {d}" for d in sorted(days, reverse=True)[:20]]
    assert "25 records" in first and link(first, "prev") is None
    # a new record and a back-dated one arrive while ann reads: the next page is where it was
    lms.post("/xapi/statements", json=[learning(space_app, "2026-06-01", "Newest"),
                                       learning(space_app, "2026-01-10T12:00:00Z", "Back-dated")])
    second = b.get(link(first, "next")).get_data(as_text=True)
    assert titles(second) == ["Course of 2026-01-14", "Course of 2026-01-13", "Course of 2026-01-12",
                              "Course of 2026-01-11", "Back-dated", "Course of 2026-01-10"]
    back = b.get(link(second, "prev")).get_data(as_text=True)
    assert titles(back) == titles(first)  # the page before, as ann saw it; the new one is newer still
    assert titles(b.get(link(back, "prev")).get_data(as_text=True))[0] == "Newest"
    assert b.get("/space/?before=not-a-position").status_code == 200  # a hand-made address is the first page


# -- results and time people read ------------------------------------------------------------------


def test_results_durations_dates_types_sources_and_people_read_plainly(space_app, people, browser, space_store):
    lms = tool(space_app, space_store, people["ann"], "moodle-key")
    statements = [
        learning(space_app, "2026-11-20", "Sepsis assessment", result={
            "score": {"raw": 86, "min": 0, "max": 100}, "success": True, "completion": True, "duration": "PT6H"},
            context={"platform": "Moodle"}),
        learning(space_app, "2026-11-19", "Rated: the falls module", verb={
            "id": "http://id.tincanapi.com/verb/rated", "display": {"en": "rated"}},
            result={"score": {"raw": 4, "min": 1, "max": 5}, "duration": "PT4H17M"}),
        learning(space_app, "2026-11-18", "A short clip", type_=VIDEO, result={"duration": "PT40S"},
                 verb={"id": "https://w3id.org/xapi/video/verbs/watched", "display": {"en": "watched"}}),
        learning(space_app, "2025-12-05T09:00:00Z", "Mentoring session", context={
            "platform": "Teams", "instructor": {"name": "Sam Lee", "mbox": "mailto:sam@example.org"}},
                 type_="http://id.tincanapi.com/activitytype/mentoring", result={"success": False}),
    ]
    lms.post("/xapi/statements", json=statements)
    b = browser().signin("ann")
    page = b.get("/space/", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert "86 / 100 (86%), passed, completed" in page
    assert "4 of 5" in page and "4 h 17 min" in page and ">6 h<" in page and ">40 s<" in page
    assert "20 Nov 2026" in page and "2026-11-20T" not in page.split("<main")[1].split("datetime=")[0]
    assert "· Course ·" in page and "· Video ·" in page and "· Mentoring ·" in page  # not IRIs
    assert "from Moodle" in page and "from moodle-key" in page  # the tool's own name first
    assert "With: Sam Lee" in page and "failed" in page
    us = b.get("/space/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "Nov 20, 2026" in us
    german = b.get("/space/", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)
    assert "20. Nov. 2026" in german
    # the person's setting wins over the browser's
    b.post("/space/settings", {"locale": "en-GB"}, token_from="/space/settings")
    assert "20 Nov 2026" in b.get("/space/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    record = b.get(f"/space/records/{statements[0]['id']}").get_data(as_text=True)
    assert "86 / 100 (86%), passed, completed" in record and COURSE in record  # the IRI is in the details
    assert "recorded with moodle-key" in record
    ways = b.get("/space/ways").get_data(as_text=True)
    assert "Dec 2025" in ways and "Nov 2026" in ways and "2025-12" not in ways.split("<main")[1]


# -- edit, hide, delete -------------------------------------------------------------------------------


def test_editing_a_journal_entry_voids_and_reissues_keeping_history(space_app, people, browser, space_store):
    b = browser().signin("ann")
    b.post("/space/goals", {"title": "Databases"}, token_from="/space/goals")
    goal = space_store.list_items("goal", person_id=people["ann"].id)[0]
    old = add_journal(b, what="Read about WAL", date="2026-03-02")
    b.post("/space/goals/link", {"goal": goal.item_id, "statement_id": old}, token_from=f"/space/records/{old}")
    b.post(f"/space/records/{old}/annotation", {"application": "Check our checkpoint settings"},
           token_from=f"/space/records/{old}")
    form = b.get(f"/space/records/{old}/edit").get_data(as_text=True)
    assert 'value="Read about WAL"' in form and 'value="2026-03-02"' in form
    response = b.post(f"/space/records/{old}/edit", {"what": "Read about WAL and checkpoints", "verb": "read",
                                                    "minutes": "40", "date": "2026-03-02", "tags": "sqlite"},
                      token_from=f"/space/records/{old}/edit")
    assert response.status_code == 302
    new = response.headers["Location"].split("/records/")[1].split("?")[0]
    assert new != old
    stored = json.loads(space_store.get_statement(new, reach=EVERYTHING).json)
    assert stored["context"]["statement"] == {"objectType": "StatementRef", "id": old}
    assert stored["timestamp"].startswith("2026-03-02") and stored["result"]["duration"] == "PT40M"
    assert space_store.get_statement(old, reach=EVERYTHING) is None  # voided, kept as history
    assert space_store.get_statement(old, reach=EVERYTHING, voided=True) is not None
    page = b.get(f"/space/records/{new}").get_data(as_text=True)
    assert "Earlier versions" in page and "Read about WAL" in page and "Check our checkpoint settings" in page
    assert new in space_store.get_item("goal", goal.item_id).body["statement_ids"]
    timeline = b.get("/space/").get_data(as_text=True)
    assert titles(timeline) == ["Read about WAL and checkpoints"]  # one record, no "voided" line
    # only journal entries are edited; a tool's statement is corrected beside it instead
    lms = tool(space_app, space_store, people["ann"])
    [tool_id] = lms.post("/xapi/statements", json=learning(space_app, "2026-01-01", "LMS course")).json
    assert b.get(f"/space/records/{tool_id}/edit").status_code == 404


def test_hiding_takes_a_record_out_of_every_view_and_share_and_can_be_undone(space_app, people, browser,
                                                                              space_store):
    ann = browser().signin("ann")
    kept = add_journal(ann, what="Conference keynote", verb="attended", tags="conf", minutes="60")
    hidden = add_journal(ann, what="Therapy notes", verb="reflected", tags="conf", minutes="50")
    ann.post("/space/goals", {"title": "Grow"}, token_from="/space/goals")
    goal = space_store.list_items("goal", person_id=people["ann"].id)[0]
    for sid in (kept, hidden):
        ann.post("/space/goals/link", {"goal": goal.item_id, "statement_id": sid}, token_from=f"/space/records/{sid}")
    ann.post("/space/sharing", {"username": "bob", "all": "1"}, token_from="/space/sharing")
    before = space_store.get_statement(hidden, reach=EVERYTHING).json
    response = ann.post(f"/space/records/{hidden}/hide", {"hidden": "1"}, token_from=f"/space/records/{hidden}")
    timeline = ann.get(response.headers["Location"]).get_data(as_text=True)
    assert titles(timeline) == ["Conference keynote"] and "Undo" in timeline and "1 hidden record" in timeline
    assert "1 record from every source" in timeline
    assert titles(ann.get("/space/?hidden=only").get_data(as_text=True)) == ["Therapy notes"]
    assert "1 linked record, 1 h" in ann.get("/space/goals").get_data(as_text=True)
    assert "Therapy" not in ann.get("/space/cpd/?period=all").get_data(as_text=True)
    assert "1 record," in ann.get("/space/ways").get_data(as_text=True)
    share = space_store.list_items("share", person_id=people["ann"].id)[0]
    bob = browser().signin("bob")
    shared = bob.get(f"/space/shared/{share.item_id}/").get_data(as_text=True)
    assert "Conference keynote" in shared and "Therapy" not in shared
    assert bob.get(f"/space/shared/{share.item_id}/records/{hidden}").status_code == 404
    assert space_store.get_statement(hidden, reach=EVERYTHING).json == before  # the statement stays as stored
    ann.post(f"/space/records/{hidden}/hide", {"hidden": "0"}, token_from="/space/")  # undo
    assert "Therapy notes" in bob.get(f"/space/shared/{share.item_id}/").get_data(as_text=True)


def test_deleting_a_record_for_good_goes_through_erasure_after_a_confirmation(space_app, people, browser,
                                                                              space_store):
    b = browser().signin("ann")
    gone = add_journal(b, what="Posted by mistake")
    stays = add_journal(b, what="Real learning")
    b.post(f"/space/records/{gone}/annotation", {"reflection": "oops"}, token_from=f"/space/records/{gone}")
    confirm = b.get(f"/space/records/delete?id={gone}").get_data(as_text=True)
    assert "Delete 1 record for good?" in confirm and "Posted by mistake" in confirm and "cannot be undone" in confirm
    digest = re.search(r'name="digest" value="([^"]+)"', confirm).group(1)
    assert space_store.get_statement(gone, reach=EVERYTHING) is not None  # asking deletes nothing
    response = b.post("/space/records/delete", {"id": gone, "digest": digest}, token_from="/space/")
    assert response.status_code == 302 and "deleted=1" in response.headers["Location"]
    assert space_store.get_statement(gone, reach=EVERYTHING) is None
    assert space_store.get_statement(gone, reach=EVERYTHING, voided=True) is None
    assert space_store.list_items("annotation", person_id=people["ann"].id) == []
    assert "1 record deleted for good" in b.get(response.headers["Location"]).get_data(as_text=True)
    assert space_store.get_statement(stays, reach=EVERYTHING) is not None


def test_deleting_a_filtered_set_deletes_exactly_what_was_confirmed(space_app, people, browser, space_store):
    b = browser().signin("ann")
    for n in range(3):
        add_journal(b, what=f"Old import {n}", tags="import")
    keep = add_journal(b, what="Mine to keep", tags="keep")
    confirm = b.get("/space/records/delete?tag=import").get_data(as_text=True)
    assert "Delete 3 records for good?" in confirm
    digest = re.search(r'name="digest" value="([^"]+)"', confirm).group(1)
    add_journal(b, what="Arrived meanwhile", tags="import")
    changed = b.post("/space/records/delete", {"tag": "import", "digest": digest}, token_from="/space/")
    assert changed.status_code == 409 and "changed since you asked" in changed.get_data(as_text=True)
    assert "Delete 4 records for good?" in changed.get_data(as_text=True)
    digest = re.search(r'name="digest" value="([^"]+)"', changed.get_data(as_text=True)).group(1)
    done = b.post("/space/records/delete", {"tag": "import", "digest": digest}, token_from="/space/")
    assert "deleted=4" in done.headers["Location"]
    assert titles(b.get("/space/").get_data(as_text=True)) == ["Mine to keep"]
    assert space_store.get_statement(keep, reach=EVERYTHING) is not None
    assert b.get("/space/records/delete").status_code == 400  # no filters: never "everything"


# -- one correction model -------------------------------------------------------------------------------


def test_a_correction_in_the_cpd_log_reaches_every_view(space_app, people, browser, space_store):
    lms = tool(space_app, space_store, people["ann"])
    statement = learning(space_app, "2026-02-01", "Team retro", type_="http://example.org/types/retro",
                         verb={"id": "http://example.org/verbs/did", "display": {"en": "did"}})
    lms.post("/xapi/statements", json=statement)
    b = browser().signin("ann")
    assert "Other" in b.get("/space/").get_data(as_text=True)
    page = f"/space/cpd/records/{statement['id']}"
    b.post(page, {"way": "people", "title": "Sprint retrospective", "hours": "1.5", "tags": "agile",
                  "reflection": "Blameless questions work", "application": "Use them in incident reviews"},
           token_from=page)
    timeline = b.get("/space/?way=people").get_data(as_text=True)
    assert titles(timeline) == ["Sprint retrospective"] and "1 h 30 min" in timeline and "#agile" in timeline
    assert "Blameless questions work" in timeline
    assert titles(b.get("/space/?tag=agile").get_data(as_text=True)) == ["Sprint retrospective"]
    ways = b.get("/space/ways").get_data(as_text=True)
    assert re.search(r"People: conversations, communities, mentoring</a></th><td[^>]*>1</td><td[^>]*>1 h 30 min</td>", ways)
    record = b.get(f"/space/records/{statement['id']}").get_data(as_text=True)
    assert "your correction" in record and "Use them in incident reviews" in record
    csv_text = b.get("/space/cpd/export/csv?period=all").data.decode("utf-8-sig")
    assert "Sprint retrospective" in csv_text and ",people," in csv_text
    b.post("/space/sharing", {"username": "bob", "ways": "people"}, token_from="/space/sharing")
    share = space_store.list_items("share", person_id=people["ann"].id)[0]
    shared = browser().signin("bob").get(f"/space/shared/{share.item_id}/").get_data(as_text=True)
    assert "Sprint retrospective" in shared
    # and a correction on the record's page reaches the CPD log
    b.post(f"/space/records/{statement['id']}/annotation", {"way": "work", "hours": "2"},
           token_from=f"/space/records/{statement['id']}")
    log = b.get("/space/cpd/?period=all").get_data(as_text=True)
    assert "Daily work" in log and "2 hours" in log


# -- goals and sharing -------------------------------------------------------------------------------------


def test_a_goal_is_edited_marked_done_and_its_records_linked_from_its_page(space_app, people, browser,
                                                                          space_store):
    b = browser().signin("ann")
    sid = add_journal(b, what="Indexing talk", minutes="90")
    add_journal(b, what="Unrelated")
    b.post("/space/goals", {"title": "Databses", "hours": "3"}, token_from="/space/goals")
    goal = space_store.list_items("goal", person_id=people["ann"].id)[0]
    url = f"/space/goals/{goal.item_id}"
    assert b.post(url, {"action": "save", "title": "", "hours": "3"}, token_from=url).status_code == 400
    b.post(url, {"action": "save", "title": "Databases", "hours": "2", "due": "2026-12-31"}, token_from=url)
    found = b.get(f"{url}?q=indexing").get_data(as_text=True)
    assert "Link Indexing talk" in found and "Link Unrelated" not in found
    b.post("/space/goals/link", {"goal": goal.item_id, "statement_id": sid, "back": "goal"}, token_from=url)
    page = b.get(url).get_data(as_text=True)
    assert "1 linked record, 1 h 30 min of 2 h (75%)" in page and "31 Dec 2026" in page
    b.post(url, {"action": "done"}, token_from=url)
    goals = b.get("/space/goals").get_data(as_text=True)
    assert "No open goals." in goals and "done" in goals.split("<h2>Done</h2>")[1]
    b.post("/space/goals/link", {"goal": goal.item_id, "statement_id": sid, "unlink": "1", "back": "goal"},
           token_from=url)
    assert space_store.get_item("goal", goal.item_id).body["statement_ids"] == []


def test_sharing_previews_keeps_input_confirms_a_revoke_and_tells_the_recipient(space_app, people, browser,
                                                                                space_store):
    ann = browser().signin("ann")
    add_journal(ann, what="Pairing with Sam", verb="discussed")
    add_journal(ann, what="Book on SQL", verb="read")
    add_journal(ann, what="Keynote", verb="attended")
    bad = ann.post("/space/sharing", {"username": "bob", "tags": "", "action": "share"}, token_from="/space/sharing")
    assert bad.status_code == 400 and 'value="bob"' in bad.get_data(as_text=True)  # the input stays
    preview = ann.post("/space/sharing", {"username": "bob", "ways": ["people", "events"], "action": "preview"},
                       token_from="/space/sharing").get_data(as_text=True)
    assert "would see <strong>2 of your 3 records</strong>" in preview
    assert re.search(r'value="people" checked', preview) and space_store.list_items("share") == []
    done = ann.post("/space/sharing", {"username": "bob", "ways": ["people", "events"], "action": "share"},
                    token_from="/space/sharing")
    shown = ann.get(done.headers["Location"]).get_data(as_text=True)
    assert "Shared: it is listed" in shown and "With <strong>bob</strong>" in shown
    share = space_store.list_items("share", person_id=people["ann"].id)[0]
    bob = browser().signin("bob")
    timeline = bob.get("/space/").get_data(as_text=True)
    assert "<strong>ann</strong> shares records with you" in timeline
    bob.get(f"/space/shared/{share.item_id}/")
    assert "shares records with you" not in bob.get("/space/").get_data(as_text=True)  # told once
    ask = ann.get(f"/space/sharing/{share.item_id}/revoke").get_data(as_text=True)
    assert "Stop sharing with bob?" in ask and space_store.get_item("share", share.item_id) is not None
    revoked = ann.post(f"/space/sharing/{share.item_id}/revoke", token_from="/space/sharing")
    assert "Sharing with bob is revoked" in ann.get(revoked.headers["Location"]).get_data(as_text=True)
    assert bob.get(f"/space/shared/{share.item_id}/").status_code == 404


# -- the small things ----------------------------------------------------------------------------------------


def test_the_small_things(space_app, people, browser, space_store):
    b = browser().signin("ann")
    sid = add_journal(b, what="Notes without a link", minutes="")
    record = b.get(f"/space/records/{sid}").get_data(as_text=True)
    assert "<dt>Link</dt>" not in record and "<h2>Evidence" not in record  # no fake link, no "Evidence"
    cpd = b.get(f"/space/cpd/records/{sid}").get_data(as_text=True)
    assert "<dt>Evidence</dt>" not in cpd
    assert "1 record from every source" in b.get("/space/").get_data(as_text=True)  # singular
    lms = tool(space_app, space_store, people["ann"])
    lms.post("/xapi/statements", json=[
        learning(space_app, "2026-01-02", "Clip A", type_=VIDEO),
        learning(space_app, "2026-01-03", "Clip B", type_="http://activitystrea.ms/schema/1.0/video")])
    timeline = b.get("/space/").get_data(as_text=True)
    assert timeline.count("<option>Video</option>") == 1  # each label once
    assert set(titles(b.get("/space/?type=Video").get_data(as_text=True))) == {"Clip A", "Clip B"}
    impossible = b.get("/space/?since=2026-03-01&until=2026-02-01").get_data(as_text=True)
    assert "The date range is impossible" in impossible and titles(impossible) == []
    tagged = add_journal(b, what="Tagged", tags="chips")
    assert 'href="/space/?tag=chips"' in b.get("/space/").get_data(as_text=True)  # a chip filters on click
    assert 'href="/space/?tag=chips"' in b.get(f"/space/records/{tagged}").get_data(as_text=True)
    log = b.get("/space/cpd/").get_data(as_text=True)
    assert re.search(r'<div class="actions"><button type="submit">Show</button></div>', log)


def test_the_root_and_the_xapi_root_welcome_a_browser(space_app):
    client = space_app.test_client()
    page = client.get("/", headers={"Accept": "text/html"})
    assert page.status_code == 200 and 'href="/space/"' in page.get_data(as_text=True)
    assert "/xapi/about" in page.get_data(as_text=True) and "docs/" in page.get_data(as_text=True)
    xapi = client.get("/xapi/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert xapi.status_code == 200 and 'href="/space/"' in xapi.get_data(as_text=True)
    assert client.get("/xapi/", headers={"Accept": "application/json"}).status_code == 404  # no resource for tools

