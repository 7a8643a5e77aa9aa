"""The browser extension connected by OAuth, in Debian's Chromium against a live Learnfolio.

"Connect to Learnfolio" runs the real ``chrome.identity.launchWebAuthFlow``: Chromium opens its
own window on the LRS's sign-in and consent pages. That window is not a page of Playwright's
context, so the test reaches it through Chromium's DevTools port on loopback (a second
``connect_over_cdp`` connection), signs in and clicks "Allow" there like a person would.
"""

from __future__ import annotations

import re
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.browser_support import ROOT, axe_violations, launch_with_extension, screenshot
from tests.connectors.conftest import LiveServer, free_port

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

EXTENSION = ROOT / "connectors" / "browser-extension"
#: the id the manifest's key pins; the server's default redirect URI is made from it
EXTENSION_ID = "cdmbgbleojpimbogafafbdjdbgkggblm"
PASSWORD = "a-long-password-1"
PEOPLE = "https://learnfolio.example/people"

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>Tokens, not secrets.</p></body></html>"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("oauth-site")
    for name in ("first", "second", "third", "fourth"):
        (root / f"{name}.html").write_text(PAGE.format(title=f"The {name} page"))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def lrs(tmp_path_factory):
    """A live Learnfolio (every plugin, the OAuth one included) with two people who can sign in."""
    server = LiveServer(tmp_path_factory.mktemp("oauth-lrs"))
    from lrs.app import open_store
    from lrs.auth.personal import create_person
    from lrs.config import Config
    from lrs.plugins import get_plugin_manager

    config = Config.from_env({"home": server.env["LRS_HOME"]})
    store = open_store(config, get_plugin_manager(config))
    try:
        for name in ("ann", "bob"):
            create_person(store, config, name, PASSWORD)
    finally:
        store.close()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    port = free_port()
    with playwright_api.sync_playwright() as playwright:
        context = launch_with_extension(playwright, tmp_path_factory.mktemp("oauth-profile"), EXTENSION,
                                        debugging_port=port)
        try:
            worker = context.service_workers[0] if context.service_workers else \
                context.wait_for_event("serviceworker", timeout=15_000)
            devtools = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{port}")
            yield context, worker, devtools
        finally:
            context.close()


@pytest.fixture
def browser(chromium):
    context, worker, devtools = chromium
    context.clear_cookies()  # signed out of the LRS: launchWebAuthFlow's window shares the profile's cookies
    worker.evaluate("chrome.storage.local.clear()")
    worker.evaluate("chrome.action.setBadgeText({text: ''})")
    yield context, worker, devtools
    for page in context.pages:
        page.close()


def auth_window(devtools, options, timeout: float = 20):
    """The window launchWebAuthFlow opened, found among every page of the browser."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for context in devtools.contexts:
            for page in context.pages:
                if "/space/" in page.url:
                    return page
        options.wait_for_timeout(100)  # (Playwright takes in the new window's events while it waits)
    raise AssertionError("launchWebAuthFlow opened no window on the LRS; the options say: "
                         + options.locator("#status").inner_text())


def connect(context, worker, devtools, lrs, username: str = "ann"):
    """Options → "Connect to Learnfolio" → sign in and allow in Chromium's auth window → connected."""
    options = context.new_page()
    options.goto(f"chrome-extension://{EXTENSION_ID}/options.html")
    options.fill("#endpoint", lrs.endpoint)
    options.click("#connect")
    window = auth_window(devtools, options)
    expect(window.locator("#username")).to_be_visible()
    window.fill("#username", username)
    window.fill("#password", PASSWORD)
    window.click("button[type=submit]")
    expect(window.locator("h1")).to_have_text("Connect Learnfolio browser extension?")
    screenshot(window, "extension-oauth-consent")
    assert axe_violations(window) == []
    window.click("#allow")
    expect(options.locator("#status")).to_have_text(f"Connected as {username}.", timeout=15_000)
    return options


def tab_id(worker, url_pattern: str) -> int:
    return worker.evaluate("async (url) => (await chrome.tabs.query({url}))[0].id", url_pattern)


def save_page(context, worker, site: str, name: str) -> str:
    """Open a page and save it with the popup; the popup's answer."""
    page = context.new_page()
    page.goto(f"{site}/{name}.html")
    popup = context.new_page()
    popup.goto(f"chrome-extension://{EXTENSION_ID}/popup.html?tab={tab_id(worker, f'{site}/{name}.html')}")
    expect(popup.locator("#title")).to_have_value(f"The {name} page")
    popup.click("#send")
    expect(popup.locator("#status")).not_to_be_empty()
    return popup.locator("#status").inner_text()


def titles(lrs, username: str) -> list[str]:
    agent = {"account": {"homePage": PEOPLE, "name": username}}
    return sorted(next(iter(s["object"]["definition"]["name"].values())) for s in lrs.statements(agent=agent))


class Space:
    """The person's own space over HTTP (sign-in with CSRF), to revoke in "My keys"."""

    def __init__(self, lrs, username: str):
        self.url = f"http://127.0.0.1:{lrs.port}"
        self.http = requests.Session()
        self.post("/space/signin", {"username": username, "password": PASSWORD})

    def token(self, path: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', self.http.get(self.url + path).text).group(1)

    def post(self, path: str, data: dict, token_from: str = "/space/signin"):
        return self.http.post(self.url + path, data={"csrf_token": self.token(token_from), **data}, timeout=30)

    def keys(self) -> str:
        return self.http.get(self.url + "/space/keys", timeout=30).text


def test_connected_by_oauth_it_posts_as_the_person(browser, lrs, site):
    context, worker, devtools = browser
    assert worker.url.split("/")[2] == EXTENSION_ID  # the manifest's key pins the id
    options = connect(context, worker, devtools, lrs)
    # the actor came from the server: ann's account, shown in the options
    assert options.locator('input[name="kind"][value="account"]').is_checked()
    assert options.input_value("#home-page") == PEOPLE and options.input_value("#account-name") == "ann"
    assert options.input_value("#key") == "" and options.input_value("#secret") == ""
    stored = worker.evaluate("async () => (await chrome.storage.local.get(['oauth', 'settings']))")
    assert stored["settings"]["auth"] == "oauth" and stored["oauth"]["accessToken"] and stored["oauth"]["refreshToken"]
    options.click("#test")
    expect(options.locator("#status")).to_contain_text("connected as ann accepted")
    expect(options.locator("#status")).to_contain_text(f"identity ann on {PEOPLE} is yours (ann)")
    assert axe_violations(options) == []

    assert save_page(context, worker, site, "first") == "Saved to your learning record."
    [saved] = lrs.statements(agent={"account": {"homePage": PEOPLE, "name": "ann"}})
    assert saved["object"]["definition"]["name"] == {"en": "The first page"}
    assert [m.get("name") for m in saved["authority"]["member"]] == ["Learnfolio browser extension", "ann"]
    assert "Learnfolio browser extension" in Space(lrs, "ann").keys()

    # the browser is signed in to the space now (launchWebAuthFlow's window shares its cookies)
    keys = context.new_page()
    keys.goto(f"http://127.0.0.1:{lrs.port}/space/keys")
    connected = keys.locator("#connected")
    expect(connected).to_contain_text("Learnfolio browser extension")
    expect(connected).to_contain_text("statements/write, statements/read/mine, state")
    screenshot(keys, "my-keys-connected-tools")
    assert axe_violations(keys) == []
    keys.goto(f"http://127.0.0.1:{lrs.port}/space/oauth/device")
    assert axe_violations(keys) == []


def test_a_refused_statement_is_not_accepted_shown_fixed_and_resent_or_discarded(browser, lrs, site):
    context, worker, devtools = browser
    options = connect(context, worker, devtools, lrs, "bob")
    # bob sets an identity that is not his: the LRS refuses (403) and says why
    options.check('input[name="kind"][value="mbox"]')
    options.fill("#email", "someone.else@example.org")
    options.click("#test")
    expect(options.locator("#status")).to_contain_text("someone.else@example.org is not one of bob's verified identities")
    options.click("#save")
    expect(options.locator("#status")).to_have_text("Saved.")
    answer = save_page(context, worker, site, "second")
    assert answer.startswith("Not accepted by your LRS: 403:") and "claim the identity" in answer
    save_page(context, worker, site, "third")
    assert worker.evaluate("chrome.action.getBadgeText({})") == ""  # nothing waits to be sent
    options.reload()
    items = options.locator("#not-accepted-list li")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("The second page")
    expect(items.first).to_contain_text("403: a personal key writes only statements whose actor is its person")
    screenshot(options, "extension-not-accepted")
    assert axe_violations(options) == []

    # fixed: back to his own account, and the second is resent; the third is discarded
    options.check('input[name="kind"][value="account"]')
    options.fill("#home-page", PEOPLE)
    options.fill("#account-name", "bob")
    options.click("#save")
    expect(options.locator("#status")).to_have_text("Saved.")
    options.get_by_role("button", name="Resend “The second page” with the identity above").click()
    expect(options.locator("#status")).to_have_text("Sent.")
    options.get_by_role("button", name="Discard “The third page”").click()
    expect(options.locator("#status")).to_have_text("Discarded.")
    expect(options.locator("#not-accepted")).to_be_hidden()
    assert worker.evaluate("async () => (await chrome.storage.local.get('queue')).queue") == []
    assert titles(lrs, "bob") == ["The second page"]


def test_revoking_in_my_keys_stops_the_extension_at_its_next_request(browser, lrs, site):
    context, worker, devtools = browser
    connect(context, worker, devtools, lrs, "ann")
    before = titles(lrs, "ann")
    space = Space(lrs, "ann")
    urls = re.findall(r'action="(/space/oauth/connections/[^"]+/revoke)"', space.keys())
    for url in urls:  # every connection of ann's (this test's and the first test's)
        assert space.post(url, {}, token_from="/space/keys").status_code == 200
    assert "Learnfolio browser extension" not in space.keys()

    answer = save_page(context, worker, site, "fourth")
    assert answer.startswith("Not accepted by your LRS: 401: the connection to Learnfolio has ended")
    assert titles(lrs, "ann") == before  # nothing was stored
    stored = worker.evaluate("async () => (await chrome.storage.local.get('queue')).queue")
    assert [entry["rejected"] for entry in stored] == [True]


def test_with_a_key_test_connection_checks_the_identity_too(browser, lrs):
    context, worker, devtools = browser
    cat = {"objectType": "Agent", "mbox": "mailto:cat.oauth@example.org"}
    key, secret = lrs.personal_key("cat", cat)
    options = context.new_page()
    options.goto(f"chrome-extension://{EXTENSION_ID}/options.html")
    options.fill("#endpoint", lrs.endpoint)
    options.click("#key-fields summary")
    options.fill("#key", key)
    options.fill("#secret", secret)
    options.fill("#email", "dan.oauth@example.org")
    options.click("#test")
    expect(options.locator("#status")).to_contain_text("key and secret accepted")
    expect(options.locator("#status")).to_contain_text("this key may not act for dan.oauth@example.org (403)")
    options.fill("#email", "cat.oauth@example.org")
    options.click("#test")
    expect(options.locator("#status")).to_contain_text("identity cat.oauth@example.org accepted for this key")
