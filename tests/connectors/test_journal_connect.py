"""`lrs-journal connect` against a real Learnfolio: the device flow, entries as the person, a refresh
when the access token is refused, and the end of it all when the person revokes it in "My keys"."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests

LRS_JOURNAL = str(Path(sys.executable).parent / "lrs-journal")
PASSWORD = "a-long-password-1"
PEOPLE = "https://learnfolio.example/people"


@pytest.fixture(scope="module")
def person(live_server):
    """A person of the live server who signs in with a password (the device page is in their space)."""
    from lrs.app import open_store
    from lrs.auth.personal import create_person
    from lrs.config import Config
    from lrs.plugins import get_plugin_manager

    config = Config.from_env({"home": live_server.env["LRS_HOME"]})
    store = open_store(config, get_plugin_manager(config))
    try:
        create_person(store, config, "journal-ann", PASSWORD)
    finally:
        store.close()
    return "journal-ann"


class Space:
    def __init__(self, live_server, username: str):
        self.url = f"http://127.0.0.1:{live_server.port}"
        self.http = requests.Session()
        self.post("/space/signin", {"username": username, "password": PASSWORD})

    def post(self, path: str, data: dict, token_from: str = "/space/signin") -> requests.Response:
        page = self.http.get(self.url + token_from, timeout=30).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return self.http.post(self.url + path, data={"csrf_token": token, **data}, timeout=30)


def journal(env, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([LRS_JOURNAL, *args], env=env, capture_output=True, text=True, timeout=120, check=check)


def test_connect_by_device_flow_record_refresh_and_revoke(live_server, person, tmp_path):
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "LRS_JOURNAL_CONFIG": "",
           "LRS_JOURNAL_ENDPOINT": live_server.endpoint, "PYTHONUNBUFFERED": "1"}
    for name in ("LRS_JOURNAL_KEY", "LRS_JOURNAL_SECRET", "LRS_JOURNAL_ACTOR_EMAIL", "LRS_JOURNAL_CONNECTION"):
        env.pop(name, None)
    assert "lrs-journal connect" in journal(env, "add", "no key yet", check=False).stderr

    connecting = subprocess.Popen([LRS_JOURNAL, "connect"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
    try:
        shown = ""
        while "Waiting" not in shown:
            line = connecting.stderr.readline()
            assert line, f"lrs-journal connect ended: {connecting.stdout.read()}"
            shown += line
        code = re.search(r"enter the code ([A-Z]{4}-[A-Z]{4})", shown).group(1)
        assert f"{live_server.endpoint.removesuffix('xapi/')}space/oauth/device?user_code={code}" in shown

        space = Space(live_server, person)
        asked = space.post("/space/oauth/device", {"user_code": code}, token_from="/space/oauth/device")
        assert "lrs-journal (learning journal command) asks to act for you, journal-ann" in asked.text
        done = space.post("/space/oauth/device", {"user_code": code, "decision": "allow"},
                          token_from="/space/oauth/device")
        assert "is connected" in done.text
        out, err = connecting.communicate(timeout=60)
    finally:
        connecting.kill()
    assert connecting.returncode == 0, err
    actor = {"objectType": "Agent", "name": person, "account": {"homePage": PEOPLE, "name": person}}
    assert out.strip() == f"connected as {person}; entries are recorded as {json.dumps(actor)}"
    saved = tmp_path / "config" / "lrs-journal-connection.json"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600

    # entries are the person's: the actor came from the LRS, the authority names the journal
    assert journal(env, "check").stdout.strip().endswith(f"connection accepted; statements are about {actor}")
    journal(env, "add", "Learned the device flow", "--minutes", "10")
    [entry] = live_server.statements(agent={"account": {"homePage": PEOPLE, "name": person}})
    assert entry["actor"] == actor and "Learned the device flow" in entry["object"]["definition"]["name"].values()
    assert [m.get("name") for m in entry["authority"]["member"]] == ["lrs-journal (learning journal command)", person]

    # an access token the LRS refuses (401) is refreshed once, and the new tokens are written at once
    kept = json.loads(saved.read_text())
    saved.write_text(json.dumps({**kept, "access_token": "no-longer-good"}))
    journal(env, "add", "Learned about refresh tokens")
    renewed = json.loads(saved.read_text())
    assert renewed["access_token"] not in ("no-longer-good", kept["access_token"])
    assert renewed["refresh_token"] != kept["refresh_token"]
    assert len(live_server.statements(agent={"account": {"homePage": PEOPLE, "name": person}})) == 2

    # revoked in "My keys": the next request is refused, and the journal says what to do
    keys = space.http.get(space.url + "/space/keys", timeout=30).text
    [revoke] = re.findall(r'action="(/space/oauth/connections/[^"]+/revoke)"', keys)
    assert "lrs-journal (learning journal command)" in keys
    space.post(revoke, {}, token_from="/space/keys")
    refused = journal(env, "add", "Not any more", check=False)
    assert refused.returncode != 0 and "run `lrs-journal connect` again" in refused.stderr
    assert len(live_server.statements(agent={"account": {"homePage": PEOPLE, "name": person}})) == 2
