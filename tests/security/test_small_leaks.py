"""Rule 15: small leaks. Chat link codes cannot be guessed; a case variant of another person's
address cannot be taken; the sharing and identity forms answer alike whether or not a username or
an address is someone's here."""

from __future__ import annotations

import re

import pytest
import requests

from lrs.auth.personal import create_person
from lrs.xapi.agents import agent_key
from tests.e2e.server import running_server
from tests.plugins.space.conftest import PASSWORD
from tests.security.conftest import Web, add_people

TOKEN = "mattermost-token-for-tests"
#: wrong link codes one chat user may send in 15 minutes (lrs_chat.plugin)
LINK_ATTEMPTS = 5


@pytest.fixture(scope="module")
def chat_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("leaks-chat")
    with running_server(home, workers=2, env={"LRS_CHAT_MATTERMOST_TOKEN": TOKEN}) as server:
        add_people(home, "ann")
        yield server


def link_code(web: Web) -> str:
    page = web.post("/space/chat/", token_from="/space/chat/").text
    return re.search(r"/learned link ([0-9A-Za-z-]+)", page).group(1)


def mattermost(server, text, user):
    form = {"token": TOKEN, "team_id": "T1", "team_domain": "acme", "channel_id": "C1", "channel_name": "dev",
            "user_id": user, "user_name": user, "text": text}
    response = requests.post(f"{server.url}/chat/mattermost", data=form, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["text"]


def test_link_codes_have_at_least_64_random_bits(chat_server):
    ann = Web(chat_server.url).signin("ann")
    codes = [link_code(ann) for _ in range(3)]
    for code in codes:
        digits = code.replace("-", "")
        assert re.fullmatch(r"[0-9A-F]+", digits) and len(digits) * 4 >= 64, code
    assert len(set(codes)) == 3


def test_link_code_guesses_are_limited_per_chat_user(chat_server):
    ann = Web(chat_server.url).signin("ann")
    code = link_code(ann)
    for n in range(LINK_ATTEMPTS):
        assert "unknown or expired" in mattermost(chat_server, f"link {n:020X}", "U-guesser")
    # the next guess is refused before it is compared, even when it is right
    assert "Too many" in mattermost(chat_server, f"link {code}", "U-guesser")
    assert "not linked" in mattermost(chat_server, "I learned something", "U-guesser")
    # the code is still good for the chat user it was meant for, once
    assert "Linked" in mattermost(chat_server, f"link {code.lower()}", "U-ann")
    assert "unknown or expired" in mattermost(chat_server, f"link {code}", "U-other")


# -- identities and sharing (the Flask test client runs the same views as a server) ----------------


def claim(b, address):
    response = b.post("/space/identities", {"kind": "mbox", "email": address}, token_from="/space/identities")
    return response.status_code, response.get_data(as_text=True).replace(address, "ADDRESS")


def notice(page: str) -> str:
    return re.search(r'<p class="(?:done|error)"[^>]*>(.*?)</p>', page, re.S).group(1)


def test_claiming_someone_elses_address_answers_like_claiming_a_free_one(space_app, space_store, people, browser):
    space_store.add_identity(people["ann"].id, {"mbox": "mailto:ada@example.org"}, verified_by="admin:admin")
    bob = browser().signin("bob")
    free_status, free_page = claim(bob, "bob@example.org")
    held_status, held_page = claim(bob, "ada@example.org")
    variant_status, variant_page = claim(bob, "Ada@Example.ORG")
    assert free_status == held_status == variant_status == 200
    assert notice(free_page) == notice(held_page) == notice(variant_page)
    table = bob.get("/space/identities").get_data(as_text=True)
    for address in ("bob@example.org", "ada@example.org", "Ada@Example.ORG"):
        assert re.search(re.escape(address) + r"</code></td>\s*<td[^>]*>waiting for verification", table), address


def test_a_case_variant_of_a_verified_address_cannot_be_verified_for_another_person(space_app, space_store,
                                                                                   people, browser):
    ann, bob = people["ann"], people["bob"]
    space_store.add_identity(ann.id, {"mbox": "mailto:ada@example.org"}, verified_by="admin:admin")
    claim(browser().signin("bob"), "Ada@Example.org")
    variant = agent_key({"objectType": "Agent", "mbox": "mailto:Ada@Example.org"})
    admin = browser().signin("admin")
    admin.post("/space/admin/verify", {"person_id": str(bob.id), "key": variant}, token_from="/space/admin")
    assert space_store.identity_owner(variant) is None
    [pending] = [i for i in space_store.list_identities(bob.id) if i.key == variant]
    assert not pending.verified
    assert space_store.identity_owner(agent_key({"mbox": "mailto:ada@example.org"})) == ann.id


def test_sharing_answers_alike_for_a_person_and_for_no_one(space_app, space_store, people, browser):
    ann = browser().signin("ann")
    form = {"all": "1"}
    to_bob = ann.post("/space/sharing", {**form, "username": "bob"}, token_from="/space/sharing")
    to_no_one = ann.post("/space/sharing", {**form, "username": "nobody"}, token_from="/space/sharing")
    assert to_bob.status_code == to_no_one.status_code == 302
    assert to_bob.headers["Location"] == to_no_one.headers["Location"]
    page = ann.get("/space/sharing").get_data(as_text=True)
    assert "With <strong>bob</strong>" in page and "With <strong>nobody</strong>" in page
    # nothing is shared with anyone by the share to no one, even with a person who takes the name later
    create_person(space_store, space_app.extensions["lrs"].config, "nobody", PASSWORD)
    later = browser().signin("nobody").get("/space/sharing").get_data(as_text=True)
    assert "ann's records" not in later
    assert "ann's records" in browser().signin("bob").get("/space/sharing").get_data(as_text=True)
