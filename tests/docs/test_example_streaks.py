"""The example plugin of docs/plugins.md (docs/examples/lrs_streaks) works, using only the public API:
a third-party author needs nothing else. (tests/test_public_api.py checks its imports too.)"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from lrs import create_person, create_personal_key
from tests.conftest import XAPIClient, auth_header, make_app, statement
from tests.plugins.space.conftest import PASSWORD, Browser

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "docs" / "examples"))
import lrs_streaks  # noqa: E402


def test_streak_arithmetic():
    today = dt.date(2026, 11, 27)
    days = {today - dt.timedelta(days=n) for n in (0, 1, 2, 5, 6, 7, 8)}
    assert lrs_streaks.streaks(days, today) == (3, 4)
    assert lrs_streaks.streaks(days - {today}, today) == (2, 4)  # yesterday's run still counts today
    assert lrs_streaks.streaks(set(), today) == (0, 0)


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path, plugins=(lrs_streaks,), load=("space",), streaks_goal_days="3")


def test_the_streaks_panel_counts_my_days_only(app):
    ctx = app.extensions["lrs"]
    ann = create_person(ctx.store, ctx.config, "ann", PASSWORD)
    bob = create_person(ctx.store, ctx.config, "bob", PASSWORD)
    today = dt.datetime.now(dt.timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)

    def post(person, days_ago):
        credential, secret = create_personal_key(ctx.store, ctx.config, person, "tool")
        actor = {"account": {"homePage": ctx.config.people_home_page, "name": person.username}}
        client = XAPIClient(app.test_client(), auth_header(credential.key, secret))
        body = [statement(actor=actor, timestamp=(today - dt.timedelta(days=n)).isoformat()) for n in days_ago]
        assert client.post("/xapi/statements", json=body).status_code == 200

    post(ann, [0, 1, 2, 3, 10, 11])
    post(bob, [4, 5, 6, 7, 8, 9])  # bob's days must not fill ann's gap
    page = Browser(app).signin("ann").get("/space/streaks/").get_data(as_text=True)
    assert '<strong>4</strong> days in a row: your goal of 3 is met' in page
    assert "longest run: 4 days" in page
    assert '">Streaks</a>' in Browser(app).signin("bob").get("/space/").get_data(as_text=True)  # in the navigation
