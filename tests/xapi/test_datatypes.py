from __future__ import annotations

import datetime as dt

import pytest

from lrs.xapi.datatypes import (
    comparable_duration,
    is_duration,
    is_iri,
    is_language_tag,
    is_mbox,
    parse_iso_timestamp,
)


@pytest.mark.parametrize("value", ["http://example.org/a", "urn:uuid:1", "tag:x.org,2026:a", "https://ü.example/é"])
def test_iris(value):
    assert is_iri(value)


@pytest.mark.parametrize("value", ["", "no scheme", "example.org/a", "http://a b", 5, None, "1http://x"])
def test_not_iris(value):
    assert not is_iri(value)


@pytest.mark.parametrize("tag", ["en", "en-US", "zh-Hant-TW", "es-419", "sl-rozaj-biske", "x-whatever", "und",
                                 "de-CH-1996", "en-a-bbb-x-a-ccc", "i-klingon"])
def test_language_tags(tag):
    assert is_language_tag(tag)


@pytest.mark.parametrize("tag", ["", "english!", "en_US", "e", "en--US", "123", "en-US-", "toolonglanguage"])
def test_not_language_tags(tag):
    assert not is_language_tag(tag)


def test_mbox():
    assert is_mbox("mailto:ada@example.org")
    assert not is_mbox("ada@example.org") and not is_mbox("mailto:ada") and not is_mbox("mailto:a@b@c")


@pytest.mark.parametrize("value,expected", [
    ("2026-01-02T03:04:05Z", dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)),
    ("2026-01-02T03:04:05.123456+02:00", dt.datetime(2026, 1, 2, 1, 4, 5, 123456, tzinfo=dt.timezone.utc)),
    ("20260102T030405Z", dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)),
    ("2026-01-02T03:04:05.1237", dt.datetime(2026, 1, 2, 3, 4, 5, 123700, tzinfo=dt.timezone.utc)),
])
def test_timestamps(value, expected):
    assert parse_iso_timestamp(value) == expected


@pytest.mark.parametrize("value", ["2026-01-02", "2026-13-02T00:00:00Z", "2026-02-30T00:00:00Z",
                                   "2026-01-02T03:04:05-00:00", "2026-01-02T03:04:05-0000",
                                   "2026-01-02T03:04:05-00", "01/02/2026", "2026-01-02T25:00:00Z", ""])
def test_not_timestamps(value):
    assert parse_iso_timestamp(value) is None


UTC = dt.timezone.utc


@pytest.mark.parametrize("value,expected", [
    ("1990-12-31T23:59:60Z", dt.datetime(1991, 1, 1, tzinfo=UTC)),          # RFC 3339 §5.8, in UTC
    ("1990-12-31T15:59:60-08:00", dt.datetime(1991, 1, 1, tzinfo=UTC)),     # ... and the same in PST
    ("2015-06-30T23:59:60Z", dt.datetime(2015, 7, 1, tzinfo=UTC)),          # IERS Bulletin C 49
    ("2016-12-31T23:59:60.250Z", dt.datetime(2017, 1, 1, 0, 0, 0, 250000, tzinfo=UTC)),
    ("2017-01-01T05:29:60+05:30", dt.datetime(2017, 1, 1, tzinfo=UTC)),
    ("20150630T235960Z", dt.datetime(2015, 7, 1, tzinfo=UTC)),
])
def test_a_leap_second_is_the_next_second(value, expected):
    """RFC 3339 allows second 60 at the end of a month in which a leap second occurs; a
    statement recorded on a clock that counted it (the one of 30 June 2015, IERS Bulletin C 49)
    is ordered and compared as the first second of the next day."""
    assert parse_iso_timestamp(value) == expected


@pytest.mark.parametrize("value", ["2015-06-30T12:00:60Z", "2015-06-30T23:58:60Z", "2015-06-15T23:59:60Z",
                                   "2015-06-30T23:59:60+02:00", "2015-06-30T23:59:61Z", "2015-06-30T23:60:00Z"])
def test_second_60_is_only_a_leap_second(value):
    """Second 60 anywhere but the last second of a UTC month is not a time (RFC 3339 §5.7)."""
    assert parse_iso_timestamp(value) is None


@pytest.mark.parametrize("value", ["PT1H", "P1Y2M3DT4H5M6.7S", "P4W", "PT0.5S", "P1D"])
def test_durations(value):
    assert is_duration(value)


@pytest.mark.parametrize("value", ["P", "PT", "1H", "P4W1D", "PT1.5", "P1H"])
def test_not_durations(value):
    assert not is_duration(value)


def test_durations_compare_to_hundredths():
    assert comparable_duration("P1DT12H36M0.1237S") == comparable_duration("P1DT12H36M0.12S")
    assert comparable_duration("PT1.009S") == "PT1S"
    assert comparable_duration("PT1.2S") != comparable_duration("PT1.21S")
