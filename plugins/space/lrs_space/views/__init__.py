"""The space's pages, one module per concern; importing them registers their routes on ``bp``."""

from lrs_space.views import (  # noqa: F401
    account,
    admin,
    erase,
    goals,
    identities,
    journal,
    keys,
    rejected,
    settings,
    sharing,
    timeline,
    ways_page,
)
