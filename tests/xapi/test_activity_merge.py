"""adds_nothing (the store's shortcut) is True only when merging changes nothing."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from lrs.xapi.activities import adds_nothing, merge_activity
from tests.strategies import definitions

IDS = st.sampled_from(["http://example.org/a", "http://example.org/b"])


@settings(max_examples=100, deadline=None)
@given(IDS, st.lists(definitions(), min_size=1, max_size=4), IDS, st.data())
def test_adds_nothing_only_when_the_merge_changes_nothing(first_id, history, incoming_id, data):
    existing = None
    for definition in history:
        existing = merge_activity(existing, {"id": first_id, "definition": definition})
    # an incoming definition that is often a part of what is known, sometimes not
    known = existing["definition"]
    if data.draw(st.booleans()):
        incoming_def = {k: v for k, v in known.items() if data.draw(st.booleans())}
    else:
        incoming_def = data.draw(definitions())
    incoming = {"id": incoming_id, "definition": incoming_def}
    before = copy.deepcopy(existing)
    if adds_nothing(existing, incoming):
        assert merge_activity(existing, incoming) == existing
    assert existing == before
    assert not adds_nothing(None, incoming)
