"""The published OpenAPI description covers every xAPI route, and fuzzing the API from it
(schemathesis: valid and description-breaking requests) finds no 5xx and no accepted invalid
request. The longer run is ``python -m tests.soak.fuzz --seconds N``."""

from __future__ import annotations

import schemathesis

from tests.soak.fuzz import CONFIG, fuzz


def test_openapi_is_served_without_credentials_and_covers_every_xapi_route(app):
    response = app.test_client().get("/xapi/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"].startswith("3.")
    described = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    served = {(rule.rule.removeprefix("/xapi"), method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/xapi/") and rule.rule != "/xapi/openapi.json"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == described


def test_fuzzing_from_the_openapi_description_finds_no_failure(app, client, capsys):
    schema = schemathesis.openapi.from_wsgi("/xapi/openapi.json", app, config=CONFIG)
    report = fuzz(schema, auth_header=client.headers, examples=10, seconds=45)
    with capsys.disabled():
        print("\n" + report.lines())
    assert report.requests >= 200
    assert report.failures == {}
