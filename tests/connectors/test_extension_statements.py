"""The browser extension's statement builder (lib/statement.js, run by Node) against the LRS's own validation."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from lrs.xapi.validation import validate_statement
from tests.browser_support import ROOT

STATEMENT_JS = ROOT / "connectors" / "browser-extension" / "lib" / "statement.js"

BUILD_ALL = """
import { VERBS, buildStatement } from %s;
const identities = [
  { kind: "mbox", name: "Ada", email: "ada@example.org" },
  { kind: "account", homePage: "https://lrs.example.org", accountName: "ada" },
];
const extras = [
  {},
  { note: "a reflection", tags: "xapi, lrs", seconds: 3725, rating: "5", language: "en-GB",
    canonicalHref: "https://example.org/canonical" },
  { quote: "a quoted sentence", seconds: 0, rating: "1", language: "not a tag", title: "" },
];
const statements = [];
let n = 0;
for (const identity of identities) for (const verb of Object.keys(VERBS)) for (const extra of extras) {
  n += 1;
  statements.push(buildStatement({
    id: `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`, timestamp: new Date(0).toISOString(),
    identity, verb, pageUrl: "https://example.org/page?q=1#frag", title: "A page", ...extra,
  }));
}
console.log(JSON.stringify(statements));
"""


@pytest.fixture(scope="module")
def built() -> list[dict]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = BUILD_ALL % json.dumps(STATEMENT_JS.as_uri())
    out = subprocess.run([node, "--input-type=module", "-e", script], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_every_kind_of_capture_is_a_valid_statement(built, version):
    assert len(built) == 2 * 5 * 3
    for statement in built:
        validate_statement(statement, version=version)


def test_the_variety_is_real(built):
    verbs = {s["verb"]["id"] for s in built}
    types = {s["object"]["definition"]["type"] for s in built}
    assert len(verbs) == 5 and len(types) == 3
    assert {s["object"]["id"] for s in built} == {"https://example.org/page?q=1", "https://example.org/canonical"}
    assert any("account" in s["actor"] for s in built) and any("mbox" in s["actor"] for s in built)
    assert all(s["id"] and s["timestamp"] for s in built)
