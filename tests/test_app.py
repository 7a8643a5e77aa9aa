"""The application factory's own pieces: Flask's cookie session and the coroutine check, both
made cheaper per request (issue 18) without changing what a page or plugin sees."""

from __future__ import annotations

import pytest
from flask import session


@pytest.fixture
def session_app(app):
    @app.route("/test/session/write")
    def write():
        session["seen"] = "yes"
        return "written"

    @app.route("/test/session/read")
    def read():
        return session.get("seen", "none")

    return app


def test_a_page_writing_the_session_without_a_cookie_sets_it(session_app):
    client = session_app.test_client()
    response = client.get("/test/session/write")
    assert "session=" in response.headers.get("Set-Cookie", "")
    assert "Cookie" in response.headers.get("Vary", "")
    assert client.get("/test/session/read").get_data(as_text=True) == "yes"  # the cookie is read back


def test_a_page_reading_the_session_without_a_cookie_still_varies_on_it(session_app):
    response = session_app.test_client().get("/test/session/read")
    assert response.get_data(as_text=True) == "none"
    assert "Cookie" in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers


def test_an_xapi_request_gets_no_session_cookie_or_vary(client):
    response = client.get("/xapi/statements")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


def test_coroutine_views_are_still_told_apart(app):
    def plain():
        return "plain"

    async def coroutine():
        return "coroutine"

    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(plain) is plain  # again, from the cache
    # Flask wraps a coroutine function (here it says its async extra is missing): never returned as is
    for _ in range(2):
        try:
            made = app.ensure_sync(coroutine)
        except RuntimeError as error:
            assert "async" in str(error)
        else:
            assert made is not coroutine


def test_functions_made_per_request_are_not_kept_with_what_they_hold(app):
    import gc
    import weakref

    class Payload:  # what a function made per request (after_this_request) may hold: a request's data
        pass

    held = []
    for _ in range(50):
        payload = Payload()

        def after(response, payload=payload):
            return response

        assert app.ensure_sync(after) is after
        assert app.ensure_sync(after) is after  # asked again: remembered
        held.append(weakref.ref(payload))
        del after, payload
    gc.collect()
    assert [ref for ref in held if ref() is not None] == []
    assert len(app._synchronous) < 50
