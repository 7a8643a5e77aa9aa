"""The space's blueprint. Sessions, sign-in, CSRF, headers and the layout are the core's
web framework (:mod:`lrs.web`, public as ``lrs.page_blueprint``, ``lrs.render`` …)."""

from __future__ import annotations

from lrs import page_blueprint

bp = page_blueprint("space", __name__)
