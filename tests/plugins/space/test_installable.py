"""Phone first and installable, through the app: the manifest and its share target, the service
worker and what it may keep, the quick-add, the collapsed filters, the journal's focus. What a
real browser makes of them (installability, the worker's cache, widths) is in test_week.py."""

from __future__ import annotations

import json
import re
import struct
from urllib.parse import quote, unquote, urlencode

from lrs.web import CSP, WORKER_CSP, _static_files
from tests.plugins.space.test_pages import add_journal


def form_value(html: str, field: str) -> str | None:
    found = re.search(rf'<(?:input|textarea)[^>]*\bid="{field}"[^>]*?(?:value="([^"]*)"[^>]*)?>([^<]*)', html)
    if found is None:
        return None
    return found.group(1) if found.group(1) is not None else found.group(2)


def exported(b) -> list[dict]:
    return json.loads(b.get("/space/export.json").get_data(as_text=True))


# -- the manifest ---------------------------------------------------------------------------------


def test_the_manifest_installs_the_space_and_shares_into_the_quick_add(space_app):
    client = space_app.test_client()
    response = client.get("/space/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["start_url"] == "/space/" and manifest["scope"] == "/space/"
    assert manifest["display"] == "standalone" and manifest["name"] == "Learnfolio"
    # a share only opens the quick-add with what was shared: GET, never a POST that would store
    assert manifest["share_target"] == {"action": "/space/journal", "method": "GET",
                                        "enctype": "application/x-www-form-urlencoded",
                                        "params": {"title": "title", "text": "text", "url": "url"}}
    assert manifest["shortcuts"] == [{"name": "Add what I learned", "url": "/space/journal"}]
    sizes = set()
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200, icon["src"]
        if icon["type"] == "image/png":
            body = image.get_data()
            assert body[:8] == b"\x89PNG\r\n\x1a\n"
            width, height = struct.unpack(">II", body[16:24])
            assert icon["sizes"] == f"{width}x{height}"
            sizes.add(width)
    assert {192, 512} <= sizes  # what browsers ask of an installable app


def test_pages_link_the_manifest_and_the_script_their_policy_allows(space_app, people, browser):
    b = browser().signin("ann")
    response = b.get("/space/")
    html = response.get_data(as_text=True)
    assert '<link rel="manifest" href="/space/manifest.webmanifest">' in html
    assert re.search(r'<script src="/space/static/space.js" defer data-service-worker="/space/sw.js"', html)
    assert "<script>" not in html and " style=" not in html  # nothing inline: the policy allows none
    policy = response.headers["Content-Security-Policy"]
    assert policy == CSP and "manifest-src 'self'" in policy and "script-src 'self'" in policy


# -- the service worker ---------------------------------------------------------------------------------


def test_the_service_worker_keeps_only_the_static_files(space_app, people, browser):
    b = browser().signin("ann")
    response = b.get("/space/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Content-Security-Policy"] == WORKER_CSP
    assert response.headers["Cache-Control"] == "no-store"  # a new version is seen at once
    script = response.get_data(as_text=True)
    static = json.loads(re.search(r"const STATIC = (\[.*?\]);", script).group(1))
    assert static and all(path.startswith("/space/static/") for path in static)
    assert "/space/static/offline.html" in static and "/space/static/space.css" in static
    for path in static:
        assert b.get(path).status_code == 200, path
    # its one cache.put is addAll(STATIC): pages are fetched, never kept
    assert script.count("cache.addAll(STATIC)") == 1 and ".put(" not in script
    # a person's page is the same for the worker as for anyone: no person, no record in it
    assert "ann" not in script


def test_the_service_workers_cache_is_named_after_the_static_files(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    for folder, css in ((one, "body { color: red }"), (two, "body { color: blue }")):
        folder.mkdir()
        (folder / "space.css").write_text(css)
        (folder / "space.js").write_text("// the same")
    names, version = _static_files(str(one))
    assert names == ("space.css", "space.js")
    assert version != _static_files(str(two))[1]  # a changed file: a new cache, so installed apps update


# -- the share target and the quick-add -------------------------------------------------------------


def test_a_share_only_prefills_the_quick_add(space_app, people, browser):
    b = browser().signin("ann")
    before = exported(b)
    query = urlencode({"title": "Why SQLite uses a WAL", "text": "Good read on checkpoints",
                       "url": "https://sqlite.org/wal.html"})
    html = b.get(f"/space/journal?{query}").get_data(as_text=True)
    assert form_value(html, "what") == "Why SQLite uses a WAL"
    assert form_value(html, "link") == "https://sqlite.org/wal.html"
    assert form_value(html, "takeaway") == "Good read on checkpoints"
    assert "Nothing is stored until you do" in html
    assert exported(b) == before  # opening the shared page stored nothing
    # the person confirms with the form (and its token): then it is a record
    statement_id = add_journal(b, what="Why SQLite uses a WAL", link="https://sqlite.org/wal.html",
                               takeaway="Good read on checkpoints")
    assert [s["id"] for s in exported(b)] == [statement_id]


def test_apps_that_put_the_link_in_the_text_get_it_as_the_link(space_app, people, browser):
    b = browser().signin("ann")
    html = b.get("/space/journal?" + urlencode({"text": "Retries with jitter https://aws.example/jitter."})).get_data(
        as_text=True)
    assert form_value(html, "what") == "Retries with jitter"
    assert form_value(html, "link") == "https://aws.example/jitter"
    assert form_value(html, "takeaway") == ""


def test_a_shared_address_that_is_no_web_page_never_becomes_the_link(space_app, people, browser):
    b = browser().signin("ann")
    for url in ("javascript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>",
                "https://example.org/\r\nSet-Cookie: x=1", "//evil.example/x"):
        html = b.get("/space/journal?" + urlencode({"title": "A page", "url": url})).get_data(as_text=True)
        assert form_value(html, "link") == "", url
        assert url.split("\r")[0] in html.replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'")  # as text
        assert "<script>alert" not in html  # what was shared is text in the form, escaped


def test_a_share_target_post_without_our_token_is_refused_and_stores_nothing(space_app, people, browser):
    b = browser().signin("ann")
    response = b.client.post("/space/journal", data={"title": "x", "what": "A shared page", "url": "https://e.org"})
    assert response.status_code == 400
    assert exported(b) == []


def test_sharing_when_signed_out_comes_back_to_the_prefilled_form(space_app, people, browser):
    b = browser()
    query = urlencode({"title": "Rate limiting", "url": "https://example.org/rl"})
    response = b.get(f"/space/journal?{query}")
    assert response.status_code == 302
    assert unquote(response.headers["Location"]) == f"/space/signin?next=/space/journal?{query}"
    signed_in = b.post("/space/signin?next=" + quote(f"/space/journal?{query}", safe=""),
                       {"username": "ann", "password": "a-long-password-1"})
    assert signed_in.headers["Location"] == f"/space/journal?{query}"
    assert form_value(b.get(signed_in.headers["Location"]).get_data(as_text=True), "what") == "Rate limiting"


def test_the_quick_add_is_on_every_page_but_its_own(space_app, people, browser):
    b = browser().signin("ann")
    quick = re.compile(r'<a class="quick-add" href="/space/journal">.*?Add what I learned</span></a>', re.S)
    for path in ("/space/", "/space/ways", "/space/goals", "/space/sharing", "/space/settings", "/space/cpd/"):
        assert quick.search(b.get(path).get_data(as_text=True)), path
    assert 'class="quick-add"' not in b.get("/space/journal").get_data(as_text=True)
    assert 'class="quick-add"' not in browser().get("/space/signin").get_data(as_text=True)  # signed out: none


# -- one control for the filters; focus in the journal -------------------------------------------------


def test_the_filters_collapse_behind_one_control_that_says_how_many_are_on(space_app, people, browser):
    b = browser().signin("ann")
    html = b.get("/space/").get_data(as_text=True)
    assert re.search(r'<details class="card filter-box phone-collapse">\s*<summary>Filter and search</summary>', html)
    html = b.get("/space/?tag=python&way=content").get_data(as_text=True)
    assert "<summary>Filter and search (2 on)</summary>" in html
    assert "<summary>Filter and search</summary>" in b.get("/space/?hidden=only").get_data(as_text=True)


def test_the_journal_focuses_its_first_field_then_the_confirmation(space_app, people, browser):
    b = browser().signin("ann")
    html = b.get("/space/journal").get_data(as_text=True)
    assert re.search(r'<input id="what"[^>]*autofocus>', html)
    assert html.count("autofocus") == 1
    statement_id = add_journal(b)
    page = b.get(f"/space/records/{statement_id}?added=1").get_data(as_text=True)
    assert '<p class="done" role="status" tabindex="-1" autofocus>Added to your timeline.</p>' in page
    refused = b.post("/space/journal", {"what": "", "minutes": "x"}, token_from="/space/journal")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert re.search(r'<p class="error" role="alert" tabindex="-1" autofocus>', html)
    assert html.count("autofocus") == 1  # the message, not the field
