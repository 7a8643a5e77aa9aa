"""The tools that may connect: Learnfolio's own public clients, as Authlib's ``ClientMixin``.

Both are public clients (RFC 6749 §2.1): a browser extension and a command on someone's
computer cannot keep a secret, so no client secret exists and every authorization code needs
PKCE (RFC 7636; RFC 9700 §2.1.1). Redirect URIs are compared exactly as registered (RFC 9700
§4.1.3): a browser extension's is ``https://<extension-id>.chromiumapp.org/`` (what
``chrome.identity.getRedirectURL()`` gives), one per extension id the operator admits.
"""

from __future__ import annotations

from dataclasses import dataclass

from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc8628 import DEVICE_CODE_GRANT_TYPE

#: the xAPI scopes a tool may be granted (xAPI-Communication.md §4.2): write the person's
#: statements, read them back, keep state. Nothing that reads other people's records.
OAUTH_SCOPES = ("statements/write", "statements/read/mine", "state")

#: what each scope lets a tool do, in the consent page's words
SCOPE_WORDS = {
    "statements/write": "record learning as you (statements whose actor is one of your identities)",
    "statements/read/mine": "read your own learning records",
    "state": "keep its own state documents about you",
}

#: the id Chromium gives the extension in connectors/browser-extension: the manifest's ``key`` pins it
EXTENSION_ID = "cdmbgbleojpimbogafafbdjdbgkggblm"

EXTENSION_CLIENT = "learnfolio-extension"
JOURNAL_CLIENT = "lrs-journal"


@dataclass(frozen=True)
class Client(ClientMixin):
    """A registered public client."""

    client_id: str
    name: str
    redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...]
    scope: tuple[str, ...] = OAUTH_SCOPES

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        """None: every authorization request names its redirect URI, compared exactly."""
        return None

    def get_allowed_scope(self, scope):
        """The scopes asked for (all of the client's when none are); unknown ones were refused before."""
        if not scope:
            return " ".join(self.scope)
        return " ".join(s for s in dict.fromkeys(scope.split()) if s in self.scope)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return False  # public clients have none

    def check_endpoint_auth_method(self, method, endpoint):
        return method == "none"

    def check_response_type(self, response_type):
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types


def clients(settings: dict) -> dict[str, Client]:
    """The clients of this installation, by id: the browser extension and lrs-journal."""
    redirects = tuple(dict.fromkeys(settings["extension_redirects"].replace(",", " ").split()))
    return {
        EXTENSION_CLIENT: Client(EXTENSION_CLIENT, "Learnfolio browser extension", redirects,
                                 ("authorization_code", "refresh_token")),
        JOURNAL_CLIENT: Client(JOURNAL_CLIENT, "lrs-journal (learning journal command)", (),
                               (DEVICE_CODE_GRANT_TYPE, "refresh_token")),
    }
