"""A person's week with Learnfolio, lived in Debian's Chromium against real servers (issue 15).

Ann is a nurse. Her hospital's Moodle and its Teams connector send statements with tool keys, her
browser extension and podcast app with her personal key, months back-dated as tools sync late.
During the week she writes in the journal (at her desk, on her phone with the "+", and by sharing
a page from her phone's browser to the installed app), records a chat note, edits an entry, hides
a record, deletes a duplicate, corrects a record in her CPD log, looks at how she learns, filters,
shares her courses with Bob (preview, then revoke), and takes everything she owns to a second
Learnfolio. Then every page of the space is opened at desktop and phone widths: nothing scrolls
sideways, the timeline shows a record on the first screen of a phone, axe-core finds nothing
serious. The screenshots in docs/space.md and the README are taken here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import urllib.parse
import uuid

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from lrs_chat.verify import slack_signature
from lrs_oauth.clients import EXTENSION_CLIENT, EXTENSION_ID
from tests.browser_support import axe_violations, docs_screenshot, launch, launch_profile
from tests.e2e.server import running_server
from tests.security.realserver import PASSWORD, Web, account, make_person, personal_key, post

CHAT_SECRET = "slack-signing-secret-for-the-week"
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2,
         "locale": "en-GB"}

COURSE = "http://adlnet.gov/expapi/activities/course"
MEETING = "http://adlnet.gov/expapi/activities/meeting"
VIDEO = "https://w3id.org/xapi/video/activity-type/video"
ARTICLE = "http://activitystrea.ms/schema/1.0/article"
PODCAST = "http://id.tincanapi.com/activitytype/podcast"
TAGS = "http://id.tincanapi.com/extension/tags"

#: what a page must not do at any width: scroll sideways, as a whole or in any part
SIDEWAYS = """() => {
  const parts = [...document.querySelectorAll('body *')].filter(e => {
    const style = getComputedStyle(e);
    return ['auto', 'scroll'].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1;
  }).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''));
  return {page: document.documentElement.scrollWidth, width: innerWidth, parts};
}"""


def days_ago(days: int, hour: int = 10) -> str:
    day = dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=days)
    return f"{day.isoformat()}T{hour:02d}:30:00Z"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    env = {"LRS_CHAT_SLACK_SIGNING_SECRET": CHAT_SECRET}
    with running_server(tmp_path_factory.mktemp("week"), env=env) as running:
        yield running


@pytest.fixture(scope="module")
def playwright():
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def chromium(playwright):
    browser = launch(playwright)
    yield browser
    browser.close()


# -- what the tools send -------------------------------------------------------------------------


def statement(username, verb, verb_name, activity_id, title, type_, when, *, platform=None, result=None,
              context=None, tags=None):
    ctx = dict(context or {})
    if platform:
        ctx["platform"] = platform
    if tags:
        ctx.setdefault("extensions", {})[TAGS] = tags
    body = {"id": str(uuid.uuid4()), "actor": account(username), "verb": {"id": verb, "display": {"en-US": verb_name}},
            "object": {"objectType": "Activity", "id": activity_id,
                       "definition": {"name": {"en-US": title}, "type": type_}},
            "timestamp": when}
    if ctx:
        body["context"] = ctx
    if result:
        body["result"] = result
    return body


def moodle_statements(username):
    """A Moodle site's xAPI log store, syncing a term late: a course passed with a score, a
    refresher completed, and a launch with nothing learned in it (the one Ann hides)."""
    site = "https://moodle.st-elsewhere.example"
    lms = {"id": site, "definition": {"type": "http://id.tincanapi.com/activitytype/lms"}}
    course = {"contextActivities": {"grouping": [lms]}, "language": "en-GB"}
    return [
        statement(username, "http://adlnet.gov/expapi/verbs/passed", "passed", f"{site}/course/view.php?id=41",
                  "Sepsis recognition and response", COURSE, days_ago(120), platform="Moodle", context=course,
                  result={"score": {"raw": 86, "min": 0, "max": 100, "scaled": 0.86}, "success": True,
                          "completion": True, "duration": "PT6H"}),
        statement(username, "http://adlnet.gov/expapi/verbs/completed", "completed", f"{site}/course/view.php?id=17",
                  "Infection control refresher", COURSE, days_ago(75), platform="Moodle", context=course,
                  result={"completion": True, "duration": "PT1H30M"}),
        statement(username, "http://adlnet.gov/expapi/verbs/launched", "launched", f"{site}/mod/scorm/view.php?id=9",
                  "Mandatory fire safety", "http://adlnet.gov/expapi/activities/module", days_ago(40),
                  platform="Moodle", context=course),
    ]


def teams_statement(username):
    """A meeting connector: the ward's safety huddle, with the educator who ran it."""
    return statement(username, "http://adlnet.gov/expapi/verbs/attended", "attended",
                     "https://teams.example/meetings/19:huddle-ward-7", "Ward 7 safety huddle", MEETING, days_ago(10),
                     platform="Microsoft Teams", result={"duration": "PT45M"},
                     context={"instructor": {"objectType": "Agent", "name": "Sam Lee",
                                             "mbox": "mailto:sam.lee@st-elsewhere.example"}})


def own_tools_statements(username):
    """Ann's own tools, with her personal key: the browser extension (a video, an article read
    twice by mistake) and her podcast app."""
    article = "https://nursingtimes.example/handover-checklists"
    return [
        statement(username, "https://w3id.org/xapi/video/verbs/watched", "watched",
                  "https://www.youtube.com/watch?v=news2-escalation", "NEWS2: when to escalate", VIDEO, days_ago(60),
                  platform="YouTube", result={"duration": "PT12M"}, tags=["news2"]),
        statement(username, "https://learnfolio.example/xapi/verbs/listened", "listened to",
                  "https://podcasts.example/nurse-talk/delegation", "Nurse Talk: delegating safely", PODCAST,
                  days_ago(33), platform="Spotify", result={"duration": "PT35M"}),
        statement(username, "https://w3id.org/xapi/adl/verbs/read", "read", article, "Handover checklists that work",
                  ARTICLE, days_ago(20), result={"duration": "PT9M"}, tags=["handover"]),
        statement(username, "https://w3id.org/xapi/adl/verbs/read", "read", article, "Handover checklists that work",
                  ARTICLE, days_ago(19), result={"duration": "PT9M"}, tags=["handover"]),
    ]


def slack(server, form):
    body = urllib.parse.urlencode(form).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": slack_signature(CHAT_SECRET, timestamp, body)}
    response = requests.post(f"{server.url}/chat/slack/command", data=body, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["text"]


def learned(text):
    return {"team_id": "T1", "team_domain": "st-elsewhere", "channel_id": "C7", "channel_name": "ward-7",
            "user_id": "U-ann", "user_name": "ann", "command": "/learned", "text": text}


# -- in the browser ---------------------------------------------------------------------------


def sign_in(page, server, username, password=PASSWORD):
    page.goto(f"{server.url}/space/signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()


def titles(page) -> list[str]:
    return [t.split(": ", 1)[1] for t in page.locator("ol.records > li h3").all_inner_texts()]


def record_card(page, title):
    return page.locator("ol.records > li", has=page.get_by_role("link", name=re.compile(re.escape(title))))


def open_record(page, server, title):
    page.goto(f"{server.url}/space/?q={urllib.parse.quote(title)}")
    page.locator("ol.records h3 a", has_text=title).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)


def sideways(page) -> dict | None:
    """None when nothing scrolls sideways; else what does."""
    found = page.evaluate(SIDEWAYS)
    return None if found["page"] <= found["width"] and not found["parts"] else found


def cached_paths(page) -> list[str]:
    return page.evaluate("""async () => {
        const out = [];
        for (const name of await caches.keys()) {
          const cache = await caches.open(name);
          for (const request of await cache.keys()) out.push(new URL(request.url).pathname);
        }
        return out;
    }""")


def make_tool_key(admin, server, name) -> tuple[str, str]:
    admin.goto(f"{server.url}/space/admin")
    admin.get_by_label("Name of the tool").fill(name)
    admin.get_by_role("button", name="Create tool key").click()
    return admin.locator("#new-key").inner_text(), admin.locator("#new-secret").inner_text()


def test_a_persons_week(server, playwright, chromium, tmp_path):
    make_person(server, "ann")
    make_person(server, "bob")
    desk = chromium.new_context(**DESKTOP, accept_downloads=True)
    phone = launch_profile(playwright, tmp_path / "phone-profile", **PHONE)  # her phone's browser, not incognito
    admin_ctx = chromium.new_context(**DESKTOP)
    admin = admin_ctx.new_page()
    sign_in(admin, server, server.first_login["admin"]["username"], server.first_login["admin"]["password"])

    # -- the tools: an LMS and a meeting connector with tool keys, Ann's own tools with her personal key
    moodle, teams = make_tool_key(admin, server, "Moodle"), make_tool_key(admin, server, "Teams connector")
    ann = desk.new_page()
    sign_in(ann, server, "ann")
    ann.goto(f"{server.url}/space/keys")
    ann.get_by_label("Name of the tool").fill("browser extension")
    ann.get_by_role("button", name="Create key").click()
    mine = ann.locator("#new-key").inner_text(), ann.locator("#new-secret").inner_text()
    lms = moodle_statements("ann")
    own = own_tools_statements("ann")
    huddle = teams_statement("ann")
    assert post(server, moodle, lms).status_code == 200
    assert post(server, teams, [huddle]).status_code == 200
    assert post(server, mine, own).status_code == 200

    # back-dated records land where they happened, newest first
    ann.goto(f"{server.url}/space/")
    assert titles(ann) == ["Ward 7 safety huddle", "Handover checklists that work", "Handover checklists that work",
                           "Nurse Talk: delegating safely", "Mandatory fire safety", "NEWS2: when to escalate",
                           "Infection control refresher", "Sepsis recognition and response"]
    sepsis = record_card(ann, "Sepsis recognition and response")
    expect(sepsis).to_contain_text("86 / 100 (86%), passed, completed")
    expect(sepsis).to_contain_text("from Moodle")
    expect(sepsis).to_contain_text("6 h")
    expect(record_card(ann, "Ward 7 safety huddle")).to_contain_text("With: Sam Lee")

    # -- Monday at her desk: a journal entry from the navigation
    ann.get_by_role("navigation", name="Your learning space").get_by_role("link", name="Add what I learned").click()
    expect(ann.get_by_label("What did you learn, or learn from?")).to_be_focused()  # the first field
    ann.keyboard.type("Paired with Priya on the new infusion pumps")
    ann.get_by_label("How", exact=True).select_option("discussed")
    ann.get_by_label("Time spent (minutes)").fill("40")
    ann.get_by_label("What I take from it, and how I will use it").fill("Prime the line before the occlusion test.")
    ann.get_by_label("Tags", exact=True).fill("equipment")
    ann.get_by_role("button", name="Add to my timeline").click()
    confirmation = ann.get_by_role("status").filter(has_text="Added to your timeline.")
    expect(confirmation).to_be_focused()  # the focus moves to the confirmation

    # -- Tuesday on the phone: the "+" is at hand on every page
    mobile = phone.new_page()
    sign_in(mobile, server, "ann")
    quick = mobile.locator("a.quick-add")
    expect(quick).to_be_visible()
    expect(quick).to_have_accessible_name("Add what I learned")
    mobile.goto(f"{server.url}/space/ways")
    mobile.locator("a.quick-add").click()
    mobile.get_by_label("What did you learn, or learn from?").fill("Wrote up the falls review for ward 7")
    mobile.get_by_label("How", exact=True).select_option("reflected")
    mobile.get_by_label("Time spent (minutes)").fill("30")
    mobile.get_by_role("button", name="Add to my timeline").click()
    expect(mobile.get_by_role("status").filter(has_text="Added to your timeline.")).to_be_focused()

    # the space installs as an app: manifest, icons and service worker, as Chromium judges them
    mobile.goto(f"{server.url}/space/")
    assert mobile.evaluate("navigator.serviceWorker.ready.then(r => r.active.scriptURL)") == f"{server.url}/space/sw.js"
    cdp = phone.new_cdp_session(mobile)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [] and manifest["url"] == f"{server.url}/space/manifest.webmanifest"
    assert json.loads(manifest["data"])["share_target"]["action"] == "/space/journal"

    # -- Wednesday: "share to Learnfolio" from the phone's browser opens the quick-add prefilled
    shared = urllib.parse.urlencode({"title": "Safer opioid prescribing – NICE",
                                     "text": "Start low, review at 2 weeks",
                                     "url": "https://www.nice.example/guidance/ng193"})
    mobile.goto(f"{server.url}/space/journal?{shared}")
    expect(mobile.get_by_label("What did you learn, or learn from?")).to_have_value("Safer opioid prescribing – NICE")
    expect(mobile.get_by_label("Link (optional)")).to_have_value("https://www.nice.example/guidance/ng193")
    expect(mobile.get_by_label("What I take from it, and how I will use it")).to_have_value(
        "Start low, review at 2 weeks")
    docs_screenshot(mobile, "space-phone-share")
    mobile.get_by_label("How", exact=True).select_option("read")
    mobile.get_by_role("button", name="Add to my timeline").click()
    expect(mobile.get_by_role("status").filter(has_text="Added to your timeline.")).to_be_visible()

    # -- Thursday: a note from the team chat, once the chat account is linked
    ann.goto(f"{server.url}/space/chat/")
    ann.get_by_role("button", name="Link a chat account").click()
    code = re.search(r"/learned link ([0-9A-F]+)", ann.locator("#link-command").inner_text()).group(1)
    assert "Linked" in slack(server, learned(f"link {code}"))
    assert "Recorded" in slack(server, learned("Insulin pens: prime 2 units before every dose #medication"))
    ann.goto(f"{server.url}/space/?tag=medication")
    assert titles(ann) == ["Insulin pens: prime 2 units before every dose"]

    # -- an edit: the journal entry said 40 minutes; it was 50, and a better title
    open_record(ann, server, "Paired with Priya")
    ann.get_by_role("link", name="Edit this entry").click()
    ann.get_by_label("What did you learn, or learn from?").fill("Paired with Priya on the new infusion pumps (Alaris)")
    ann.get_by_label("Time spent (minutes)").fill("50")
    ann.get_by_role("button", name="Save the entry").click()
    expect(ann.get_by_role("status").filter(has_text="The earlier version is kept")).to_be_focused()
    expect(ann.get_by_role("heading", name="Earlier versions")).to_be_visible()
    expect(ann.locator("dl.facts")).to_contain_text("50 min")

    # -- a hide: the launch with nothing learned in it, out of her views (the statement stays)
    open_record(ann, server, "Mandatory fire safety")
    ann.get_by_role("button", name="Hide from my views and shares").click()
    expect(ann.get_by_text("This record is hidden from your timeline")).to_be_visible()
    ann.goto(f"{server.url}/space/")
    assert "Mandatory fire safety" not in titles(ann)
    ann.get_by_role("link", name="1 hidden record").click()
    assert titles(ann) == ["Mandatory fire safety"]

    # -- a delete: the article read twice is one record too many
    ann.goto(f"{server.url}/space/?q=handover")
    ann.locator("ol.records h3 a").last.click()
    ann.get_by_role("link", name="Delete for good…").click()
    ann.get_by_role("button", name=re.compile("Delete .*for good")).click()
    expect(ann.get_by_text("1 record deleted for good.")).to_be_visible()
    ann.goto(f"{server.url}/space/?q=handover")
    assert titles(ann) == ["Handover checklists that work"]

    # -- a CPD correction: the huddle ran an hour, and what she took from it; the timeline follows
    ann.goto(f"{server.url}/space/cpd/?period=all")
    ann.get_by_role("link", name="Ward 7 safety huddle").click()
    ann.get_by_label("Hours").fill("1")
    ann.get_by_label("What I learned").fill("Escalate a NEWS2 of 5 or more to the outreach team at once.")
    ann.get_by_role("button", name="Save CPD fields").click()
    expect(ann.get_by_text("Saved. The record itself never changes")).to_be_visible()
    ann.goto(f"{server.url}/space/")
    huddle_card = record_card(ann, "Ward 7 safety huddle")
    expect(huddle_card.locator(".time-spent")).to_have_text("1 h")
    expect(huddle_card).to_contain_text("Escalate a NEWS2 of 5 or more")
    # the edited entry keeps the time it happened; the hidden and the deleted are gone from view
    assert titles(ann) == ["Insulin pens: prime 2 units before every dose", "Safer opioid prescribing – NICE",
                           "Wrote up the falls review for ward 7",
                           "Paired with Priya on the new infusion pumps (Alaris)",
                           "Ward 7 safety huddle", "Handover checklists that work", "Nurse Talk: delegating safely",
                           "NEWS2: when to escalate", "Infection control refresher", "Sepsis recognition and response"]
    docs_screenshot(ann, "space-timeline")

    # the record with a score, as its page shows it
    open_record(ann, server, "Sepsis recognition and response")
    expect(ann.locator("dl.facts")).to_contain_text("86 / 100 (86%), passed, completed")
    expect(ann.locator("dl.facts")).to_contain_text("Moodle")
    docs_screenshot(ann, "space-record-score")

    # -- how I learn: every way she learned this week and before, her corrections counted
    ann.goto(f"{server.url}/space/ways")
    by_way = {row.locator("th").inner_text(): row.locator("td").first.inner_text()
              for row in ann.locator("table").first.locator("tbody tr").all()}
    assert by_way["Courses and e-learning"] == "2"  # the hidden launch does not count
    assert by_way["Events: conferences, workshops"] == "1"
    assert by_way["People: conversations, communities, mentoring"] == "1"  # paired with Priya
    assert by_way["Daily work: problem-solving, projects, reflection"] == "2"  # the falls review, the chat note
    assert by_way["Reading, watching, listening"] == "4"
    docs_screenshot(ann, "space-how-i-learn")

    # -- the filter, on the phone: one control, then the courses
    mobile.goto(f"{server.url}/space/")
    expect(mobile.get_by_label("Way of learning")).to_be_hidden()
    mobile.get_by_text("Filter and search").click()
    mobile.get_by_label("Way of learning").select_option("courses")
    mobile.get_by_role("button", name="Filter").click()
    expect(mobile.get_by_text("Filter and search (1 on)")).to_be_visible()
    assert titles(mobile) == ["Infection control refresher", "Sepsis recognition and response"]

    # -- a share: her courses with Bob, previewed first; Bob is told on his timeline
    ann.goto(f"{server.url}/space/sharing")
    ann.get_by_label("Their username").fill("bob")
    ann.get_by_label("Courses and e-learning").check()
    ann.get_by_role("button", name="Preview what they would see").click()
    expect(ann.locator("#share-preview")).to_contain_text(re.compile(r"bob would see 2 of your \d+ records"))
    ann.get_by_role("button", name="Share", exact=True).click()
    expect(ann.get_by_text("Shared: it is listed under")).to_be_visible()
    bob_ctx = chromium.new_context(**DESKTOP)
    bob = bob_ctx.new_page()
    sign_in(bob, server, "bob")
    bob.get_by_role("link", name="see ann's records").click()
    assert titles(bob) == ["Infection control refresher", "Sepsis recognition and response"]
    shared_url = bob.url
    ann.goto(f"{server.url}/space/sharing")
    ann.get_by_role("link", name="Revoke sharing with bob…").click()
    ann.get_by_role("button", name="Revoke sharing with bob").click()
    expect(ann.get_by_text("Sharing with bob is revoked")).to_be_visible()
    assert bob.goto(shared_url).status == 404
    bob_ctx.close()

    # the chart on the phone: drawn for its width, its text as large as the page's
    mobile.goto(f"{server.url}/space/ways")
    chart = mobile.locator("svg.chart-narrow")
    expect(chart).to_be_visible()
    expect(mobile.locator("svg.chart-wide")).to_be_hidden()
    label = chart.locator("text").first.bounding_box()
    assert label["height"] >= 12, f"month labels {label['height']:.1f} px high on a phone"
    docs_screenshot(mobile, "space-phone-how-i-learn")

    # the phone's first screen: records, the "+" at hand
    mobile.goto(f"{server.url}/space/")
    first = mobile.locator("ol.records > li").first.bounding_box()
    assert first["y"] + first["height"] <= 844
    docs_screenshot(mobile, "space-phone-timeline")

    # -- everything she owns, into a second Learnfolio
    ann.goto(f"{server.url}/space/settings")
    with ann.expect_download() as download:
        ann.get_by_role("link", name="Download everything I own").click()
    archive = tmp_path / "ann-archive.json"
    download.value.save_as(archive)
    kept = json.loads(archive.read_text())
    assert kept["format"] == "learnfolio-personal-archive/1"
    ann.goto(f"{server.url}/space/")
    here = titles(ann)
    with running_server(tmp_path / "second", workers=1) as second:
        make_person(second, "ann")
        elsewhere = chromium.new_context(**DESKTOP)  # cookies go by host, not port: another browser
        there = elsewhere.new_page()
        sign_in(there, second, "ann")
        there.goto(f"{second.url}/space/settings")
        there.get_by_label("Import an archive from another Learnfolio").set_input_files(archive)
        there.get_by_role("button", name="Import", exact=True).click()
        expect(there.get_by_role("heading", name="Imported")).to_be_visible()
        there.goto(f"{second.url}/space/")
        assert titles(there) == here  # the same records in the same order
        expect(there.get_by_role("link", name="1 hidden record")).to_be_visible()  # still hidden there
        moved = record_card(there, "Ward 7 safety huddle")
        expect(moved.locator(".time-spent")).to_have_text("1 h")  # her correction came along
        expect(moved).to_contain_text("Escalate a NEWS2 of 5 or more")
        open_record(there, second, "Paired with Priya")
        expect(there.get_by_role("heading", name="Earlier versions")).to_be_visible()  # and the history
        elsewhere.close()

    # -- signing out on a shared phone leaves nothing of hers in the app's cache
    mobile.goto(f"{server.url}/space/")
    paths = cached_paths(mobile)
    assert paths and all(p.startswith("/space/static/") for p in paths), paths
    mobile.locator("details.menu > summary").click()
    mobile.get_by_role("button", name="Sign out").click()
    phone.set_offline(True)
    mobile.goto(f"{server.url}/space/")
    expect(mobile.get_by_role("heading", name="No connection")).to_be_visible()
    assert "Sepsis" not in mobile.content() and "ann" not in mobile.locator("main").inner_text()
    phone.set_offline(False)
    mobile.goto(f"{server.url}/space/")
    expect(mobile.get_by_role("heading", name="Sign in to your learning space")).to_be_visible()
    for context in (admin_ctx, desk, phone):
        context.close()


# -- every page, at desktop and phone widths ---------------------------------------------------------


def path_of(page_html: str, pattern: str) -> str:
    found = re.search(pattern, page_html)
    assert found, pattern
    return found.group(1) if found.groups() else found.group(0)


def a_life_to_look_at(server) -> dict:
    """Cleo's records in every state a page shows (a score, an edit, a hidden one, a goal, shares
    both ways, a refused statement), made over HTTP; the addresses of the pages that show them."""
    from tests.tool_statements import openedx_group_activity

    for username in ("cleo", "dan"):
        make_person(server, username)
    cleo_key, dan_key = personal_key(server, "cleo"), personal_key(server, "dan")
    lms = moodle_statements("cleo")
    assert post(server, cleo_key, lms + own_tools_statements("cleo") + [teams_statement("cleo")]).status_code == 200
    assert post(server, cleo_key, [openedx_group_activity(account("cleo"))]).status_code == 400  # kept, refused
    assert post(server, dan_key, moodle_statements("dan")).status_code == 200
    cleo, dan = Web(server, "cleo"), Web(server, "dan")
    entry = cleo.post("/space/journal", {"what": "Shadowed the outreach team", "verb": "learned", "minutes": "90",
                                          "takeaway": "They ask for the trend, not one number."},
                      allow_redirects=False).headers["Location"].split("/records/")[1].split("?")[0]
    edited = cleo.post(f"/space/records/{entry}/edit", {"what": "Shadowed the critical care outreach team",
                                                         "verb": "learned", "minutes": "90", "date": days_ago(0)[:10]},
                       allow_redirects=False).headers["Location"].split("/records/")[1].split("?")[0]
    fire = lms[2]["id"]
    cleo.post(f"/space/records/{fire}/hide", {"hidden": "1"}, token_from=f"/space/records/{fire}")
    cleo.post("/space/goals", {"title": "Become the ward's sepsis champion", "hours": "20"})
    goal = path_of(cleo.get("/space/goals").text, r'href="(/space/goals/[0-9a-f]+)"')
    cleo.post("/space/sharing", {"username": "dan", "ways": "courses", "action": "share"})
    revoke = path_of(cleo.get("/space/sharing").text, r'href="(/space/sharing/[^"]+/revoke)"')
    dan.post("/space/sharing", {"username": "cleo", "all": "1", "action": "share"})
    shared = path_of(cleo.get("/space/sharing").text, r'href="(/space/shared/[^"]+/)"')
    shared_record = path_of(cleo.get(shared).text, r'href="(/space/shared/[^"]+/records/[^"]+)"')
    rejected = path_of(cleo.get("/space/not-accepted").text, r'href="(/space/not-accepted/[^"/]+)"')
    admin = Web(server, server.first_login["admin"]["username"], server.first_login["admin"]["password"])
    invite = path_of(admin.post("/space/admin", {"email": ""}).text,
                     r'<code id="invite-link">[^<]*?(/space/signup\?[^<]+)</code>')
    sepsis = lms[0]["id"]
    authorize = "/space/oauth/authorize?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": EXTENSION_CLIENT,
        "redirect_uri": f"https://{EXTENSION_ID}.chromiumapp.org/",
        "scope": "statements/write statements/read/mine", "state": "st4te",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"})
    signed_out = {
        "welcome": "/", "xAPI root in a browser": "/xapi/", "sign in": "/space/signin",
        "sign up by invitation": invite.replace("&amp;", "&"), "forgot password": "/space/password/forgot",
        "reset password (a used link)": "/space/password/reset?token=not-a-token",
        "offline notice": "/space/static/offline.html",
    }
    signed_in = {
        "timeline": "/space/", "timeline, filtered": "/space/?way=courses&tag=handover",
        "timeline, searched": "/space/?q=sepsis", "hidden records": "/space/?hidden=only",
        "impossible dates": "/space/?since=2026-03-01&until=2026-02-01",
        "timeline, older page": "/space/?before=not-a-position",
        "a record with a score": f"/space/records/{sepsis}", "an edited entry": f"/space/records/{edited}",
        "a hidden record": f"/space/records/{fire}", "editing an entry": f"/space/records/{edited}/edit",
        "delete one record": f"/space/records/delete?id={sepsis}",
        "delete a filtered set": "/space/records/delete?tag=handover",
        "add what I learned": "/space/journal",
        "add what I learned, shared from an app": "/space/journal?" + urllib.parse.urlencode(
            {"title": "Sepsis 6 bundle explained, step by step, for new registrants on the ward",
             "text": "A long text shared from an app https://www.example.org/a/very/long/address/that/goes/on"
                     "/and/on/without/any/break/in/it?with=parameters&and=more-parameters-still"}),
        "how I learn": "/space/ways", "how I learn, in minutes": "/space/ways?measure=minutes",
        "goals": "/space/goals", "a goal": goal, "sharing": "/space/sharing", "revoke a share": revoke,
        "records shared with me": shared, "a record shared with me": shared_record,
        "my keys": "/space/keys", "not accepted": "/space/not-accepted", "a refused statement": rejected,
        "identities": "/space/identities", "verify an identity (a used link)": "/space/identities/verify?token=x",
        "settings and archive": "/space/settings", "erase": "/space/erase", "password": "/space/password",
        "CPD log": "/space/cpd/", "CPD log, everything": "/space/cpd/?period=all",
        "CPD fields of a record": f"/space/cpd/records/{sepsis}", "CPD import": "/space/cpd/import",
        "CPD forwarding": "/space/cpd/forwarding", "chat": "/space/chat/",
        "profile findings": "/space/profiles/findings", "connect a device": "/space/oauth/device",
        "connect the browser extension": authorize, "a page that is not there": "/space/records/no-such-record",
    }
    return {"signed out": signed_out, "signed in": signed_in, "admin": {"admin": "/space/admin"}}


def look(page, url, found, name, width):
    """Open one page and check it."""
    page.goto(url)
    check(page, found, name, width)


def check(page, found, name, width):
    """Note what scrolls sideways on the page shown and what axe-core finds (every impact; serious
    and critical ones fail the test)."""
    address = urllib.parse.urlsplit(page.url)
    found["pages"].setdefault(name, address.path + (f"?{address.query}" if address.query else ""))
    problem = sideways(page)
    if problem:
        found["sideways"][f"{name} at {width}"] = problem
    violations = axe_violations(page, serious_only=False)
    for v in violations:
        found["axe"][width].append(f"{v['id']} ({v['impact']}) on {name}")
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    if serious:
        found["axe serious"][f"{name} at {width}"] = serious


def test_every_page_at_desktop_and_phone_widths(server, chromium, capsys):
    pages = a_life_to_look_at(server)
    found = {"pages": {}, "sideways": {}, "axe serious": {}, "axe": {1280: [], 390: []}, "phone": {}}
    for width, options in ((1280, DESKTOP), (390, PHONE)):
        visitor = chromium.new_context(**options)
        page = visitor.new_page()
        for name, path in pages["signed out"].items():
            look(page, server.url + path, found, name, width)
        cleo_ctx = chromium.new_context(**options)
        cleo = cleo_ctx.new_page()
        sign_in(cleo, server, "cleo")
        for name, path in pages["signed in"].items():
            look(cleo, server.url + path, found, name, width)
        # pages a form leads to: a share's preview, a new key shown once, the corrections form open
        cleo.goto(f"{server.url}/space/sharing")
        cleo.get_by_label("Their username").fill("dan")
        cleo.get_by_label("Everything").check()
        cleo.get_by_role("button", name="Preview what they would see").click()
        expect(cleo.locator("#share-preview")).to_be_visible()
        check(cleo, found, "share preview", width)
        cleo.goto(f"{server.url}/space/keys")
        cleo.get_by_label("Name of the tool").fill(f"podcast app on a {width} px screen")
        cleo.get_by_role("button", name="Create key").click()
        expect(cleo.locator("#new-secret")).to_be_visible()
        check(cleo, found, "a new key, shown once", width)
        cleo.goto(f"{server.url}/space/?q=sepsis")
        cleo.locator("ol.records h3 a").first.click()
        cleo.get_by_text("Correct or add to this record").click()
        check(cleo, found, "a record's corrections form, open", width)
        cleo.get_by_text("The xAPI statement").click()
        check(cleo, found, "a record's xAPI statement, open", width)
        if width == 390:  # what collapses on a phone, opened
            cleo.goto(f"{server.url}/space/")
            cleo.locator("details.menu > summary").click()
            check(cleo, found, "the menu, open", width)
            cleo.get_by_text("Filter and search").click()
            check(cleo, found, "the filters, open", width)
        admin_ctx = chromium.new_context(**options)
        admin = admin_ctx.new_page()
        sign_in(admin, server, server.first_login["admin"]["username"], server.first_login["admin"]["password"])
        for name, path in pages["admin"].items():
            look(admin, server.url + path, found, name, width)
        # the timeline's first screen: on a phone the menu and the filters collapsed, a whole record
        # in view, the "+" at hand; on a wide screen the navigation and the filters in full
        cleo.goto(f"{server.url}/space/")
        first = cleo.locator("ol.records > li").first.bounding_box()
        found["phone" if width == 390 else "desktop"] = {
            "first record ends at": round(first["y"] + first["height"]),
            "navigation shown": cleo.get_by_role("navigation", name="Your learning space").is_visible(),
            "filters shown": cleo.get_by_label("Way of learning").is_visible(),
            "quick-add shown": cleo.locator("a.quick-add").is_visible()}
        for context in (visitor, cleo_ctx, admin_ctx):
            context.close()
    with capsys.disabled():
        print(f"\nevery page at 1280 and 390 px: {len(found['pages'])} pages; sideways: {len(found['sideways'])}; "
              f"axe serious or critical: {len(found['axe serious'])}; axe of any impact: "
              f"{found['axe'][1280] or 0} at 1280, {found['axe'][390] or 0} at 390; phone: {found['phone']}\n  "
              + "\n  ".join(f"{name}: {path}" for name, path in found["pages"].items()))
    assert found["sideways"] == {}
    assert found["axe serious"] == {}
    assert found["phone"]["first record ends at"] <= 844
    assert found["phone"]["quick-add shown"] and not found["phone"]["navigation shown"]
    assert not found["phone"]["filters shown"]
    assert found["desktop"]["navigation shown"] and found["desktop"]["filters shown"]
