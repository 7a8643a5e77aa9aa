"""Learnfolio as an OAuth 2.0 authorization server for its own people: tools connect without copying secrets.

A first-party plugin (entry point ``oauth`` in the ``lrs`` group), built on Authlib's server
side. The browser extension connects with "Connect to Learnfolio" (authorization code with
PKCE), ``lrs-journal`` with the device flow; each gets a token that acts for that person
with xAPI scopes, is refreshed, and is listed and revoked in "My keys". The xAPI takes these
bearer tokens beside HTTP Basic: each becomes the person's credential in
``authority_from_request``, and the access gate (``lrs.Access``) decides what it may do, as
for a personal key. docs/connectors.md says how tools connect.
"""
