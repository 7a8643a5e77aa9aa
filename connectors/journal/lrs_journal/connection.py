"""`lrs-journal connect`: a Learnfolio connection without a key, by the device flow (RFC 8628).

The command shows a code; the person enters it in their learning space and allows the journal;
the command polls the token endpoint until then. The tokens are kept in a file only its owner
can read (``~/.config/lrs-journal-connection.json``), refreshed when the LRS answers 401 (each
refresh token is used once, so the new one is written at once), and the actor comes from the
LRS: the journal never sends an identity the person does not have.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

CLIENT_ID = "lrs-journal"
SCOPE = "statements/write statements/read/mine"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
TIMEOUT = 30


class NotConnected(Exception):
    """Connecting, or refreshing a connection, failed; the message says why and what to do."""


def default_path() -> Path:
    if os.environ.get("LRS_JOURNAL_CONNECTION"):
        return Path(os.environ["LRS_JOURNAL_CONNECTION"])
    config_home = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config_home) / "lrs-journal-connection.json"


@dataclass
class Connection:
    endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    revocation_endpoint: str | None
    access_token: str
    refresh_token: str | None
    username: str
    actor: dict

    def save(self, path: Path | None = None) -> None:
        """Write the tokens readable by their owner only (created 0600, then replaced atomically)."""
        path = path or default_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            json.dump(asdict(self), file)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path | None = None) -> "Connection | None":
        path = path or default_path()
        if not path.exists():
            return None
        return cls(**json.loads(path.read_text()))


def _json(response: requests.Response, what: str) -> dict:
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code >= 400 and "error" not in body:
        raise NotConnected(f"{what} answered {response.status_code}: {body.get('message') or response.text[:200]}")
    return body


def metadata(endpoint: str) -> dict:
    """The LRS's OAuth metadata (RFC 8414), at the xAPI endpoint's origin."""
    parts = urlsplit(endpoint)
    url = f"{parts.scheme}://{parts.netloc}/.well-known/oauth-authorization-server"
    try:
        response = requests.get(url, timeout=TIMEOUT)
    except requests.RequestException as error:
        raise NotConnected(f"the LRS at {endpoint} cannot be reached: {error}") from None
    if response.status_code == 404:
        raise NotConnected("this LRS does not offer connecting without a key; use a key and secret")
    return _json(response, "the LRS's OAuth metadata")


def connect(endpoint: str, echo, sleep=time.sleep) -> Connection:
    """The device flow: ask for a code, show it, poll until the person allows (or denies) in their space."""
    meta = metadata(endpoint)
    try:
        started = _json(requests.post(meta["device_authorization_endpoint"],
                                      data={"client_id": CLIENT_ID, "scope": SCOPE}, timeout=TIMEOUT),
                        "the device authorization endpoint")
    except requests.RequestException as error:
        raise NotConnected(f"the LRS cannot be reached: {error}") from None
    if "device_code" not in started:
        raise NotConnected(f"the LRS refused to start: {started.get('error_description') or started.get('error')}")
    echo(f"To connect lrs-journal, open {started['verification_uri_complete']}\n"
         f"(or go to {started['verification_uri']} and enter the code {started['user_code']}),\n"
         "sign in, and allow it. Waiting…")
    interval = int(started.get("interval", 5))
    deadline = time.monotonic() + int(started.get("expires_in", 600))
    form = {"grant_type": DEVICE_GRANT, "device_code": started["device_code"], "client_id": CLIENT_ID}
    while time.monotonic() < deadline:
        sleep(interval)
        try:
            answer = _json(requests.post(meta["token_endpoint"], data=form, timeout=TIMEOUT), "the token endpoint")
        except requests.RequestException:
            continue  # the network came and went: keep polling until the code expires
        error = answer.get("error")
        if error == "authorization_pending":
            continue
        if error == "slow_down":
            interval += 5
            continue
        if error == "access_denied":
            raise NotConnected("you denied the connection in your learning space")
        if error:
            raise NotConnected(f"the LRS ended the connection attempt ({answer.get('error_description') or error});"
                                   " run `lrs-journal connect` again")
        return _finish(endpoint, meta, answer)
    raise NotConnected("the code expired before it was allowed; run `lrs-journal connect` again")


def _finish(endpoint: str, meta: dict, token: dict) -> Connection:
    me = _json(requests.get(meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"},
                            timeout=TIMEOUT), "the LRS (who am I)")
    connection = Connection(endpoint=endpoint, token_endpoint=meta["token_endpoint"],
                            userinfo_endpoint=meta["userinfo_endpoint"],
                            revocation_endpoint=meta.get("revocation_endpoint"),
                            access_token=token["access_token"], refresh_token=token.get("refresh_token"),
                            username=me["username"], actor=me["actor"])
    connection.save()
    return connection


def refresh(connection: Connection) -> Connection:
    """New tokens, written at once (the old refresh token is spent)."""
    if not connection.refresh_token:
        raise NotConnected("the connection has ended; run `lrs-journal connect` again")
    try:
        answer = _json(requests.post(connection.token_endpoint, timeout=TIMEOUT, data={
            "grant_type": "refresh_token", "refresh_token": connection.refresh_token, "client_id": CLIENT_ID}),
            "the token endpoint")
    except requests.RequestException as error:
        raise NotConnected(f"the LRS cannot be reached: {error}") from None
    if "access_token" not in answer:
        raise NotConnected("the connection has ended (revoked in “My keys”?); run `lrs-journal connect` again")
    connection.access_token = answer["access_token"]
    connection.refresh_token = answer.get("refresh_token")
    connection.save()
    return connection


def disconnect(connection: Connection) -> None:
    """Tell the LRS to end the connection (RFC 7009), then forget the tokens."""
    if connection.revocation_endpoint and connection.refresh_token:
        try:
            requests.post(connection.revocation_endpoint, timeout=TIMEOUT,
                          data={"token": connection.refresh_token, "client_id": CLIENT_ID})
        except requests.RequestException:
            pass  # offline: it stays in "My keys", where the person can revoke it
    default_path().unlink(missing_ok=True)
