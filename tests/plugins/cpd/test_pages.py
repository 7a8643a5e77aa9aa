"""The CPD panel: log, downloads, CPD fields, import and forwarding pages, each only for its person."""

from __future__ import annotations

import io
import json

from lrs.auth.personal import create_person
from lrs_cpd import forwarding
from lrs_cpd.records import Settings
from lrs_space import annotation_of
from tests.plugins.cpd.conftest import PASSWORD, Browser, record, store_statements


def _people(ctx):
    return (create_person(ctx.store, ctx.config, "ann", PASSWORD),
            create_person(ctx.store, ctx.config, "bob", PASSWORD, is_admin=True))


def test_log_lists_records_totals_and_downloads(cpd_app, ctx):
    ann, _ = _people(ctx)
    store_statements(ctx, ann, [record(ctx, ann, 1, day="2026-02-01", minutes=90, title="Sepsis"),
                                record(ctx, ann, 2, day="2026-02-02", minutes=None, title="Podcast")])
    b = Browser(cpd_app).signin("ann")
    html = b.get("/space/cpd/?period=all").get_data(as_text=True)
    assert "CPD log" in html[html.index("<nav"):html.index("</nav>")]
    assert "Sepsis" in html and "Podcast" in html and "<em>unknown</em>" in html
    assert "1.5 hours</strong> in 2 records; 1 record has no recorded time" in html
    for name in ("csv", "pdf", "xapi"):
        assert f"/space/cpd/export/{name}?period=all" in html
    # a professional template is offered only to people who turn it on, for the period it covers
    assert "/space/cpd/export/nursing" not in html and b.get("/space/cpd/export/nursing").status_code == 404
    b.post("/space/cpd/settings", {"templates": "nursing", "year_start": "01-01"}, token_from="/space/cpd/")
    html = b.get("/space/cpd/?period=all").get_data(as_text=True)
    assert "/space/cpd/export/nursing?period=three-years" in html
    first, last = Settings().revalidation_period()
    nursing = b.get("/space/cpd/export/nursing?period=three-years")
    assert nursing.status_code == 200 and f"-{first}-to-{last}.pdf" in nursing.headers["Content-Disposition"]
    response = b.get("/space/cpd/export/csv?period=custom&from=2026-02-02&to=2026-02-28")
    assert response.data.decode("utf-8-sig").count("\r\n") == 2  # heading and the one record in the period
    assert b.get("/space/cpd/export/nope").status_code == 404


def test_cpd_fields_are_edited_only_by_their_person(cpd_app, ctx):
    ann, bob = _people(ctx)
    podcast = record(ctx, ann, 1, minutes=None, title="Podcast")
    store_statements(ctx, ann, [podcast])
    page = f"/space/cpd/records/{podcast['id']}"
    b = Browser(cpd_app).signin("ann")
    assert "<em>unknown</em>: add them below" in b.get(page).get_data(as_text=True)
    assert b.post(page, {"hours": "abc"}, token_from=page).status_code == 400
    response = b.post(page, {"hours": "1,25", "application": "Use it on the ward", "tags": "#wounds, care"},
                      token_from=page)
    assert response.status_code == 302
    assert annotation_of(ctx.store, ann.id, podcast["id"]).body() == {"hours": 1.25, "application": "Use it on the ward",
                                                                     "tags": ["wounds", "care"]}
    assert "1.25 (entered by you)" in b.get(page).get_data(as_text=True)
    assert b.post(page, {"csrf_token": "forged", "hours": "9"}).status_code == 400
    other = Browser(cpd_app).signin("bob")
    assert other.get(page).status_code == 404
    assert other.post(page, {"hours": "9"}, token_from="/space/cpd/").status_code == 404
    assert annotation_of(ctx.store, ann.id, podcast["id"]).hours == 1.25


def test_import_page_takes_a_file_into_my_space(cpd_app, ctx):
    ann, _ = _people(ctx)
    statements = [record(ctx, ann, n) for n in range(3)]
    b = Browser(cpd_app).signin("ann")
    token = b.token("/space/cpd/import")
    data = {"csrf_token": token, "source": "file",
            "file": (io.BytesIO("\n".join(json.dumps(s) for s in statements).encode()), "history.jsonl")}
    html = b.client.post("/space/cpd/import", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "3 statements read: 3 added, 0 were already here, 0 could not be imported" in html
    assert ctx.store.statement_count() == 3
    missing = b.client.post("/space/cpd/import", data={"csrf_token": token, "source": "file"},
                            content_type="multipart/form-data")
    assert missing.status_code == 400 and "Choose a file" in missing.get_data(as_text=True)


def test_forwarding_page_adds_shows_and_deletes_rules(cpd_app, ctx):
    ann, bob = _people(ctx)
    b = Browser(cpd_app).signin("ann")
    page = "/space/cpd/forwarding"
    response = b.post(page, {"endpoint": "https://employer.example.org/xapi", "key": "k", "secret": "s",
                             "ways": ["events", "bogus"], "tags": "nursing"}, token_from=page)
    assert response.status_code == 302
    (rule,) = forwarding.rules(ctx.store, ann.id)
    assert (rule.body["ways"], rule.body["tags"]) == (["events"], ["nursing"])
    html = b.get(page).get_data(as_text=True)
    assert "https://employer.example.org/xapi/" in html and "No failures." in html
    admin = Browser(cpd_app).signin("bob")
    assert "https://employer.example.org/xapi/" not in admin.get(page).get_data(as_text=True)
    assert admin.post(page, {"action": "delete", "rule": rule.item_id}, token_from=page).status_code == 404
    # store-wide rules are the operator's, on the command line: tests/security/test_forwarding_operator_only.py
    assert b.post(page, {"action": "delete", "rule": rule.item_id}, token_from=page).status_code == 302
    assert forwarding.rules(ctx.store, ann.id) == []
    assert b.post(page, {"endpoint": "ftp://x", "key": "k", "secret": "s"}, token_from=page).status_code == 400
