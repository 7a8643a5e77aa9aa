"""What the security tests share: a real server (`lrs init`, `lrs serve`), people made in its
store file, their personal keys made by `lrs credentials create --person`, and a browser-like
session that signs in to the space with its CSRF tokens. Only HTTP and the `lrs` command
reach the server, so each test runs unchanged against any version of the code."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import uuid

import requests

from tests.e2e.server import LRS

PASSWORD = "a-long-password-1"
VERSION = {"X-Experience-API-Version": "2.0.0"}
PEOPLE_HOME = "https://learnfolio.example/people"


def account(username: str) -> dict:
    return {"objectType": "Agent", "name": username, "account": {"homePage": PEOPLE_HOME, "name": username}}


def make_person(server, username: str, *, email: str | None = None) -> None:
    """A person in the server's own store file, with their sign-up identity (and an e-mail, verified)."""
    script = (
        "import sys, json; from lrs.config import Config; from lrs.app import open_store;"
        "from lrs.plugins import get_plugin_manager; from lrs.auth.personal import create_person;"
        "c = Config.from_env(); s = open_store(c, get_plugin_manager(c)); s.initialise();"
        "p = create_person(s, c, sys.argv[1], sys.argv[2]);"
        "e = sys.argv[3] if len(sys.argv) > 3 else None;"
        "e and s.add_identity(p.id, {'objectType': 'Agent', 'mbox': 'mailto:' + e}, verified_by='admin:test')"
    )
    args = [LRS.replace("/lrs", "/python"), "-c", script, username, PASSWORD] + ([email] if email else [])
    subprocess.run(args, env=server.env, check=True, capture_output=True)


def personal_key(server, username: str) -> tuple[str, str]:
    out = subprocess.run([LRS, "credentials", "create", "--person", username, "--name", f"{username}'s tool",
                          "--json"], env=server.env, check=True, capture_output=True, text=True).stdout
    made = json.loads(out)
    return made["key"], made["secret"]


def tool_key(server) -> tuple[str, str]:
    credential = server.first_login["credential"]
    return credential["key"], credential["secret"]


def statement(actor: dict, title: str = "Reading", **extra) -> dict:
    return {"id": str(uuid.uuid4()), "actor": actor,
            "verb": {"id": "https://w3id.org/xapi/adl/verbs/read", "display": {"en": "read"}},
            "object": {"id": f"https://example.org/{uuid.uuid4()}", "definition": {"name": {"en": title}}},
            **extra}


def ref_to(actor: dict, target_id: str, verb: str = "http://adlnet.gov/expapi/verbs/commented") -> dict:
    return {"id": str(uuid.uuid4()), "actor": actor, "verb": {"id": verb, "display": {"en": "commented"}},
            "object": {"objectType": "StatementRef", "id": target_id}}


def voiding(actor: dict, target_id: str) -> dict:
    return ref_to(actor, target_id, "http://adlnet.gov/expapi/verbs/voided")


def post(server, key, statements, **kw) -> requests.Response:
    return requests.post(f"{server.xapi}/statements", json=statements, auth=key, headers=VERSION, timeout=15, **kw)


def get_ids(server, key, **params) -> list[str]:
    """Every statement id the key reads (following `more`)."""
    url, found = f"{server.xapi}/statements", []
    query = {k: (json.dumps(v) if isinstance(v, dict) else v) for k, v in params.items()}
    while url:
        response = requests.get(url, params=query, auth=key, headers=VERSION, timeout=15)
        assert response.status_code == 200, response.text
        body = response.json()
        found += [s["id"] for s in body["statements"]]
        url, query = (server.url + body["more"]) if body["more"] else None, None
    return found


def multipart(statements: list[dict], parts: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/mixed body of the statements and attachment parts (content type, content)."""
    boundary = "b" + uuid.uuid4().hex
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode() + json.dumps(statements).encode()]
    for content_type, content in parts:
        sha2 = hashlib.sha256(content).hexdigest()
        chunks.append(f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: binary\r\n"
                      f"X-Experience-API-Hash: {sha2}\r\n\r\n".encode() + content)
    return b"".join(chunks) + f"\r\n--{boundary}--\r\n".encode(), f"multipart/mixed; boundary={boundary}"


def attachment_meta(content: bytes, content_type: str = "application/pdf", **extra) -> dict:
    return {"usageType": "http://id.tincanapi.com/attachment/certificate-of-completion",
            "display": {"en": "certificate"}, "contentType": content_type, "length": len(content),
            "sha2": hashlib.sha256(content).hexdigest(), **extra}


class Web:
    """A signed-in person in the space: cookies kept, CSRF token read from each form page."""

    def __init__(self, server, username: str, password: str = PASSWORD):
        self.server = server
        self.http = requests.Session()
        response = self.post("/space/signin", {"username": username, "password": password}, token_from="/space/signin")
        assert response.status_code in (200, 302) and "signin" not in response.url, response.text[:300]

    def get(self, path: str, **kw) -> requests.Response:
        return self.http.get(self.server.url + path, timeout=15, **kw)

    def token(self, path: str) -> str:
        page = self.get(path).text
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def post(self, path: str, data: dict, *, token_from: str | None = None, **kw) -> requests.Response:
        data = {"csrf_token": self.token(token_from or path), **data}
        return self.http.post(self.server.url + path, data=data, timeout=30, **kw)

    def timeline_text(self) -> str:
        return self.get("/space/?q=").text

    def export(self) -> list[dict]:
        return self.get("/space/export.json").json()


def basic(key) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{key[0]}:{key[1]}".encode()).decode()}
