"""What a person's tools must send: the exact actor of each verified identity, and a ready curl
line that posts a statement as them to this LRS's xAPI endpoint (on LRS_PUBLIC_URL)."""

from __future__ import annotations

import json
import shlex

from lrs import lrs_app


def endpoint() -> str:
    """The xAPI endpoint as people reach it: on the public URL, never the request's Host header."""
    config = lrs_app().config
    return config.public_origin + config.xapi_prefix + "/"


def actor_of(identity, name: str) -> dict:
    agent = {"objectType": "Agent", "name": name}
    agent.update({k: v for k, v in identity.agent.items() if k in ("mbox", "mbox_sha1sum", "openid", "account")})
    return agent


def actors(person, identities) -> list[dict]:
    """One actor for each verified identity, the e-mail addresses first (what most tools send)."""
    verified = [i for i in identities if i.verified]
    verified.sort(key=lambda i: (0 if "mbox" in i.agent else 1, i.created))
    return [{"key": i.key, "json": json.dumps(actor_of(i, person.username), indent=2),
             "curl": curl_line(actor_of(i, person.username))} for i in verified]


def curl_line(actor: dict, key: str = "KEY", secret: str = "SECRET") -> str:
    statement = {"actor": actor, "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced",
                                          "display": {"en": "experienced"}},
                 "object": {"id": "https://example.org/activities/first-test",
                            "definition": {"name": {"en": "A first test from my tool"}}}}
    return (f"curl -u {shlex.quote(f'{key}:{secret}')} -H 'X-Experience-API-Version: 1.0.3'"
            f" -H 'Content-Type: application/json' -d {shlex.quote(json.dumps(statement))}"
            f" {shlex.quote(endpoint() + 'statements')}")
