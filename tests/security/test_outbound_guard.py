"""Rule 5: no request to an address a person gives reaches the server's own network.

"Import from another LRS" and forwarding contact the address a person typed. Each attempt
below goes through the page or function a person's request reaches, against real HTTP
servers on 127.0.0.1 that record every request: a refused address is never contacted.
"""

from __future__ import annotations

import html
import re
import threading

import orjson
import pytest
from werkzeug.serving import make_server

from lrs.auth.personal import create_person
from lrs_cpd import forwarding
from lrs_cpd.forwarding import Options
from tests.conftest import add_credential
from tests.plugins.cpd.conftest import PASSWORD, Browser, make_app, record, store_statements
from tests.security.loopback import Answer, loopback_server, no_traffic_off_this_machine, trickle  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_traffic_off_this_machine")

BANNER = b"INTERNAL-BANNER redis_version:6.2.7 on 10.0.0.7"

#: (address, what the refusal must say); {port} is a live loopback server that must get no request
REFUSED = [
    ("http://127.0.0.1:{port}/xapi/", "127.0.0.1 is a loopback address"),
    ("http://localhost:{port}/xapi/", "localhost resolves to a loopback address"),
    ("http://127.8.9.10:{port}/xapi/", "127.8.9.10 is a loopback address"),
    ("http://[::1]:{port}/xapi/", "::1 is a loopback address"),
    ("http://[::ffff:127.0.0.1]:{port}/xapi/", "a loopback address"),
    ("http://0.0.0.0:{port}/xapi/", "0.0.0.0 is an unspecified address"),
    ("http://10.20.30.40/xapi/", "10.20.30.40 is a private address"),
    ("http://192.168.1.1:8080/xapi/", "192.168.1.1 is a private address"),
    ("http://172.16.0.5/xapi/", "172.16.0.5 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("http://[fe80::1]/xapi/", "fe80::1 is a link-local address"),
    ("http://[fd12:3456::1]/xapi/", "fd12:3456::1 is a private address"),
    ("http://[::ffff:10.0.0.1]/xapi/", "a private address"),
    ("http://100.64.0.1/xapi/", "100.64.0.1 is a shared (carrier-grade NAT) address"),
    ("http://224.0.0.251/xapi/", "224.0.0.251 is a multicast address"),
]


def _app(tmp_path, name="lrs", **config):
    app = make_app(tmp_path / name, **config)
    ctx = app.extensions["lrs"]
    create_person(ctx.store, ctx.config, "ann", PASSWORD)
    return app


def _import_page(app, url: str, *, key="reader", secret="s3cret") -> tuple[int, str]:
    b = Browser(app).signin("ann")
    page = "/space/cpd/import"
    response = b.post(page, {"source": "lrs", "url": url, "key": key, "secret": secret, "version": "2.0.0"},
                      token_from=page)
    return response.status_code, html.unescape(response.get_data(as_text=True))


def _error(page: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', page, re.S)
    return found.group(1) if found else ""


def _forward_once(app, endpoint: str) -> tuple[forwarding.DrainResult, list[dict], list]:
    """A rule of ann's to ``endpoint`` (made directly, as if its name resolved elsewhere when it was
    added), one statement of hers stored, one pass of the worker with the app's own settings."""
    ctx = app.extensions["lrs"]
    ann = ctx.store.get_person("ann")
    rule = forwarding.add_rule(ctx.store, endpoint=endpoint, key="k", secret="s", person_id=ann.id)
    store_statements(ctx, ann, [record(ctx, ann, 1)])
    result = forwarding.drain(ctx.store, Options.of(ctx))
    return result, [e.body for e in forwarding.failures(ctx.store, rule.item_id)], forwarding.queued(
        ctx.store, rule.item_id)


# -- refused addresses ----------------------------------------------------------------------------


@pytest.mark.parametrize("address, says", REFUSED)
def test_import_from_an_internal_address_is_refused_and_never_contacted(tmp_path, address, says,
                                                                         no_traffic_off_this_machine):
    app = _app(tmp_path)
    with loopback_server(lambda method, path: Answer(200, {"Content-Type": "application/json"},
                                                     b'{"statements": [], "more": ""}')) as internal:
        status, page = _import_page(app, address.format(port=internal.port))
    assert status == 400
    assert says in _error(page) and "LRS_OUTBOUND_ALLOW" in _error(page), _error(page)
    assert internal.hits == [] and no_traffic_off_this_machine == []  # not even a connection was tried
    assert app.extensions["lrs"].store.statement_count() == 0


@pytest.mark.parametrize("address, says", REFUSED[:1] + REFUSED[3:5] + REFUSED[6:7] + REFUSED[9:10])
def test_forwarding_to_an_internal_address_is_held_and_never_contacted(tmp_path, address, says,
                                                                      no_traffic_off_this_machine):
    app = _app(tmp_path)
    with loopback_server() as internal:
        result, log, queue = _forward_once(app, address.format(port=internal.port))
    assert internal.hits == [] and no_traffic_off_this_machine == []
    assert (result.sent, result.failed) == (0, 1)
    assert says in log[0]["error"] and log[0]["status"].startswith("held")  # no retry can change it
    assert queue[0].body["held"]


def test_the_forwarding_page_refuses_an_internal_endpoint(tmp_path):
    app = _app(tmp_path)
    b = Browser(app).signin("ann")
    page = "/space/cpd/forwarding"
    with loopback_server() as internal:
        response = b.post(page, {"endpoint": f"{internal.url}/xapi/", "key": "k", "secret": "s"}, token_from=page)
    assert response.status_code == 400
    assert "127.0.0.1 is a loopback address" in html.unescape(response.get_data(as_text=True))
    assert forwarding.rules(app.extensions["lrs"].store, everyone=True) == []


def test_the_operators_import_command_uses_the_same_guard(tmp_path, runner):
    from lrs.cli import cli

    with loopback_server() as internal:
        result = runner.invoke(cli, ["import", "--from-lrs", f"{internal.url}/xapi/", "--key", "k", "--secret", "s"])
    assert result.exit_code != 0
    assert "127.0.0.1 is a loopback address; an operator can allow it with LRS_OUTBOUND_ALLOW" in result.output
    assert internal.hits == []


# -- redirects, sizes, time, and what the person is shown -------------------------------------------


def test_a_redirect_from_an_allowed_server_to_an_internal_one_is_not_followed(tmp_path):
    with loopback_server() as internal:
        target = f"http://127.0.0.1:{internal.port}/xapi/statements?limit=1000"
        redirect = lambda method, path: Answer(302 if method == "GET" else 307, {"Location": target})  # noqa: E731
        with loopback_server(redirect) as allowed:
            app = _app(tmp_path, outbound_allow=(f"127.0.0.1:{allowed.port}",))
            status, page = _import_page(app, f"{allowed.url}/xapi/")
            result, log, _ = _forward_once(app, f"{allowed.url}/xapi/")
    assert status == 400 and "redirect" in _error(page) and target not in page, _error(page)
    assert "redirect" in log[0]["error"] and result.sent == 0
    assert [m for m, _ in allowed.hits] == ["GET", "POST"]
    assert internal.hits == []  # never contacted, by the pull or the forwarding



@pytest.mark.parametrize("length", ["declared", "streamed"])
def test_an_oversized_answer_is_cut_off_with_a_clear_error(tmp_path, length):
    big = b'{"statements": [' + b'{"id": "x"},' * 200_000 + b'{}], "more": ""}'  # about 2.4 MB
    body = big if length == "declared" else (big[i:i + 65536] for i in range(0, len(big), 65536))
    with loopback_server(lambda method, path: Answer(200, {"Content-Type": "application/json"}, body)) as lrs:
        app = _app(tmp_path, outbound_allow=(f"127.0.0.1:{lrs.port}",), outbound_max_bytes=1024 * 1024)
        status, page = _import_page(app, f"{lrs.url}/xapi/")
    assert status == 400
    assert "answer was larger than 1 MiB" in _error(page), _error(page)


def test_an_answer_that_keeps_trickling_is_stopped_at_the_deadline(tmp_path):
    with loopback_server(lambda method, path: Answer(200, {"Content-Type": "application/json"},
                                                     trickle(400, 0.05))) as lrs:
        app = _app(tmp_path, outbound_allow=(f"127.0.0.1:{lrs.port}",), outbound_deadline=1)
        status, page = _import_page(app, f"{lrs.url}/xapi/")
    assert status == 400
    assert "did not finish answering within 1 s" in _error(page), _error(page)


@pytest.mark.parametrize("status_code", [401, 500])
def test_what_the_person_sees_never_contains_the_remote_body(tmp_path, status_code):
    with loopback_server(lambda method, path: Answer(status_code, {"Content-Type": "text/plain"}, BANNER)) as lrs:
        app = _app(tmp_path, outbound_allow=(f"127.0.0.1:{lrs.port}",))
        status, page = _import_page(app, f"{lrs.url}/xapi/")
        _, log, _ = _forward_once(app, f"{lrs.url}/xapi/")
        forwarding_page = Browser(app).signin("ann").get("/space/cpd/forwarding").get_data(as_text=True)
    reason = {401: "401 Unauthorized", 500: "500 Internal Server Error"}[status_code]
    assert status == 400 and reason in _error(page), _error(page)
    assert BANNER.decode() not in page and b"INTERNAL" not in page.encode()
    assert log[0]["error"].startswith(str(status_code)) and "INTERNAL" not in log[0]["error"]
    assert "INTERNAL" not in forwarding_page


# -- the operator's allow-list ---------------------------------------------------------------------


def test_the_allow_list_admits_a_named_internal_lrs_and_the_pull_works(tmp_path):
    source = make_app(tmp_path / "source")
    sctx = source.extensions["lrs"]
    ann = create_person(sctx.store, sctx.config, "ann", PASSWORD)
    statements = [record(sctx, ann, n) for n in range(12)]
    store_statements(sctx, ann, statements)
    add_credential(sctx.store, key="reader", secret="s3cret", scopes=("statements/read",))
    server = make_server("127.0.0.1", 0, source, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_port}/xapi/"
        refused = _app(tmp_path, "refused")
        assert "a loopback address" in _error(_import_page(refused, endpoint)[1])

        allowed = _app(tmp_path, "allowed", outbound_allow=(f"127.0.0.1:{server.server_port}",))
        status, page = _import_page(allowed, endpoint)
    finally:
        server.shutdown()
        server.server_close()
    assert status == 200, _error(page)
    assert "12 statements read: 12 added" in page
    assert allowed.extensions["lrs"].store.statement_count() == 12
    assert refused.extensions["lrs"].store.statement_count() == 0


def test_the_allow_list_names_one_port_not_the_whole_host(tmp_path):
    with loopback_server(lambda m, p: Answer(200, {"Content-Type": "application/json"},
                                             orjson.dumps({"statements": [], "more": ""}))) as lrs, \
            loopback_server() as other:
        app = _app(tmp_path, outbound_allow=(f"127.0.0.1:{lrs.port}",))
        assert _import_page(app, f"{lrs.url}/xapi/")[0] == 200
        status, page = _import_page(app, f"{other.url}/xapi/")
    assert status == 400 and "a loopback address" in _error(page)
    assert len(lrs.hits) == 1 and other.hits == []
