"""The personal learning space: a person's own page over their learning records.

A first-party plugin (entry point ``space`` in the ``lrs`` group). Its pages
live under ``/space/``; other plugins add pages with the ``register_panels``
hook and render them inside the same layout with :func:`render`.
"""

from lrs_space.web import render  # noqa: F401  (the public helper for other plugins)
