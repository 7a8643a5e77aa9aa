"""The personal learning space end to end, in Debian's Chromium against a real server.

One story, as two people live it: sign up by invitation, make a key, post
statements with it through the xAPI API, see mine and only mine, filter, add a
journal entry, set a goal, share a part, see exactly that part, revoke, erase.
Screenshots go to test-artefacts/; axe-core checks the main pages.
"""

from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from tests.browser_support import axe_violations, launch, screenshot
from tests.e2e.server import running_server

PASSWORD = "a-long-password-1"
VERSION = {"X-Experience-API-Version": "2.0.0"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("space-e2e")) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def sign_in(page, server, username, password):
    page.goto(f"{server.url}/space/signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()


def invite_and_sign_up(admin, server, context, username):
    admin.goto(f"{server.url}/space/admin")
    admin.get_by_role("button", name="Create invitation").click()
    link = admin.locator("#invite-link").inner_text()
    page = context.new_page()
    page.goto(link)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="My learning")).to_be_visible()
    return page


def make_key(page, server, name):
    page.goto(f"{server.url}/space/keys")
    page.get_by_label("Name of the tool").fill(name)
    page.get_by_role("button", name="Create key").click()
    return page.locator("#new-key").inner_text(), page.locator("#new-secret").inner_text()


def actor(username):
    return {"objectType": "Agent", "name": username,
            "account": {"homePage": "https://learnfolio.example/people", "name": username}}


def post(server, key, statements):
    response = requests.post(f"{server.xapi}/statements", json=statements, auth=key, headers=VERSION, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def reading(username, title, url, tag, verb="https://w3id.org/xapi/adl/verbs/read", minutes=20):
    return {"id": str(uuid.uuid4()), "actor": actor(username), "verb": {"id": verb, "display": {"en": "read"}},
            "object": {"id": url, "definition": {"name": {"en": title},
                                                 "type": "http://activitystrea.ms/schema/1.0/page"}},
            "result": {"duration": f"PT{minutes}M"},
            "context": {"extensions": {"http://id.tincanapi.com/extension/tags": [tag]}}}


def test_two_people_own_share_and_erase_their_records(server, browser):
    admin_ctx, ann_ctx, bob_ctx = browser.new_context(), browser.new_context(), browser.new_context()
    admin = admin_ctx.new_page()
    sign_in(admin, server, server.first_login["admin"]["username"], server.first_login["admin"]["password"])
    ann = invite_and_sign_up(admin, server, ann_ctx, "ann")
    bob = invite_and_sign_up(admin, server, bob_ctx, "bob")

    ann_key = make_key(ann, server, "browser extension")
    screenshot(ann, "space-keys")
    bob_key = make_key(bob, server, "bob's tool")
    post(server, ann_key, [reading("ann", "SQLite WAL mode", "https://sqlite.org/wal.html", "databases"),
                           reading("ann", "Flask blueprints", "https://flask.palletsprojects.com/bp", "python"),
                           reading("ann", "On burnout", "https://example.org/burnout", "health")])
    post(server, bob_key, [reading("bob", "Bob's private notes", "https://example.org/bob", "secret")])
    # ann's key cannot write for bob
    refused = requests.post(f"{server.xapi}/statements", json=reading("bob", "x", "https://e.org/x", "x"),
                            auth=ann_key, headers=VERSION, timeout=10)
    assert refused.status_code == 403

    # mine, and only mine
    ann.goto(f"{server.url}/space/")
    records = ann.locator("ol.records > li")
    expect(records).to_have_count(3)
    expect(ann.get_by_text("Bob's private notes")).to_have_count(0)
    screenshot(ann, "space-timeline")

    # filter by tag, then search
    ann.get_by_label("Tag").select_option("python")
    ann.get_by_role("button", name="Filter").click()
    expect(records).to_have_count(1)
    expect(records.first).to_contain_text("Flask blueprints")
    ann.goto(f"{server.url}/space/?q=wal")
    expect(records).to_have_count(1)

    # a journal entry
    ann.goto(f"{server.url}/space/journal")
    ann.get_by_label("What did you learn, or learn from?").fill("Pair-debugged a deadlock with Sam")
    ann.get_by_label("How", exact=True).select_option("discussed")
    ann.get_by_label("Time spent (minutes)").fill("45")
    ann.get_by_label("What I take from it, and how I will use it").fill("Draw the lock order first.")
    ann.get_by_label("Tags", exact=True).fill("mentoring")
    ann.get_by_role("button", name="Add to my timeline").click()
    expect(ann.get_by_text("Added to your timeline.")).to_be_visible()
    screenshot(ann, "space-record")

    # a goal, with the journal entry linked to it
    ann.goto(f"{server.url}/space/goals")
    ann.get_by_label("Goal", exact=True).fill("Get better at concurrency")
    ann.get_by_label("Target hours (optional)").fill("3")
    ann.get_by_role("button", name="Add goal").click()
    ann.goto(f"{server.url}/space/?q=deadlock")
    ann.locator("ol.records a").first.click()
    ann.get_by_role("button", name="Link to goal").click()
    ann.goto(f"{server.url}/space/goals")
    expect(ann.get_by_text("1 linked record, 45 min of 3 h (25%)")).to_be_visible()

    ann.goto(f"{server.url}/space/ways")
    screenshot(ann, "space-how-i-learn")

    # share a part (the people way, and the databases tag) with bob
    ann.goto(f"{server.url}/space/sharing")
    ann.get_by_label("Their username").fill("bob")
    ann.get_by_label("People: conversations, communities, mentoring").check()
    ann.get_by_label("Records with these tags (comma separated)").fill("databases")
    ann.get_by_role("button", name="Share", exact=True).click()
    expect(ann.get_by_text("Shared: it is listed under")).to_be_visible()
    expect(ann.get_by_role("link", name="Revoke sharing with bob…")).to_be_visible()

    bob.goto(f"{server.url}/space/sharing")
    bob.get_by_role("link", name="ann's records").click()
    shared = bob.locator("ol.records > li")
    expect(shared).to_have_count(2)
    expect(bob.get_by_text("Pair-debugged a deadlock with Sam")).to_be_visible()
    expect(bob.get_by_text("SQLite WAL mode")).to_be_visible()
    expect(bob.get_by_text("On burnout")).to_have_count(0)
    expect(bob.get_by_text("Flask blueprints")).to_have_count(0)
    shared_url = bob.url
    screenshot(bob, "space-shared-view")
    # bob's own key still reads only bob's statements
    bobs = requests.get(f"{server.xapi}/statements", auth=bob_key, headers=VERSION, timeout=10).json()
    assert [s["object"]["definition"]["name"]["en"] for s in bobs["statements"]] == ["Bob's private notes"]

    # revoke: bob sees nothing any more
    ann.goto(f"{server.url}/space/sharing")
    ann.get_by_role("link", name="Revoke sharing with bob…").click()
    expect(ann.get_by_role("heading", name="Stop sharing with bob?")).to_be_visible()
    ann.get_by_role("button", name="Revoke sharing with bob").click()
    expect(ann.get_by_text("Sharing with bob is revoked")).to_be_visible()
    response = bob.goto(shared_url)
    assert response.status == 404

    # erase: ann downloads, then erases; nothing of hers is left
    ann.goto(f"{server.url}/space/erase")
    with ann.expect_download() as download:
        ann.get_by_role("main").get_by_role("link", name="Download all my statements", exact=True).click()
    assert download.value.suggested_filename == "ann-statements.json"
    ann.get_by_label("Type your username to confirm").fill("ann")
    ann.get_by_label("Your password").fill(PASSWORD)
    ann.get_by_role("button", name="Erase everything").click()
    expect(ann.get_by_role("heading", name="Your data is erased")).to_be_visible()
    assert requests.get(f"{server.xapi}/statements", auth=ann_key, headers=VERSION, timeout=10).status_code == 401
    admin_key = (server.first_login["credential"]["key"], server.first_login["credential"]["secret"])
    everything = requests.get(f"{server.xapi}/statements", auth=admin_key, headers=VERSION, timeout=10).json()
    assert [s["actor"]["name"] for s in everything["statements"]] == ["bob"]
    for context in (admin_ctx, ann_ctx, bob_ctx):
        context.close()


MAIN_PAGES = ["/space/", "/space/journal", "/space/ways", "/space/goals", "/space/sharing", "/space/keys",
              "/space/identities", "/space/erase", "/space/admin", "/space/settings", "/space/?hidden=only",
              "/space/?since=2026-03-01&until=2026-02-01", "/space/cpd/", "/space/chat/", "/"]


def test_main_pages_have_no_serious_accessibility_violations(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/space/signin")
    assert axe_violations(page) == []
    sign_in(page, server, server.first_login["admin"]["username"], server.first_login["admin"]["password"])
    admin_key = (server.first_login["credential"]["key"], server.first_login["credential"]["secret"])
    post(server, admin_key, [reading("admin", "Accessibility basics", "https://example.org/a11y", "a11y")])
    found = {}
    for path in MAIN_PAGES:
        page.goto(server.url + path)
        found[path] = axe_violations(page)
    page.goto(f"{server.url}/space/")
    page.locator("ol.records h3 a").first.click()
    page.get_by_text("Correct or add to this record").click()  # the corrections form, open
    found["record"] = axe_violations(page)
    record_url = page.url
    page.goto(record_url.replace("/records/", "/records/delete?id="))
    found["delete"] = axe_violations(page)
    page.goto(f"{server.url}/space/goals")
    page.get_by_label("Goal", exact=True).fill("Accessible goal")
    page.get_by_role("button", name="Add goal").click()
    page.get_by_role("link", name="Edit, mark done, link records").first.click()
    found["goal"] = axe_violations(page)
    page.goto(f"{server.url}/space/sharing")
    page.get_by_label("Their username").fill("nobody-here")
    page.get_by_label("Everything").check()
    page.get_by_role("button", name="Preview what they would see").click()
    found["share preview"] = axe_violations(page)
    page.get_by_role("button", name="Share", exact=True).click()
    page.get_by_role("link", name="Revoke sharing with nobody-here…").click()
    found["revoke"] = axe_violations(page)
    assert {path: v for path, v in found.items() if v} == {}
    context.close()


def test_readable_on_a_phone(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    sign_in(page, server, server.first_login["admin"]["username"], server.first_login["admin"]["password"])
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the timeline scrolls sideways on a phone ({width}px)"
    screenshot(page, "space-phone")
    context.close()


def test_keyboard_reaches_the_navigation(server, browser):
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server, server.first_login["admin"]["username"], server.first_login["admin"]["password"])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    for _ in range(3):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    context.close()
