"""Many clients at once against a real server: ETag races have exactly one winner,
no update is lost, and the same statement id sent at once is stored once."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from tests.conftest import statement

CLIENTS = 8
ROUNDS = 5


def test_if_match_races_have_one_winner_per_round(server):
    base, session, _ = server
    url = f"{base}/activities/profile"
    params = {"activityId": "http://example.org/race", "profileId": str(uuid.uuid4())}
    created = session.put(url, params=params, json={"round": -1}, headers={"If-None-Match": "*"})
    assert created.status_code == 204
    for round_number in range(ROUNDS):
        etag = session.get(url, params=params).headers["ETag"]
        barrier = threading.Barrier(CLIENTS)

        def attempt(client):
            barrier.wait()
            return session.put(url, params=params, json={"round": round_number, "client": client},
                               headers={"If-Match": etag}).status_code

        with ThreadPoolExecutor(CLIENTS) as pool:
            statuses = list(pool.map(attempt, range(CLIENTS)))
        assert sorted(statuses) == [204] + [412] * (CLIENTS - 1), statuses
        assert session.get(url, params=params).json()["round"] == round_number


def test_merging_posts_with_retries_lose_no_update(server):
    base, session, _ = server
    url = f"{base}/activities/state"
    params = {"activityId": "http://example.org/counter", "agent": json.dumps({"mbox": "mailto:c@example.org"}),
              "stateId": str(uuid.uuid4())}
    session.post(url, params=params, json={})

    def add_key(client):
        for attempt in range(200):
            current = session.get(url, params=params)
            response = session.post(url, params=params, json={f"client{client}": True},
                                    headers={"If-Match": current.headers["ETag"]})
            if response.status_code == 204:
                return attempt
            assert response.status_code == 412, response.text
        raise AssertionError("never won")

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(add_key, range(CLIENTS)))
    assert session.get(url, params=params).json() == {f"client{c}": True for c in range(CLIENTS)}


def test_same_statement_id_sent_at_once_is_stored_once(server):
    base, session, _ = server
    body = statement(id=str(uuid.uuid4()))
    different = dict(body, verb={"id": "http://example.org/verbs/other"})
    barrier = threading.Barrier(CLIENTS)

    def send(client):
        barrier.wait()
        return session.post(f"{base}/statements", json=body if client % 2 else different).status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = list(pool.map(send, range(CLIENTS)))
    assert 500 not in statuses
    assert set(statuses) == {200, 409}
    stored = session.get(f"{base}/statements", params={"statementId": body["id"]}).json()
    winner = body if stored["verb"] == body["verb"] else different
    assert statuses.count(200) == CLIENTS // 2 and (winner is body) == (statuses[1] == 200)
