"""Results and times as people read them (lrs_space.readable), whatever numbers a tool sends."""

from __future__ import annotations

import pytest

from lrs_space.readable import (
    agent_name, choose_locale, day_text, duration_text, month_text, people_of, result_text, score_text, type_label,
)

GB = choose_locale("en-GB")


@pytest.mark.parametrize("seconds, text", [
    (6 * 3600, "6 h"), (4 * 3600 + 17 * 60, "4 h 17 min"), (40, "40 s"), (200, "3 min 20 s"), (45 * 60, "45 min"),
    (90 * 60, "1 h 30 min"), (3599.6, "1 h"), (25 * 3600, "25 h"), (None, ""), (0, ""), (-5, ""),
    (float("nan"), ""), (float("inf"), ""), (1e14, "27,777,777,777 h 47 min"),
])
def test_durations(seconds, text):
    assert duration_text(seconds, GB) == text


@pytest.mark.parametrize("result, rating, text", [
    ({"score": {"raw": 86, "min": 0, "max": 100}}, False, "86 / 100 (86%)"),
    ({"score": {"raw": 43, "max": 50, "scaled": 0.86}}, False, "43 / 50 (86%)"),
    ({"score": {"scaled": 0.5}}, False, "50%"),
    ({"score": {"raw": 7}}, False, "7"),
    ({"score": {"raw": 4, "min": 1, "max": 5}}, True, "4 of 5"),
    ({"score": {"raw": 5, "min": 5, "max": 5}}, False, "5 / 5"),
    ({"score": {"raw": 10 ** 300, "max": 10 ** 301}}, False, "1e+300 / 1e+301 (10%)"),
    ({"score": {"raw": 1e308, "min": -1e308, "max": 1e308}}, False, "1e+308 / 1e+308"),
    ({"score": {"raw": True, "max": "100"}}, False, ""),
    ({"score": "86"}, False, ""), ({}, False, ""),
])
def test_scores_whatever_a_tool_sends(result, rating, text):
    assert score_text(result, GB, rating=rating) == text


def test_a_whole_result_in_one_phrase():
    statement = {"verb": {"id": "http://adlnet.gov/expapi/verbs/passed"},
                 "result": {"score": {"raw": 86, "max": 100}, "success": True, "completion": False}}
    assert result_text(statement, GB) == "86 / 100 (86%), passed, not completed"
    assert result_text({"verb": {"id": "x"}, "result": {"success": False}}, GB) == "failed"


def test_dates_and_months_in_the_locale():
    assert day_text("2026-11-20T23:30:00-05:00", GB) == "20 Nov 2026"  # the day where it happened
    assert day_text("2026-11-20", choose_locale("en-US")) == "Nov 20, 2026"
    assert month_text("2025-12", GB) == "Dec 2025"
    assert day_text("not a date", GB) == "not a date"


def test_the_locale_is_the_setting_then_the_browser_then_the_default():
    assert str(choose_locale("de-DE", ["fr-FR"])) == "de_DE"
    assert str(choose_locale("", ["xx-invalid", "fr-FR"])) == "fr_FR"
    assert str(choose_locale(None, [], "nl")) == "nl"
    assert str(choose_locale("<script>", ["../../etc"], "")) == "en_GB"


def test_type_names_and_people():
    assert type_label("http://adlnet.gov/expapi/activities/course") == "Course"
    assert type_label("https://example.org/types/code-review") == "Code review"
    assert type_label("https://example.org/types#pullRequest") == "Pull request"
    assert agent_name({"account": {"homePage": "https://x", "name": "sam"}}) == "sam"
    assert agent_name({"mbox": "mailto:jo@example.org"}) == "jo@example.org"
    assert people_of({"context": {"instructor": {"name": "Sam Lee"}, "team": {
        "objectType": "Group", "member": [{"name": "Jo"}, {"mbox": "mailto:kim@example.org"}]}}}) == [
        "Sam Lee", "Jo, kim@example.org"]
