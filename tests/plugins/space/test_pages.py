"""The personal learning space through its pages: accounts, records, goals, sharing, keys, erasure."""

from __future__ import annotations

import json
import re

from lrs.auth.personal import create_personal_key
from tests.conftest import XAPIClient, auth_header, statement
from tests.plugins.space.conftest import PASSWORD
from tests.conftest import EVERYTHING

ANN_MAIL = {"objectType": "Agent", "mbox": "mailto:ann@example.org"}


def ann_agent(space_app):
    home = space_app.extensions["lrs"].config.people_home_page
    return {"objectType": "Agent", "name": "ann", "account": {"homePage": home, "name": "ann"}}


def xapi_for(space_app, store, person, name="tool"):
    credential, secret = create_personal_key(store, space_app.extensions["lrs"].config, person, name)
    return XAPIClient(space_app.test_client(), auth_header(credential.key, secret))


def add_journal(b, **form):
    data = {"what": "Read about WAL", "verb": "read", "minutes": "30", "tags": "sqlite, databases",
            "takeaway": "Checkpoints matter"}
    data.update(form)
    response = b.post("/space/journal", data, token_from="/space/journal")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].split("/records/")[1].split("?")[0]


# -- accounts ---------------------------------------------------------------------------


def test_pages_need_a_session(space_app, people, browser):
    b = browser()
    for path in ("/space/", "/space/journal", "/space/ways", "/space/goals", "/space/sharing", "/space/keys",
                 "/space/identities", "/space/erase", "/space/export.json", "/space/admin"):
        response = b.get(path)
        assert response.status_code == 302 and "/space/signin" in response.headers["Location"], path


def test_wrong_password_and_unknown_user_look_the_same(people, browser):
    b = browser()
    wrong = b.post("/space/signin", {"username": "ann", "password": "nope-nope-nope"})
    unknown = b.post("/space/signin", {"username": "nobody", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert "do not match" in wrong.get_data(as_text=True) and "do not match" in unknown.get_data(as_text=True)


def test_forms_without_the_csrf_token_are_refused(people, browser):
    b = browser().signin("ann")
    response = b.client.post("/space/journal", data={"what": "x", "csrf_token": "forged"})
    assert response.status_code == 400 and "did not come from this site" in response.get_data(as_text=True)
    response = b.client.post("/space/signin", data={"username": "ann", "password": PASSWORD})
    assert response.status_code == 400


def test_session_cookie_flags_and_security_headers(people, browser):
    b = browser()
    response = b.post("/space/signin", {"username": "ann", "password": PASSWORD})
    cookie = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("lf_session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/space" in cookie
    page = b.get("/space/")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"


def test_signing_in_starts_a_new_session_and_signing_out_ends_it(people, browser, space_store):
    b = browser()
    b.client.set_cookie("lf_session", "planted-by-an-attacker", path="/space")
    b.signin("ann")
    token = b.client.get_cookie("lf_session", path="/space").value
    assert token != "planted-by-an-attacker"
    stolen = browser()
    stolen.client.set_cookie("lf_session", token, path="/space")
    assert stolen.get("/space/").status_code == 200
    b.post("/space/signout", token_from="/space/")
    assert stolen.get("/space/").status_code == 302  # the session is gone on the server, not only in one browser


def test_password_change_ends_other_sessions(people, browser):
    one, two = browser().signin("ann"), browser().signin("ann")
    response = one.post("/space/password", {"current": PASSWORD, "new": "another-long-one", "new2": "another-long-one"},
                        token_from="/space/password")
    assert response.status_code == 200 and "password is changed" in response.get_data(as_text=True)
    assert one.get("/space/").status_code == 200
    assert two.get("/space/").status_code == 302
    browser().signin("ann", "another-long-one")


def test_signup_is_by_invitation(space_app, people, browser, space_store):
    anonymous = browser()
    assert anonymous.get("/space/signup").status_code == 403
    admin = browser().signin("admin")
    page = admin.post("/space/admin", {"email": "cat@example.org"}, token_from="/space/admin").get_data(as_text=True)
    link = re.search(r'<code id="invite-link">([^<]+)</code>', page).group(1)
    invite = link.split("invite=")[1]
    form = {"invite": invite, "username": "cat", "password": PASSWORD, "password2": PASSWORD}
    response = anonymous.post("/space/signup", form, token_from=f"/space/signup?invite={invite}")
    assert response.status_code == 302
    assert space_store.get_person("cat").email == "cat@example.org"
    # an invitation works once
    assert browser().get(f"/space/signup?invite={invite}").status_code == 403
    # and nobody but an admin can make one
    assert browser().signin("ann").get("/space/admin").status_code == 403


def test_mass_assignment_on_signup_cannot_make_an_admin(space_app, people, browser, space_store):
    space_app.extensions["lrs"].config.__dict__  # frozen config: open sign-up for this test through a new app
    from lrs.app import create_app
    from tests.conftest import SECRET_KEY
    from tests.plugins.space.conftest import Browser

    home = space_app.extensions["lrs"].config.home
    app = create_app({"home": home, "secret_key": SECRET_KEY, "load_plugins": ("space", "cpd", "cpd_nursing", "chat"), "signup": "open"})
    b = Browser(app)
    form = {"username": "eve", "password": PASSWORD, "password2": PASSWORD, "is_admin": "1", "email": "x@y.z",
            "person_id": "1"}
    assert b.post("/space/signup", form, token_from="/space/signup").status_code == 302
    eve = app.extensions["lrs"].store.get_person("eve")
    assert not eve.is_admin and eve.email is None and eve.id != 1


# -- records ----------------------------------------------------------------------------


def test_timeline_shows_mine_from_every_source_and_only_mine(space_app, people, browser, space_store):
    ann_tool = xapi_for(space_app, space_store, people["ann"], "extension")
    bob_tool = xapi_for(space_app, space_store, people["bob"], "bob's tool")
    ann_tool.post("/xapi/statements", json=[statement(actor=ann_agent(space_app), object={
        "id": "https://example.org/wal", "definition": {"name": {"en": "Write-ahead logging"},
                                                        "type": "http://activitystrea.ms/schema/1.0/page"}})])
    bob_tool.post("/xapi/statements", json=[statement(actor={"objectType": "Agent", "name": "bob", "account": {
        "homePage": space_app.extensions["lrs"].config.people_home_page, "name": "bob"}}, object={
        "id": "https://example.org/secret-of-bob", "definition": {"name": {"en": "Bob's secret reading"}}})])
    b = browser().signin("ann")
    add_journal(b)
    page = b.get("/space/").get_data(as_text=True)
    assert "Write-ahead logging" in page and "Read about WAL" in page
    assert "Bob" not in page and "secret" not in page
    assert "2 records" in page
    # the source is the tool's own name (context.platform), else its credential's
    assert "from extension" in page and "from Learnfolio journal" in page


def test_filters_and_search(space_app, people, browser):
    b = browser().signin("ann")
    add_journal(b, what="Pairing on the flaky test", verb="discussed", tags="testing", minutes="45",
                takeaway="Ask early")
    add_journal(b, what="SQLite internals book", verb="read", tags="sqlite", minutes="60")
    add_journal(b, what="PyCon talk on typing", verb="attended", tags="python", date="2026-01-15")

    def titles(query):
        html = b.get("/space/?" + query).get_data(as_text=True)
        return set(re.findall(r'<h3><a href="[^"]+">[^:]+: ([^<]+)</a></h3>', html))

    assert titles("q=flaky") == {"Pairing on the flaky test"}
    assert titles("q=ask+early") == {"Pairing on the flaky test"}  # notes are searched too
    assert titles("tag=sqlite") == {"SQLite internals book"}
    assert titles("way=people") == {"Pairing on the flaky test"}
    assert titles("way=events") == {"PyCon talk on typing"}
    assert titles("since=2026-01-01&until=2026-01-31") == {"PyCon talk on typing"}
    assert titles("verb=https://w3id.org/xapi/adl/verbs/read") == {"SQLite internals book"}
    assert titles("source=Learnfolio+journal") == {"Pairing on the flaky test", "SQLite internals book",
                                                 "PyCon talk on typing"}
    assert titles("q=nothing-like-this") == set()


def test_timeline_pages(people, browser):
    b = browser().signin("ann")
    for n in range(23):
        add_journal(b, what=f"Entry {n:02d}")
    first = b.get("/space/").get_data(as_text=True)
    older = re.search(r'<a rel="next" href="([^"]+)">Older</a>', first).group(1).replace("&amp;", "&")
    second = b.get(older).get_data(as_text=True)
    assert "Entry 22" in first and "Entry 03" in first and "Entry 02" not in first and "Newer" not in first
    assert "Entry 00" in second and "Entry 03" not in second and "Older" not in second
    newer = re.search(r'<a rel="prev" href="([^"]+)">Newer</a>', second).group(1).replace("&amp;", "&")
    assert b.get(newer).get_data(as_text=True).count('class="record"') == 20


def test_journal_entry_is_a_valid_statement_with_duration_tags_and_reflection(space_app, people, browser,
                                                                             space_store):
    b = browser().signin("ann")
    sid = add_journal(b, link="https://sqlite.org/wal.html")
    stored = json.loads(space_store.get_statement(sid, reach=EVERYTHING).json)
    assert stored["actor"] == ann_agent(space_app)
    assert stored["object"]["id"] == "https://sqlite.org/wal.html"
    assert stored["result"] == {"duration": "PT30M", "response": "Checkpoints matter"}
    assert stored["context"]["extensions"]["http://id.tincanapi.com/extension/tags"] == ["sqlite", "databases"]
    assert stored["authority"]["member"][1] == ann_agent(space_app)
    from lrs.xapi.validation import validate_statement

    validate_statement(stored, version="2.0.0")


def test_journal_reports_bad_input(people, browser):
    b = browser().signin("ann")
    for form, message in (({"what": ""}, "Say what you learned"), ({"minutes": "ten"}, "whole number"),
                          ({"link": "not a link"}, "full address"), ({"date": "2999-01-01"}, "future")):
        data = {"what": "x", **form}
        response = b.post("/space/journal", data, token_from="/space/journal")
        assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_record_detail_and_attachment(space_app, people, browser, space_store):
    import hashlib

    from lrs.xapi.attachments import build_multipart, AttachmentPart

    tool = xapi_for(space_app, space_store, people["ann"])
    content = b"my certificate"
    sha = hashlib.sha256(content).hexdigest()
    body = statement(actor=ann_agent(space_app), result={"response": "Proud of this", "duration": "PT2H"},
                     attachments=[{"usageType": "http://id.tincanapi.com/attachment/certificate-of-completion",
                                   "display": {"en": "certificate"}, "contentType": "text/plain",
                                   "length": len(content), "sha2": sha}])
    payload, content_type = build_multipart(json.dumps(body).encode(), [AttachmentPart(sha, "text/plain", content)])
    [sid] = tool.post("/xapi/statements", data=payload, headers={"Content-Type": content_type}).json
    b = browser().signin("ann")
    page = b.get(f"/space/records/{sid}").get_data(as_text=True)
    assert "Proud of this" in page and "2 h" in page and "certificate" in page
    download = b.get(f"/space/records/{sid}/attachments/{sha}")
    assert download.data == content and download.headers["Content-Disposition"].startswith("attachment")


def test_ways_page_counts_and_minutes(people, browser):
    b = browser().signin("ann")
    add_journal(b, verb="discussed", minutes="45")
    add_journal(b, verb="read", minutes="15")
    add_journal(b, verb="read", minutes="")
    html = b.get("/space/ways").get_data(as_text=True)
    row = re.search(r"Reading, watching, listening</a></th><td[^>]*>(\d+)</td><td[^>]*>([^<]+)</td>", html)
    assert row.groups() == ("2", "15 min")
    assert "Time is known for 2 of them" in html
    assert html.count("<rect ") >= 2


def test_goals_link_records_and_show_progress(people, browser, space_store):
    b = browser().signin("ann")
    b.post("/space/goals", {"title": "Learn SQLite", "hours": "2"}, token_from="/space/goals")
    goal = space_store.list_items("goal", person_id=people["ann"].id)[0]
    sid = add_journal(b, minutes="30")
    b.post("/space/goals/link", {"goal": goal.item_id, "statement_id": sid}, token_from=f"/space/records/{sid}")
    html = b.get("/space/goals").get_data(as_text=True)
    assert "1 linked record, 30 min of 2 h (25%)" in html


# -- sharing ------------------------------------------------------------------------------


def test_sharing_a_part_shows_exactly_that_part_until_revoked(people, browser, space_store):
    ann = browser().signin("ann")
    add_journal(ann, what="Mentoring chat with Sam", verb="discussed", tags="mentoring")
    add_journal(ann, what="Private reading on burnout", verb="read", tags="health")
    add_journal(ann, what="Conference keynote", verb="attended", tags="conf")
    ann.post("/space/sharing", {"username": "bob", "ways": "people", "tags": "conf"}, token_from="/space/sharing")
    share = space_store.list_items("share", person_id=people["ann"].id)[0]
    bob = browser().signin("bob")
    assert f"/space/shared/{share.item_id}/" in bob.get("/space/sharing").get_data(as_text=True)
    html = bob.get(f"/space/shared/{share.item_id}/").get_data(as_text=True)
    assert "Mentoring chat with Sam" in html and "Conference keynote" in html
    assert "burnout" not in html
    private = next(r for r in json.loads(ann.get("/space/export.json").data) if "burnout" in json.dumps(r))
    assert bob.get(f"/space/shared/{share.item_id}/records/{private['id']}").status_code == 404
    # bob's own timeline stays his own
    assert "Mentoring" not in bob.get("/space/").get_data(as_text=True)
    ann.post(f"/space/sharing/{share.item_id}/revoke", token_from="/space/sharing")
    assert bob.get(f"/space/shared/{share.item_id}/").status_code == 404


# -- keys and identities ------------------------------------------------------------------


def test_keys_are_created_shown_once_and_revoked(space_app, people, browser, space_store):
    b = browser().signin("ann")
    response = b.post("/space/keys", {"name": "browser extension"}, token_from="/space/keys")
    html = response.get_data(as_text=True)
    key = re.search(r'<code id="new-key">([^<]+)</code>', html).group(1)
    secret = re.search(r'<code id="new-secret">([^<]+)</code>', html).group(1)
    client = XAPIClient(space_app.test_client(), auth_header(key, secret))
    assert client.post("/xapi/statements", json=statement(actor=ann_agent(space_app))).status_code == 200
    listing = b.get("/space/keys").get_data(as_text=True)
    assert secret not in listing and key in listing
    b.post(f"/space/keys/{key}/revoke", token_from="/space/keys")
    assert client.get("/xapi/statements").status_code == 401


def test_claimed_mbox_counts_once_an_admin_verifies_it(space_app, people, browser, space_store):
    from tests.conftest import add_credential

    tool = XAPIClient(space_app.test_client(), add_credential(space_store, key="lms"))
    tool.post("/xapi/statements", json=statement(actor=ANN_MAIL, object={"id": "https://lms.example.org/course-1",
              "definition": {"name": {"en": "Course from the LMS"}}}))
    ann = browser().signin("ann")
    ann.post("/space/identities", {"kind": "mbox", "email": "ann@example.org"}, token_from="/space/identities")
    assert "Course from the LMS" not in ann.get("/space/").get_data(as_text=True)
    admin = browser().signin("admin")
    assert "mailto:ann@example.org" in admin.get("/space/admin").get_data(as_text=True)
    admin.post("/space/admin/verify", {"person_id": str(people["ann"].id), "key": "Agent|mbox|mailto:ann@example.org"},
               token_from="/space/admin")
    assert "Course from the LMS" in ann.get("/space/").get_data(as_text=True)
    # bob cannot take what is ann's: his claim answers like any other (it reveals nothing) and stays pending
    bob = browser().signin("bob")
    response = bob.post("/space/identities", {"kind": "mbox", "email": "ann@example.org"},
                        token_from="/space/identities")
    assert response.status_code == 200 and "Claimed" in response.get_data(as_text=True)
    admin.post("/space/admin/verify", {"person_id": str(people["bob"].id), "key": "Agent|mbox|mailto:ann@example.org"},
               token_from="/space/admin")
    assert space_store.identity_owner("Agent|mbox|mailto:ann@example.org") == people["ann"].id
    assert "Course from the LMS" not in bob.get("/space/").get_data(as_text=True)


# -- erasure ------------------------------------------------------------------------------


def test_erase_removes_everything_of_the_person(space_app, people, browser, space_store):
    tool = xapi_for(space_app, space_store, people["ann"])
    tool.post("/xapi/statements", json=[statement(actor=ann_agent(space_app)) for _ in range(3)])
    b = browser().signin("ann")
    add_journal(b)
    b.post("/space/goals", {"title": "Goal"}, token_from="/space/goals")
    b.post("/space/sharing", {"username": "bob", "all": "1"}, token_from="/space/sharing")
    exported = json.loads(b.get("/space/export.json").data)
    assert len(exported) == 4
    wrong = b.post("/space/erase", {"confirm": "ann", "password": "wrong-password"}, token_from="/space/erase")
    assert wrong.status_code == 400
    done = b.post("/space/erase", {"confirm": "ann", "password": PASSWORD}, token_from="/space/erase")
    assert done.status_code == 302
    assert space_store.get_person("ann") is None
    assert all(space_store.get_statement(s["id"], reach=EVERYTHING) is None for s in exported)
    assert space_store.list_items("goal") == [] and space_store.list_items("share") == []
    assert space_store.list_credentials(person_id=people["ann"].id) == []
    assert b.get("/space/").status_code == 302
    assert tool.get("/xapi/statements").status_code == 401


def test_sign_in_pauses_after_repeated_failures(people, browser):
    b = browser()
    for _ in range(5):
        assert b.post("/space/signin", {"username": "ann", "password": "wrong-wrong-wrong"}).status_code == 401
    paused = b.post("/space/signin", {"username": "ann", "password": PASSWORD})
    assert paused.status_code == 429 and "Too many failed sign-ins" in paused.get_data(as_text=True)
    # other people are not affected
    browser().signin("bob")
