"""Scheduled pulls keep the outbound and ownership rules: a source at an address on the server's
own network is refused (and never contacted) unless the operator allows it, also when its name
turns internal after it was added; a person's sources are theirs alone (another person neither
sees nor changes them; the secret is shown to no one); store-wide sources are the operator's,
made and changed only on the command line."""

from __future__ import annotations

import html
import re

import pytest

from lrs.auth.personal import create_person
from lrs_cpd import pulling
from lrs_cpd.pulling import PullOptions
from tests.plugins.cpd.conftest import PASSWORD, Browser, make_app
from tests.security.loopback import Answer, loopback_server, no_traffic_off_this_machine  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_traffic_off_this_machine")

IMPORT = "/space/cpd/import"
#: (address, what the refusal says); {port} is a live loopback server that must get no request
REFUSED = [
    ("http://127.0.0.1:{port}/xapi/", "127.0.0.1 is a loopback address"),
    ("http://localhost:{port}/xapi/", "localhost resolves to a loopback address"),
    ("http://[::ffff:127.0.0.1]:{port}/xapi/", "a loopback address"),
    ("http://10.20.30.40/xapi/", "10.20.30.40 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://[fd12:3456::1]/xapi/", "fd12:3456::1 is a private address"),
]


def _app(tmp_path, **config):
    app = make_app(tmp_path / "lrs", pull_worker=False, **config)
    ctx = app.extensions["lrs"]
    for name in ("ann", "bob"):
        create_person(ctx.store, ctx.config, name, PASSWORD, is_admin=name == "bob")
    return app, ctx


def _error(page: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)) if found else ""


def _add(browser, endpoint: str, **extra):
    form = {"name": "old LRS", "endpoint": endpoint, "key": "k", "secret": "the-remote-secret", "version": "2.0.0",
            **extra}
    return browser.post(f"{IMPORT}/sources", form, token_from=IMPORT)


@pytest.mark.parametrize("address, says", REFUSED)
def test_a_source_at_an_internal_address_is_refused_and_never_contacted(tmp_path, address, says):
    with loopback_server() as internal:
        app, ctx = _app(tmp_path)
        answer = _add(Browser(app).signin("ann"), address.format(port=internal.port))
        assert answer.status_code == 400 and says in _error(answer.get_data(as_text=True))
        assert ctx.store.list_items(pulling.SOURCE) == []
    assert internal.hits == []


def test_a_source_whose_address_turned_internal_is_paused_and_never_contacted(tmp_path):
    with loopback_server() as internal:
        app, ctx = _app(tmp_path)
        ann = ctx.store.get_person("ann")
        # made as if its name resolved to a public address when it was added
        src = pulling.add_source(ctx.store, endpoint=f"{internal.url}/xapi/", key="k", secret="s", person_id=ann.id)
        report = pulling.run_source(ctx, src, PullOptions.of(ctx))
    assert report["outcome"] == "paused" and "127.0.0.1 is a loopback address" in report["error"]
    assert "LRS_OUTBOUND_ALLOW" in report["error"] and internal.hits == []


def test_the_operators_allow_list_admits_one_internal_lrs(tmp_path):
    body = b'{"statements": [], "more": ""}'
    with loopback_server(lambda m, p: Answer(200, {"Content-Type": "application/json"}, body)) as allowed, \
            loopback_server() as other:
        app, ctx = _app(tmp_path, outbound_allow=(f"127.0.0.1:{allowed.port}",))
        ann = Browser(app).signin("ann")
        assert _add(ann, f"{allowed.url}/xapi/").status_code == 302
        assert _add(ann, f"{other.url}/xapi/").status_code == 400
        [src] = ctx.store.list_items(pulling.SOURCE)
        assert pulling.run_source(ctx, src, PullOptions.of(ctx))["outcome"] == "ok"
    assert len(allowed.hits) == 1 and other.hits == []


def test_another_person_neither_sees_nor_changes_a_persons_source(tmp_path):
    body = b'{"statements": [], "more": ""}'
    with loopback_server(lambda m, p: Answer(200, {"Content-Type": "application/json"}, body)) as lrs:
        app, ctx = _app(tmp_path, outbound_allow=(f"127.0.0.1:{lrs.port}",))
        ann = Browser(app).signin("ann")
        assert _add(ann, f"{lrs.url}/xapi/", name="ann's old LRS").status_code == 302
        [src] = ctx.store.list_items(pulling.SOURCE)
        bob = Browser(app).signin("bob")  # an administrator of the space, too
        page = bob.get(IMPORT).get_data(as_text=True)
        assert "ann&#39;s old LRS" not in page and src.item_id not in page
        for action in ("run", "pause", "resume", "remove"):
            assert bob.post(f"{IMPORT}/sources/{src.item_id}", {"action": action}, token_from=IMPORT).status_code == 404
        assert ctx.store.get_item(pulling.SOURCE, src.item_id).body == src.body
        assert pulling.source_log(ctx.store, src.item_id) == [] and lrs.hits == []
        own = ann.get(IMPORT).get_data(as_text=True)
        assert "ann&#39;s old LRS" in own and "the-remote-secret" not in own


def test_a_store_wide_source_is_the_operators_alone(tmp_path):
    body = b'{"statements": [], "more": ""}'
    with loopback_server(lambda m, p: Answer(200, {"Content-Type": "application/json"}, body)) as lrs:
        app, ctx = _app(tmp_path, outbound_allow=(f"127.0.0.1:{lrs.port}",))
        for name in ("ann", "bob"):
            web = Browser(app).signin(name)
            assert _add(web, f"{lrs.url}/xapi/", scope="store").status_code == 403
        assert ctx.store.list_items(pulling.SOURCE) == []
        store_wide = pulling.add_source(ctx.store, endpoint=f"{lrs.url}/xapi/", key="k", secret="s",
                                        name="the operator's feed")
        for name in ("ann", "bob"):
            web = Browser(app).signin(name)
            assert "the operator&#39;s feed" not in web.get(IMPORT).get_data(as_text=True)
            for action in ("run", "pause", "remove"):
                answer = web.post(f"{IMPORT}/sources/{store_wide.item_id}", {"action": action}, token_from=IMPORT)
                assert answer.status_code == 404
        assert ctx.store.get_item(pulling.SOURCE, store_wide.item_id).body == store_wide.body and lrs.hits == []
