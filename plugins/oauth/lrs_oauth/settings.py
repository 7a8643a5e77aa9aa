"""The plugin's settings (``LRS_OAUTH_*``, docs/connectors.md), read once per application."""

from __future__ import annotations

from lrs_oauth.clients import EXTENSION_ID

DEFAULTS = {
    # exact redirect URIs of the browser extension, separated by spaces or commas: one per
    # extension id admitted (Chromium: https://<id>.chromiumapp.org/)
    "extension_redirects": f"https://{EXTENSION_ID}.chromiumapp.org/",
    # seconds an access token is good for; a tool refreshes it with its refresh token
    "access_seconds": "3600",
    # days a refresh token is good for (each refresh hands out a new one)
    "refresh_days": "90",
    # seconds an authorization code, and a device code, is good for (RFC 6749 §4.1.2: 10 minutes at most)
    "code_seconds": "600",
    "device_seconds": "600",
}


def load(lrs) -> dict:
    """The settings as values; a setting that is not a number where one is needed stops the start."""
    state = lrs.plugin_state("oauth")
    if "settings" not in state:
        raw = lrs.plugin_config("oauth", DEFAULTS)
        try:
            state["settings"] = {
                "extension_redirects": raw["extension_redirects"],
                "access_seconds": int(raw["access_seconds"]),
                "refresh_seconds": int(float(raw["refresh_days"]) * 86400),
                "code_seconds": min(int(raw["code_seconds"]), 600),
                "device_seconds": int(raw["device_seconds"]),
            }
        except ValueError as error:
            raise ValueError(f"LRS_OAUTH_*: a number is needed ({error})") from None
    return state["settings"]
