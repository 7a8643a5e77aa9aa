"""A small xAPI client (requests) for any conformant LRS.
https://github.com/adlnet/xAPI-Spec/blob/master/xAPI-Communication.md"""

from __future__ import annotations

import json
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from lrs_journal.config import Config
from lrs_journal.connection import Connection, NotConnected, refresh

XAPI_VERSION = "1.0.3"
TIMEOUT = 30


class LRSError(Exception):
    pass


class LRSClient:
    """HTTP Basic with the key and secret, or the bearer token of a connection (`lrs-journal connect`)."""

    def __init__(self, config: Config, connection: Connection | None = None):
        self.endpoint = config.endpoint.rstrip("/") + "/"
        self.connection = connection
        self.session = requests.Session()
        if connection is None:
            self.session.auth = (config.key, config.secret)
        else:
            self.session.headers["Authorization"] = f"Bearer {connection.access_token}"
        self.session.headers["X-Experience-API-Version"] = XAPI_VERSION
        # statements carry their ids, so sending one again is harmless: every method may be retried
        retry = Retry(total=4, backoff_factor=0.5, status_forcelist=(502, 503, 504), allowed_methods=None)
        self.session.mount("http://", HTTPAdapter(max_retries=retry))
        self.session.mount("https://", HTTPAdapter(max_retries=retry))

    def _request(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            response = self.session.request(method, url, timeout=TIMEOUT, **kwargs)
            if response.status_code == 401 and self.connection is not None:  # the access token ran out
                try:
                    self.connection = refresh(self.connection)
                except NotConnected as error:
                    raise LRSError(str(error)) from None
                self.session.headers["Authorization"] = f"Bearer {self.connection.access_token}"
                response = self.session.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as error:
            raise LRSError(f"the LRS at {self.endpoint} cannot be reached: {error}") from None
        if response.status_code >= 400:
            try:
                message = response.json().get("message") or response.text
            except ValueError:
                message = response.text
            raise LRSError(f"{method} {url.split('?')[0]} answered {response.status_code}: {message.strip()}")
        return response

    def about(self) -> dict:
        return self._request("GET", self.endpoint + "about").json()

    def post_statements(self, statements: list[dict]) -> list[str]:
        """Store statements (with their ids); ones the LRS has already are left as they are."""
        return self._request("POST", self.endpoint + "statements", json=statements).json()

    def statements(self, **params) -> list[dict]:
        """Every statement matching the query, following ``more`` links."""
        params = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
        page = self._request("GET", self.endpoint + "statements", params=params).json()
        found = list(page["statements"])
        while page.get("more"):
            page = self._request("GET", urljoin(self.endpoint, page["more"])).json()
            found.extend(page["statements"])
        return found
