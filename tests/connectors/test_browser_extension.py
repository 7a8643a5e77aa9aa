"""The browser extension in Debian's Chromium against a live Learnfolio: options, popup,
the offline outbox and its retry, and exactly the expected statements in the LRS."""

from __future__ import annotations

import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lrs.xapi.validation import validate_statement
from tests.browser_support import ROOT, axe_violations, launch_with_extension, screenshot

playwright_api = pytest.importorskip("playwright.sync_api")

EXTENSION = ROOT / "connectors" / "browser-extension"
ADA = {"mbox": "mailto:ada.extension@example.org"}

ARTICLE = """<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Idempotent requests</title>
<link rel="canonical" href="/articles/idempotent-requests"></head>
<body><h1>Idempotent requests</h1><p>Sending twice must not store twice.</p></body></html>"""
VIDEO = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Backoff explained</title></head>
<body><video style="width: 90vw; height: 60vh" controls></video></body></html>"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A small local web site to capture pages from."""
    root = tmp_path_factory.mktemp("site")
    (root / "article.html").write_text(ARTICLE)
    (root / "video.html").write_text(VIDEO)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    """One Chromium with the unpacked extension for the module (a launch costs seconds)."""
    with playwright_api.sync_playwright() as playwright:
        context = launch_with_extension(playwright, tmp_path_factory.mktemp("profile"), EXTENSION)
        try:
            worker = context.service_workers[0] if context.service_workers else \
                context.wait_for_event("serviceworker", timeout=15_000)
            yield context, worker
        finally:
            context.close()


@pytest.fixture
def browser(chromium):
    """The extension as freshly installed: empty storage, no pages left open by another test."""
    context, worker = chromium
    worker.evaluate("chrome.storage.local.clear()")
    worker.evaluate("chrome.action.setBadgeText({text: ''})")
    yield context, worker
    for page in context.pages:
        page.close()


def tab_id(worker, url_pattern: str) -> int:
    return worker.evaluate("async (url) => (await chrome.tabs.query({url}))[0].id", url_pattern)


def badge(worker) -> str:
    return worker.evaluate("chrome.action.getBadgeText({})")


def open_popup(context, extension_id: str, tab: int):
    popup = context.new_page()
    popup.goto(f"chrome-extension://{extension_id}/popup.html?tab={tab}")
    playwright_api.expect(popup.locator("#title")).not_to_have_value("")  # (wait_for_function needs eval: CSP)
    return popup


def test_capture_online_offline_and_back(browser, live_server, site):
    context, worker = browser
    extension_id = worker.url.split("/")[2]
    key, secret = live_server.personal_key("ada", ADA)  # a personal key: it writes only Ada's statements

    # Options: the LRS, the key, the person's identity; "test connection" reaches /about and reads.
    options = context.new_page()
    options.goto(f"chrome-extension://{extension_id}/options.html")
    options.fill("#endpoint", live_server.endpoint)
    options.click("#key-fields summary")  # "Or use a key and secret" (Connect to Learnfolio is the other way)
    options.fill("#key", key)
    options.fill("#secret", secret)
    options.fill("#name", "Ada")
    options.fill("#email", ADA["mbox"].removeprefix("mailto:"))
    options.click("#test")
    playwright_api.expect(options.locator("#status")).to_contain_text("key and secret accepted")
    playwright_api.expect(options.locator("#status")).to_contain_text("identity ada.extension@example.org accepted")
    options.click("#save")
    playwright_api.expect(options.locator("#status")).to_contain_text("Saved.")

    # Online: a page read, with a note, tags, rating and the time it was visible.
    article = context.new_page()
    article.goto(f"{site}/article.html?utm_source=feed#part-2")
    article.wait_for_timeout(1000)
    popup = open_popup(context, extension_id, tab_id(worker, f"{site}/article.html*"))
    assert popup.input_value("#title") == "Idempotent requests"
    assert popup.input_value("#url") == f"{site}/articles/idempotent-requests"
    assert popup.input_value("#verb") == "read"
    popup.fill("#note", "PUT with the statement id makes retries safe.")
    popup.fill("#tags", "xapi, reliability")
    popup.select_option("#rating", "4")
    popup.click("#send")
    playwright_api.expect(popup.locator("#status")).to_have_text("Saved to your learning record.")
    assert badge(worker) == ""
    screenshot(popup, "extension-popup")

    # Offline: the LRS is down; a watched video and a saved selection wait in the outbox.
    live_server.stop()
    video = context.new_page()
    video.goto(f"{site}/video.html")
    popup = open_popup(context, extension_id, tab_id(worker, f"{site}/video.html"))
    assert popup.input_value("#verb") == "watched"
    popup.click("#send")
    playwright_api.expect(popup.locator("#status")).to_contain_text("Kept on this computer")
    selection = worker.evaluate(
        """async ([url, text]) => {
            const [tab] = await chrome.tabs.query({url});
            return learnfolio.saveSelection({selectionText: text, pageUrl: tab.url}, tab);
        }""", [f"{site}/article.html*", "Sending twice must not store twice."])
    assert selection["sent"] is False and selection["queued"] == 2
    assert badge(worker) == "2"
    queued = worker.evaluate("async () => (await chrome.storage.local.get('queue')).queue")
    queued_ids = [entry["statement"]["id"] for entry in queued]
    assert all(entry["lastError"].startswith("the LRS cannot be reached") for entry in queued)
    retry_in = worker.evaluate("async () => (await chrome.alarms.get('learnfolio-retry')).scheduledTime - Date.now()")
    assert 20_000 < retry_in <= 33_000  # the first backoff: 30 s ± 10 %

    # Back online: "send now" empties the outbox; the ids given at creation are kept.
    live_server.start()
    popup.reload()
    playwright_api.expect(popup.locator("#retry")).to_be_visible()
    popup.click("#retry")
    playwright_api.expect(popup.locator("#status")).to_have_text("Everything is in your learning record.")
    assert badge(worker) == ""
    assert worker.evaluate("async () => await chrome.alarms.get('learnfolio-retry') ?? null") is None

    # Sending a statement again (an answer lost on the way) stores nothing twice.
    stored = live_server.statements(agent=ADA)
    again = worker.evaluate("(s) => learnfolio.capture(s)", next(s for s in stored if s["id"] == queued_ids[0]))
    assert again == {"sent": True, "rejected": False, "error": None, "queued": 0}

    stored = live_server.statements(agent=ADA)
    assert len(stored) == 3
    by_verb = {s["verb"]["id"]: s for s in stored}
    read = [s for s in stored if s["verb"]["id"] == "http://activitystrea.ms/schema/1.0/read"]
    assert len(read) == 2 and {s["id"] for s in stored} >= set(queued_ids)
    page, quote = sorted(read, key=lambda s: "response" in s["result"] and "Sending" in s["result"]["response"])
    assert page["actor"] == {"objectType": "Agent", "name": "Ada", **ADA}
    assert page["object"]["id"] == f"{site}/articles/idempotent-requests"
    assert page["object"]["definition"] == {"type": "http://activitystrea.ms/schema/1.0/page",
                                            "name": {"en-GB": "Idempotent requests"}}
    assert page["result"]["response"] == "PUT with the statement id makes retries safe."
    assert page["result"]["score"] == {"raw": 4, "min": 1, "max": 5, "scaled": 0.8}
    assert page["result"]["duration"] not in ("PT0S", None)
    assert page["context"]["extensions"] == {"http://id.tincanapi.com/extension/tags": ["xapi", "reliability"]}
    assert quote["result"]["response"] == "Sending twice must not store twice."
    assert quote["object"]["id"] == page["object"]["id"]
    watched = by_verb["http://activitystrea.ms/schema/1.0/watch"]
    assert watched["object"]["id"] == f"{site}/video.html"
    assert watched["object"]["definition"]["type"] == "https://w3id.org/xapi/video/activity-type/video"
    for statement in stored:
        validate_statement(statement, version="1.0.3")


def test_popup_and_options_are_accessible(browser, site):
    context, worker = browser
    extension_id = worker.url.split("/")[2]
    article = context.new_page()
    article.goto(f"{site}/article.html")
    pages = [open_popup(context, extension_id, tab_id(worker, f"{site}/article.html"))]
    pages.append(context.new_page())
    pages[-1].goto(f"chrome-extension://{extension_id}/options.html")
    for page in pages:
        assert axe_violations(page) == [], page.url


def test_automatic_capture_only_on_listed_sites(browser, live_server, site):
    """Nothing is captured without an action, unless the person lists the site."""
    context, worker = browser
    grace = {"mbox": "mailto:grace.extension@example.org"}
    key, secret = live_server.personal_key("grace", grace)
    settings = {"endpoint": live_server.endpoint, "key": key, "secret": secret,
                "identity": {"kind": "mbox", "email": grace["mbox"].removeprefix("mailto:")},
                "autoCapture": True, "autoSites": ["localhost"], "autoMinSeconds": 0}
    worker.evaluate("(settings) => chrome.storage.local.set({settings})", settings)
    page = context.new_page()
    page.goto(f"{site}/article.html")  # 127.0.0.1 is not listed
    page.close()
    page = context.new_page()
    page.goto(f"{site.replace('127.0.0.1', 'localhost')}/video.html")  # listed
    page.close()
    deadline = time.monotonic() + 5
    while not (found := live_server.statements(agent=grace)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [(s["verb"]["id"], s["object"]["id"]) for s in found] == [
        ("http://activitystrea.ms/schema/1.0/watch", f"{site.replace('127.0.0.1', 'localhost')}/video.html")]
