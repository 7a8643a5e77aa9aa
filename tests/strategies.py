"""Hypothesis strategies for valid xAPI statements (1.0.3, and 2.0 with context agents/groups)."""

from __future__ import annotations

import string

from hypothesis import strategies as st

SAFE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)
WORD = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=8)
LANGUAGE_TAGS = st.sampled_from(["en", "en-US", "en-GB", "fr", "fr-CA", "de", "zh-Hant-TW", "es-419", "und",
                                 "sr-Latn-RS", "x-private"])


@st.composite
def iris(draw):
    scheme = draw(st.sampled_from(["http", "https", "urn", "tag"]))
    if scheme == "urn":
        return f"urn:example:{draw(WORD)}"
    if scheme == "tag":
        return f"tag:example.org,2026:{draw(WORD)}"
    return f"{scheme}://example.org/{draw(WORD)}/{draw(WORD)}"


uuids = st.uuids().map(str)
language_maps = st.dictionaries(LANGUAGE_TAGS, SAFE_TEXT, min_size=1, max_size=3)
extensions = st.dictionaries(iris(), st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | SAFE_TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(WORD, children, max_size=3),
    max_leaves=5), min_size=1, max_size=2)


@st.composite
def ifis(draw):
    kind = draw(st.sampled_from(["mbox", "mbox_sha1sum", "openid", "account"]))
    if kind == "mbox":
        return {"mbox": f"mailto:{draw(WORD)}@example.org"}
    if kind == "mbox_sha1sum":
        return {"mbox_sha1sum": draw(st.text(alphabet="0123456789abcdef", min_size=40, max_size=40))}
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
        group["member"] = draw(st.lists(agents(), min_size=1, max_size=3))
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
        kind = draw(st.sampled_from(["choice", "sequencing", "likert", "matching", "performance", "true-false",
                                     "fill-in", "numeric", "other"]))
        definition["interactionType"] = kind
        definition["correctResponsesPattern"] = draw(st.lists(SAFE_TEXT, max_size=2))
        lists = {"choice": ["choices"], "sequencing": ["choices"], "likert": ["scale"],
                 "matching": ["source", "target"], "performance": ["steps"]}.get(kind, [])
        for prop in lists:
            ids = draw(st.lists(WORD, min_size=1, max_size=4, unique=True))
            definition[prop] = [{"id": i, "description": draw(language_maps)} for i in ids]
    return definition


@st.composite
def activities(draw):
    activity = {"id": draw(iris())}
    if draw(st.booleans()):
        activity = {"objectType": "Activity", **activity}
    if draw(st.booleans()):
        activity["definition"] = draw(definitions())
    return activity


@st.composite
def results(draw):
    result = {}
    if draw(st.booleans()):
        low = draw(st.integers(-100, 100))
        high = draw(st.integers(low + 1, low + 200))
        score = {"scaled": draw(st.floats(-1, 1, allow_nan=False)), "min": low, "max": high,
                 "raw": draw(st.integers(low, high))}
        result["score"] = {k: v for k, v in score.items() if draw(st.booleans())}
    for prop, strategy in (("success", st.booleans()), ("completion", st.booleans()), ("response", SAFE_TEXT),
                           ("duration", st.sampled_from(["PT1H", "PT4.25S", "P1DT12H", "P2W", "PT0S"])),
                           ("extensions", extensions)):
        if draw(st.booleans()):
            result[prop] = draw(strategy)
    return result


@st.composite
def contexts(draw, object_is_activity=True, v2=False):
    context = {}
    if draw(st.booleans()):
        context["registration"] = draw(uuids)
    if draw(st.booleans()):
        context["instructor"] = draw(actors)
    if draw(st.booleans()):
        context["team"] = draw(groups())
    if draw(st.booleans()):
        context["contextActivities"] = {
            key: draw(st.lists(activities(), min_size=1, max_size=2))
            for key in draw(st.sets(st.sampled_from(["parent", "grouping", "category", "other"]), min_size=1))
        }
    if object_is_activity and draw(st.booleans()):
        context["revision"] = draw(SAFE_TEXT)
    if object_is_activity and draw(st.booleans()):
        context["platform"] = draw(SAFE_TEXT)
    if draw(st.booleans()):
        context["language"] = draw(LANGUAGE_TAGS)
    if draw(st.booleans()):
        context["statement"] = {"objectType": "StatementRef", "id": draw(uuids)}
    if draw(st.booleans()):
        context["extensions"] = draw(extensions)
    if v2 and draw(st.booleans()):
        context["contextAgents"] = [{"objectType": "contextAgent", "agent": draw(agents()),
                                     **({"relevantTypes": [draw(iris())]} if draw(st.booleans()) else {})}]
    if v2 and draw(st.booleans()):
        context["contextGroups"] = [{"objectType": "contextGroup", "group": draw(groups()),
                                     **({"relevantTypes": [draw(iris())]} if draw(st.booleans()) else {})}]
    return context


timestamps = st.datetimes().map(lambda d: d.isoformat(timespec="milliseconds") + "Z")
attachments = st.builds(lambda u, d, c, n, h: {"usageType": u, "display": d, "contentType": c, "length": n,
                                               "sha2": h, "fileUrl": "http://example.org/file"},
                        iris(), language_maps, st.sampled_from(["text/plain", "application/pdf"]),
                        st.integers(0, 10**6), st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))


@st.composite
def statement_parts(draw, sub=False, v2=False):
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
        obj = {"objectType": "SubStatement", **draw(statement_parts(sub=True, v2=v2))}
    part = {"actor": draw(actors), "verb": draw(verbs), "object": obj}
    if draw(st.booleans()):
        part["result"] = draw(results())
    if draw(st.booleans()):
        part["context"] = draw(contexts(object_is_activity=kind == "Activity", v2=v2))
    if draw(st.booleans()):
        part["timestamp"] = draw(timestamps)
    if draw(st.booleans()):
        part["attachments"] = draw(st.lists(attachments, min_size=1, max_size=2))
    return part


@st.composite
def statements(draw, v2=False):
    statement = draw(statement_parts(v2=v2))
    if draw(st.booleans()):
        statement["id"] = draw(uuids)
    if draw(st.booleans()):
        statement["version"] = "1.0.3" if not v2 else draw(st.sampled_from(["1.0.3", "2.0.0"]))
    return statement
