"""Sign-in through an organisation's identity provider, end to end: Debian's Chromium, a real
Learnfolio server (lrs serve) and a real OpenID provider process on loopback (PyPI's
``oidc-provider-mock``, which serves discovery, JWKS, its authorization page and the token endpoint).

One story: Ada signs in with her company account, which makes her account with her verified
e-mail and her provider account as identities; a tool's statement with that e-mail is in her
timeline with no admin step; she makes a key and sees the actor her tools must send; she signs
out; an administrator disables her; then neither her sign-in nor her key works. Screenshots go
to test-artefacts/; axe-core checks the sign-in and people pages.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from tests.browser_support import axe_violations, launch, screenshot
from tests.e2e.server import free_port, running_server

VERSION = {"X-Experience-API-Version": "2.0.0"}
ADA = {"sub": "ada-0042", "email": "ada@corp.example", "email_verified": True, "preferred_username": "ada",
       "name": "Ada Lovelace"}


@pytest.fixture(scope="module")
def provider():
    """oidc-provider-mock as its own process: nonces required, Ada's claims predefined."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--require-nonce",
                                "--user-claims", json.dumps(ADA)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if requests.get(url + "/.well-known/openid-configuration", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("oidc-provider-mock did not start: " + process.stderr.read().decode())
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory, provider):
    env = {"LRS_OIDC_ISSUER": provider, "LRS_OIDC_CLIENT_ID": "learnfolio", "LRS_OIDC_CLIENT_SECRET": "not-checked",
           "LRS_OIDC_ACCOUNTS": "just-in-time", "LRS_OIDC_TITLE": "Sign in with Example Corp"}
    with running_server(tmp_path_factory.mktemp("oidc-e2e"), env=env) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


def sign_in_with_provider(page, server):
    page.goto(f"{server.url}/space/signin")
    page.get_by_role("link", name="Sign in with Example Corp").click()
    expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()  # the provider's own page
    page.get_by_placeholder("sub").fill(ADA["sub"])
    page.get_by_role("button", name="Authorize").click()


def test_company_sign_in_end_to_end(server, browser, provider):
    tool = (server.first_login["credential"]["key"], server.first_login["credential"]["secret"])
    ada_ctx = browser.new_context()
    ada = ada_ctx.new_page()
    ada.goto(f"{server.url}/space/signin")
    assert axe_violations(ada) == []
    sign_in_with_provider(ada, server)
    expect(ada.get_by_role("heading", name="My learning")).to_be_visible()
    expect(ada.get_by_text("Signed in as")).to_contain_text("ada")

    # her account: the verified e-mail and the provider account are identities at once
    ada.goto(f"{server.url}/space/identities")
    rows = ada.get_by_role("table", name="Identities")
    expect(rows).to_contain_text("mailto:ada@corp.example")
    expect(rows).to_contain_text(f"{provider} · {ADA['sub']}")
    assert ada.get_by_text("verified (provider:oidc)").count() == 2
    screenshot(ada, "oidc-identities")

    # a tool's statement with that e-mail lands in her record, no admin step
    title = f"Fire safety {uuid.uuid4().hex[:6]}"
    sent = {"actor": {"mbox": "mailto:ada@corp.example", "name": "Ada"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en": "completed"}},
            "object": {"id": "https://lms.corp.example/courses/fire", "definition": {"name": {"en": title}}}}
    assert requests.post(f"{server.xapi}/statements", json=sent, auth=tool, headers=VERSION,
                         timeout=10).status_code == 200
    ada.goto(f"{server.url}/space/")
    expect(ada.get_by_text(title)).to_be_visible()

    # My keys: a key, and the exact actor her tools must send
    ada.goto(f"{server.url}/space/keys")
    ada.get_by_label("Name of the tool").fill("browser extension")
    ada.get_by_role("button", name="Create key").click()
    key = (ada.locator("#new-key").inner_text(), ada.locator("#new-secret").inner_text())
    actors = [json.loads(a) for a in ada.locator("code.actor-json").all_inner_texts()]
    assert actors[0] == {"objectType": "Agent", "name": "ada", "mbox": "mailto:ada@corp.example"}
    expect(ada.locator("#new-curl")).to_contain_text(f"{server.url}/xapi/statements")
    screenshot(ada, "oidc-my-keys")
    mine = {**sent, "id": str(uuid.uuid4()), "actor": actors[0]}
    assert requests.post(f"{server.xapi}/statements", json=mine, auth=key, headers=VERSION,
                         timeout=10).status_code == 200

    # sign out: the session ends
    ada.get_by_role("button", name="Sign out").click()
    expect(ada.get_by_role("heading", name="Sign in to your learning space")).to_be_visible()
    ada.goto(f"{server.url}/space/keys")
    expect(ada.get_by_role("heading", name="Sign in to your learning space")).to_be_visible()

    # an administrator disables her on the people page
    admin_ctx = browser.new_context()
    admin = admin_ctx.new_page()
    admin.goto(f"{server.url}/space/signin")
    admin.get_by_label("Username", exact=True).fill(server.first_login["admin"]["username"])
    admin.get_by_label("Password", exact=True).fill(server.first_login["admin"]["password"])
    admin.get_by_role("button", name="Sign in", exact=True).click()
    admin.goto(f"{server.url}/space/admin/people")
    row = admin.get_by_role("row").filter(has_text="ada@corp.example").first
    expect(row).to_contain_text("ada")
    assert axe_violations(admin) == []
    admin.get_by_label("Action for ada").select_option("disable")
    admin.get_by_role("button", name="Apply to ada").click()
    expect(admin.get_by_role("status")).to_contain_text("Disabled")
    screenshot(admin, "oidc-people-page")

    # now neither her key nor her company sign-in works
    refused = requests.post(f"{server.xapi}/statements", json={**mine, "id": str(uuid.uuid4())}, auth=key,
                            headers=VERSION, timeout=10)
    assert refused.status_code == 403 and "disabled" in refused.json()["message"]
    sign_in_with_provider(ada, server)
    expect(ada.locator("main")).to_contain_text("this account is disabled")
    ada.goto(f"{server.url}/space/")
    expect(ada.get_by_role("heading", name="Sign in to your learning space")).to_be_visible()
    for context in (ada_ctx, admin_ctx):
        context.close()
