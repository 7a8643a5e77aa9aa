"""The data types of xAPI-Data.md §4: IRIs, UUIDs, language tags, timestamps, durations.

Plain predicates and parsers, shared by the statement schemas and query parsing.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_MBOX = re.compile(r"^mailto:[^@\s:/]+@[^@\s/]+$")
_SHA1 = re.compile(r"^[0-9a-fA-F]{40}$")
_SHA2 = re.compile(r"^(?:[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})$")
# RFC 5646 language tags (langtag | privateuse | grandfathered irregular/regular)
_LANGTAG = re.compile(
    r"(?i)^(?:"
    r"(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4}|[A-Za-z]{5,8})"  # language
    r"(?:-[A-Za-z]{4})?"  # script
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"  # variants
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"  # extensions
    r"(?:-[xX](?:-[A-Za-z0-9]{1,8})+)?"  # private use
    r"|[xX](?:-[A-Za-z0-9]{1,8})+"
    r"|en-GB-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao"
    r"|i-tay|i-tsu|sgn-BE-FR|sgn-BE-NL|sgn-CH-DE|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka"
    r"|zh-min|zh-min-nan|zh-xiang"
    r")$"
)
_TIMESTAMP = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})T(?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?"
    r"(?P<tz>Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)
_BASIC_TIMESTAMP = re.compile(
    r"^(?P<date>\d{8})T(?P<h>\d{2})(?P<m>\d{2})(?:(?P<s>\d{2})(?:[.,](?P<f>\d+))?)?(?P<tz>Z|z|[+-]\d{2}(?:\d{2})?)?$"
)
_NUM = r"\d+(?:[.,]\d+)?"
# ISO 8601 §4.4.3.2: PnYnMnDTnHnMnS, or PnW on its own
_DURATION = re.compile(
    rf"^P(?:{_NUM}W|(?!$)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}D)?(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?)$"
)
NEGATIVE_ZERO_OFFSETS = ("-00", "-0000", "-00:00")


def is_iri(value) -> bool:
    return isinstance(value, str) and _IRI.match(value) is not None


def is_uuid(value) -> bool:
    return isinstance(value, str) and _UUID.match(value) is not None


def is_mbox(value) -> bool:
    return isinstance(value, str) and _MBOX.match(value) is not None


def is_sha1(value) -> bool:
    return isinstance(value, str) and _SHA1.match(value) is not None


def is_sha2(value) -> bool:
    return isinstance(value, str) and _SHA2.match(value) is not None


def is_language_tag(value) -> bool:
    return isinstance(value, str) and _LANGTAG.match(value) is not None


_DURATION_PART = re.compile(r"\d+([.,]\d+)?[YMWDHS]")


def is_duration(value) -> bool:
    """ISO 8601 §4.4.3.2: a decimal fraction only on the lowest order component given."""
    if not isinstance(value, str) or _DURATION.match(value) is None:
        return False
    parts = _DURATION_PART.findall(value)
    return not any(parts[:-1])


def parse_iso_timestamp(value) -> dt.datetime | None:
    """A timezone-aware datetime for an ISO 8601 date-time, or None when it is not one.

    A missing offset is read as UTC; the offsets -00, -0000 and -00:00 ("unknown
    local offset" in RFC 3339) are refused, as xAPI requires. A leap second (second 60,
    RFC 3339 §5.6) is read as the first second of the next day.
    """
    if not isinstance(value, str):
        return None
    if len(value) <= 64:
        return _parsed_timestamp(value)
    return _parse_timestamp(value)


@functools.lru_cache(maxsize=1_024)
def _parsed_timestamp(value: str) -> dt.datetime | None:
    """A statement's timestamp is read when it is validated and again when it is indexed (its
    timeline time): parsed once for both, a batch of 100 holding far fewer than 1,024. Short
    strings only, so the cache stays small; datetimes are immutable, so sharing them is safe."""
    return _parse_timestamp(value)


def _parse_timestamp(value: str) -> dt.datetime | None:
    match = _TIMESTAMP.match(value) or _BASIC_TIMESTAMP.match(value)
    if not match:
        return None
    tz = match.group("tz")
    if tz in NEGATIVE_ZERO_OFFSETS:
        return None
    date = match.group("date")
    if "-" not in date:
        date = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    try:
        year, month, day = (int(p) for p in date.split("-"))
        hour, minute = int(match.group("h")), int(match.group("m"))
        second = int(match.group("s") or 0)
        fraction = match.group("f") or "0"
        micro = int((fraction + "000000")[:6])
        if tz in (None, "Z", "z"):
            zone = dt.timezone.utc
        else:
            sign = -1 if tz[0] == "-" else 1
            digits = tz[1:].replace(":", "")
            offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            if offset >= dt.timedelta(hours=24):
                return None
            zone = dt.timezone(sign * offset)
        if hour == 24 and minute == 0 and second == 0 and micro == 0:
            return dt.datetime(year, month, day, tzinfo=zone) + dt.timedelta(days=1)
        if second == 60:
            return _after_leap_second(dt.datetime(year, month, day, hour, minute, 59, tzinfo=zone), micro)
        return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
    except (ValueError, OverflowError):
        return None


def _after_leap_second(last_second: dt.datetime, micro: int) -> dt.datetime | None:
    """Second 60 exists only after 23:59:59 UTC on a month's last day (RFC 3339 §5.7: at the
    end of a month, at the same instant in every offset); it counts as the next second."""
    last_second = last_second.astimezone(dt.timezone.utc)
    following = last_second + dt.timedelta(seconds=1)
    if (last_second.hour, last_second.minute, following.day, following.hour) != (23, 59, 1, 0):
        return None
    return following + dt.timedelta(microseconds=micro)


def timestamp_problem(value) -> str:
    """Why ``value`` is not a timestamp parse_iso_timestamp accepts, for the error message."""
    text = str(value)[:80]
    match = (_TIMESTAMP.match(value) or _BASIC_TIMESTAMP.match(value)) if isinstance(value, str) else None
    if match and match.group("tz") in NEGATIVE_ZERO_OFFSETS:
        return (f"must be an ISO 8601 timestamp with a known offset ({match.group('tz')} means an unknown "
                f"local offset, RFC 3339 §4.3), not {text!r}")
    if match and match.group("s") == "60":
        return (f"must be an ISO 8601 timestamp; second 60 is a leap second, only after 23:59:59 UTC on the "
                f"last day of a month (RFC 3339 §5.7), not {text!r}")
    return f"must be an ISO 8601 timestamp such as 2015-06-30T23:59:59.500Z, not {text!r}"


_SECONDS = re.compile(r"(\d+)[.,](\d+)S$")


def comparable_duration(value: str) -> str:
    """A duration as statements are compared: seconds beyond hundredths dropped (xAPI 2.0 §4.2.7)."""
    def cut(match):
        hundredths = match.group(2)[:2].rstrip("0")
        return f"{match.group(1)}.{hundredths}S" if hundredths else f"{match.group(1)}S"
    return _SECONDS.sub(cut, value) if isinstance(value, str) else value


_DURATION_PARTS = re.compile(
    r"^P(?:(?P<Y>\d+(?:[.,]\d+)?)Y)?(?:(?P<Mo>\d+(?:[.,]\d+)?)M)?(?:(?P<W>\d+(?:[.,]\d+)?)W)?"
    r"(?:(?P<D>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?:(?P<H>\d+(?:[.,]\d+)?)H)?(?:(?P<Mi>\d+(?:[.,]\d+)?)M)?(?:(?P<S>\d+(?:[.,]\d+)?)S)?)?$")
_DURATION_SECONDS = {"Y": 365 * 86400, "Mo": 30 * 86400, "W": 7 * 86400, "D": 86400, "H": 3600, "Mi": 60, "S": 1}

#: the longest duration accepted, what a ``timedelta`` holds (999,999,999 days, about 2.7 million
#: years): every accepted duration has a finite length in seconds that sums, rounds and shows
MAX_DURATION_SECONDS = dt.timedelta.max.days * 86400

#: the largest magnitude of a score (and an attachment's length): I-JSON's (RFC 7493 §2.2)
#: interoperable range, exact in every JSON reader and in a double, and a 64-bit integer in any store
MAX_NUMBER = 2 ** 53 - 1


def duration_seconds(value) -> float | None:
    """An ISO 8601 duration in seconds (a year as 365 days, a month as 30), or None if it is not one
    or is longer than :data:`MAX_DURATION_SECONDS` (statements stored before that bound may hold one)."""
    if not isinstance(value, str) or value in ("P", "PT"):
        return None
    match = _DURATION_PARTS.match(value)
    if match is None:
        return None
    seconds = sum(float(v.replace(",", ".")) * _DURATION_SECONDS[k] for k, v in match.groupdict().items() if v)
    return seconds if seconds <= MAX_DURATION_SECONDS else None  # also False for inf


def duration_fits(value) -> bool:
    """Whether an ISO 8601 duration is no longer than :data:`MAX_DURATION_SECONDS`."""
    return duration_seconds(value) is not None


def is_bounded_number(value) -> bool:
    """A JSON number no larger in magnitude than :data:`MAX_NUMBER` (so not NaN nor infinite)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and -MAX_NUMBER <= value <= MAX_NUMBER)
