"""Hypothesis strategies for valid xAPI statements (1.0.3, and 2.0 with context agents/groups).

``statements(v2=False, exact=True)`` draws a statement an LRS must accept. With ``exact=True``
(the default) every part comes back byte-for-byte from a conformant LRS (timestamps in UTC with
milliseconds, context activities as arrays, no LRS-set ``stored``/``authority``, no voiding); with
``exact=False`` it also uses forms an LRS may re-serialise or that need more than a JSON body:
timestamps with offsets or without one, a single context activity as an object, ``stored``,
``authority``, voiding statements, attachments without ``fileUrl`` (multipart/mixed).
"""

from __future__ import annotations

import datetime as dt
import itertools
import string

from hypothesis import strategies as st

SAFE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
WORD = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=8)
LANGUAGE_TAGS = st.sampled_from(["en", "en-US", "en-GB", "fr", "fr-CA", "de", "zh-Hant-TW", "es-419", "und",
                                 "sr-Latn-RS", "x-private", "i-klingon", "de-CH-1996", "sl-rozaj-biske",
                                 "en-a-bbb-x-a-ccc", "cmn-Hans-CN", "zh-yue-HK", "qaa"])
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
INTERACTION_TYPES = ["true-false", "choice", "fill-in", "long-fill-in", "matching", "performance", "sequencing",
                     "likert", "numeric", "other"]
COMPONENTS_FOR = {"choice": ["choices"], "sequencing": ["choices"], "likert": ["scale"],
                  "matching": ["source", "target"], "performance": ["steps"]}


_SUBTAGS = [  # in RFC 5646 order; None: the subtag is absent
    ["en", "de", "qx", "tlh", "zh", "sgn", "cmn", "yue"],  # language (2-3 letters)
    [None, "yue", "hak"],  # extlang
    [None, "Latn", "Cyrl", "Hant", "Zyyy"],  # script
    [None, "US", "GB", "419", "DE", "CN"],  # region
    [None, "1996", "rozaj", "fonipa", "1901-biske"],  # variants
    [None, "a-bbb", "u-co-phonebk", "t-hant-m0-ungegn"],  # extensions
    [None, "x-a", "x-private", "x-12345678"],  # private use
]
_COMPOSED_TAGS = ["-".join(part for part in parts if part) for parts in itertools.product(*_SUBTAGS)]
_language_tags = st.one_of(LANGUAGE_TAGS, st.sampled_from(_COMPOSED_TAGS))


def language_tags():
    """RFC 5646 tags: a known one, or language[-extlang][-script][-region][-variant][-extension][-x-private]."""
    return _language_tags


@st.composite
def iris(draw):
    scheme = draw(st.sampled_from(["http", "https", "urn", "tag", "intl"]))
    if scheme == "urn":
        return f"urn:example:{draw(WORD)}"
    if scheme == "tag":
        return f"tag:example.org,2026:{draw(WORD)}"
    if scheme == "intl":  # an IRI that is not a URI
        return f"https://例え.jp/{draw(WORD)}/ü?q={draw(WORD)}#é"
    return f"{scheme}://example.org/{draw(WORD)}/{draw(WORD)}"


uuids = st.uuids().map(str)
language_maps = st.dictionaries(language_tags(), SAFE_TEXT, min_size=1, max_size=3)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
    | SAFE_TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(WORD, children, max_size=3),
    max_leaves=4)
extensions = st.dictionaries(iris(), json_values, min_size=1, max_size=2)


@st.composite
def ifis(draw):
    kind = draw(st.sampled_from(["mbox", "mbox_sha1sum", "openid", "account"]))
    if kind == "mbox":
        return {"mbox": f"mailto:{draw(WORD)}@example.org"}
    if kind == "mbox_sha1sum":
        return {"mbox_sha1sum": draw(st.binary(min_size=20, max_size=20).map(bytes.hex))}
    if kind == "openid":
        return {"openid": draw(iris())}
    return {"account": {"homePage": draw(iris()), "name": draw(WORD)}}


@st.composite
def agents(draw):
    agent = draw(ifis())
    if draw(st.booleans()):
        agent = {"objectType": "Agent", **agent}
    if draw(st.booleans()):
        agent["name"] = draw(SAFE_TEXT)
    return agent


@st.composite
def groups(draw, identified=None):
    group = {"objectType": "Group"}
    if identified is None:
        identified = draw(st.booleans())
    if identified:
        group.update(draw(ifis()))
    if not identified or draw(st.booleans()):
        group["member"] = draw(st.lists(agents(), min_size=1, max_size=2))
    if draw(st.booleans()):
        group["name"] = draw(SAFE_TEXT)
    return group


actors = st.one_of(agents(), groups())
verbs = st.builds(lambda i, d: {"id": i, **({"display": d} if d else {})}, iris(), st.none() | language_maps)


@st.composite
def definitions(draw):
    definition = {}
    for prop, strategy in (("name", language_maps), ("description", language_maps), ("type", iris()),
                           ("moreInfo", iris()), ("extensions", extensions)):
        if draw(st.booleans()):
            definition[prop] = draw(strategy)
    if draw(st.booleans()):
        kind = draw(st.sampled_from(INTERACTION_TYPES))
        definition["interactionType"] = kind
        if draw(st.booleans()):
            definition["correctResponsesPattern"] = draw(st.lists(SAFE_TEXT, max_size=2))
        for prop in COMPONENTS_FOR.get(kind, []):
            ids = draw(st.lists(WORD, min_size=1, max_size=4, unique=True))
            definition[prop] = [{"id": i, **({"description": draw(language_maps)} if draw(st.booleans()) else {})}
                                for i in ids]
    return definition


@st.composite
def activities(draw):
    activity = {"id": draw(iris())}
    if draw(st.booleans()):
        activity = {"objectType": "Activity", **activity}
    if draw(st.booleans()):
        activity["definition"] = draw(definitions())
    return activity


_number = st.integers(-100, 100) | st.floats(-100, 100, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def scores(draw):
    low = draw(_number)
    high = draw(st.integers(int(low) + 1, int(low) + 200) | st.just(low + 0.5))
    raw = draw(st.sampled_from([low, high]) | st.floats(low, high, allow_nan=False))
    score = {"scaled": draw(st.sampled_from([-1, 0, 1]) | st.floats(-1, 1, allow_nan=False)), "min": low,
             "max": high, "raw": raw}
    return {k: v for k, v in score.items() if draw(st.booleans())}


@st.composite
def durations(draw):
    """ISO 8601 durations (§4.4.3.2), at most hundredths of a second (so they compare exactly)."""
    if draw(st.integers(0, 9)) == 0:
        return f"P{draw(st.integers(0, 52))}W"
    date = "".join(f"{draw(st.integers(0, 99))}{unit}" for unit in "YMD" if draw(st.booleans()))
    time = "".join(f"{draw(st.integers(0, 99))}{unit}" for unit in "HM" if draw(st.booleans()))
    if draw(st.booleans()) or not (date or time):
        seconds = draw(st.integers(0, 99))
        fraction = draw(st.sampled_from(["", ".5", ".25", ".01"]))
        time += f"{seconds}{fraction}S"
    return "P" + date + ("T" + time if time else "")


@st.composite
def results(draw):
    result = {}
    if draw(st.booleans()):
        result["score"] = draw(scores())
    for prop, strategy in (("success", st.booleans()), ("completion", st.booleans()), ("response", SAFE_TEXT),
                           ("duration", durations()), ("extensions", extensions)):
        if draw(st.booleans()):
            result[prop] = draw(strategy)
    return result


def _relevant(draw):
    return {"relevantTypes": draw(st.lists(iris(), min_size=1, max_size=2))} if draw(st.booleans()) else {}


@st.composite
def context_agents(draw):
    return {"objectType": "contextAgent", "agent": draw(agents()), **_relevant(draw)}


@st.composite
def context_groups(draw):
    return {"objectType": "contextGroup", "group": draw(groups()), **_relevant(draw)}


@st.composite
def contexts(draw, object_is_activity=True, v2=False, exact=True):
    context = {}
    if draw(st.booleans()):
        context["registration"] = draw(uuids)
    if draw(st.booleans()):
        context["instructor"] = draw(actors)
    if draw(st.booleans()):
        context["team"] = draw(groups())
    if draw(st.booleans()):
        one = st.lists(activities(), min_size=1, max_size=2)
        if not exact:
            one = one | activities()
        context["contextActivities"] = {
            key: draw(one)
            for key in draw(st.sets(st.sampled_from(["parent", "grouping", "category", "other"]), min_size=1))
        }
    if object_is_activity and draw(st.booleans()):
        context["revision"] = draw(SAFE_TEXT)
    if object_is_activity and draw(st.booleans()):
        context["platform"] = draw(SAFE_TEXT)
    if draw(st.booleans()):
        context["language"] = draw(language_tags())
    if draw(st.booleans()):
        context["statement"] = {"objectType": "StatementRef", "id": draw(uuids)}
    if draw(st.booleans()):
        context["extensions"] = draw(extensions)
    if v2 and draw(st.booleans()):
        context["contextAgents"] = draw(st.lists(context_agents(), min_size=1, max_size=2))
    if v2 and draw(st.booleans()):
        context["contextGroups"] = draw(st.lists(context_groups(), min_size=1, max_size=2))
    return context


_datetimes = st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2100, 1, 1))
timestamps = _datetimes.map(lambda d: d.isoformat(timespec="milliseconds") + "Z")


#: leap seconds (RFC 3339 §5.7): after 23:59:59 UTC on a month's last day, in any offset
LEAP_SECONDS = ["2015-06-30T23:59:60Z", "2016-12-31T23:59:60.500Z", "1990-12-31T15:59:60-08:00",
                "2017-01-01T05:29:60+05:30", "20150630T235960Z"]


@st.composite
def any_timestamps(draw):
    """ISO 8601 timestamps in the forms an LRS accepts (it may return them re-serialised in UTC)."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(LEAP_SECONDS))
    moment = draw(_datetimes)
    spec = draw(st.sampled_from(["seconds", "milliseconds", "microseconds"]))
    zone = draw(st.sampled_from(["Z", "+00:00", "+05:30", "-08:00", "+0100", "+02", ""]))
    return moment.isoformat(timespec=spec) + zone


def _attachments(file_url):
    return st.builds(
        lambda u, d, desc, c, n, h, f: {"usageType": u, "display": d, **desc, "contentType": c, "length": n,
                                        "sha2": h, **f},
        iris(), language_maps, st.just({}) | language_maps.map(lambda m: {"description": m}),
        st.sampled_from(["text/plain", "application/pdf", "application/octet-stream"]), st.integers(0, 10**6),
        st.binary(min_size=32, max_size=32).map(bytes.hex), file_url)


#: attachment metadata with a fileUrl (a statement sent as plain JSON must have one)
attachments = _attachments(iris().map(lambda i: {"fileUrl": i}))
#: attachment metadata with or without fileUrl (without, the body travels in multipart/mixed)
attachment_metadata = _attachments(st.just({}) | iris().map(lambda i: {"fileUrl": i}))


@st.composite
def statement_parts(draw, sub=False, v2=False, exact=True):
    kind = draw(st.sampled_from(["Activity", "Agent", "Group", "StatementRef"] + ([] if sub else ["SubStatement"])))
    if kind == "Activity":
        obj = draw(activities())
    elif kind == "Agent":
        obj = {**draw(agents()), "objectType": "Agent"}
    elif kind == "Group":
        obj = draw(groups())
    elif kind == "StatementRef":
        obj = {"objectType": "StatementRef", "id": draw(uuids)}
    else:
        obj = {"objectType": "SubStatement", **draw(statement_parts(sub=True, v2=v2, exact=exact))}
    verb = draw(verbs)
    if not exact and not sub and kind == "StatementRef" and draw(st.booleans()):
        verb = {"id": VOIDED, "display": {"en-US": "voided"}}
    part = {"actor": draw(actors), "verb": verb, "object": obj}
    if draw(st.booleans()):
        part["result"] = draw(results())
    if draw(st.booleans()):
        part["context"] = draw(contexts(object_is_activity=kind == "Activity", v2=v2, exact=exact))
    if draw(st.booleans()):
        part["timestamp"] = draw(timestamps if exact else any_timestamps())
    if draw(st.booleans()):
        part["attachments"] = draw(st.lists(attachments if exact else attachment_metadata, min_size=1, max_size=2))
    return part


@st.composite
def authorities(draw):
    if draw(st.booleans()):
        return draw(agents())
    return {"objectType": "Group", "member": [
        {"account": {"homePage": "http://lrs.example.org", "name": draw(WORD)}}, draw(agents())]}


@st.composite
def statements(draw, v2=False, exact=True):
    statement = draw(statement_parts(v2=v2, exact=exact))
    if draw(st.booleans()):
        statement["id"] = draw(uuids)
    if draw(st.booleans()):
        versions = ["1.0.3", "1.0.0", "1.0"] + (["2.0.0"] if v2 else [])
        semver = ["1.0.3-rc1", "1.0.0-alpha.1+001", "1.0.3+build.5"] + (["2.0.0-rc1"] if v2 else [])
        statement["version"] = draw(st.sampled_from(versions + semver if not exact else versions[:1] + versions[3:]))
    if not exact and draw(st.booleans()):
        statement["stored"] = draw(any_timestamps())
    if not exact and draw(st.booleans()):
        statement["authority"] = draw(authorities())
    return statement
