"""The About resource (xAPI-Communication.md §2.8): reachable without credentials."""

from __future__ import annotations

import orjson
from flask import Response

from lrs import __version__
from lrs.api.common import xapi_blueprint
from lrs.api.request import current
from lrs.errors import MethodNotAllowed
from lrs.xapi.versions import SUPPORTED

bp = xapi_blueprint("about", __name__, authenticated=False, version_required=False)


@bp.route("/about", methods=["GET", "HEAD"])
def about():
    if current().method not in ("GET", "HEAD"):
        raise MethodNotAllowed("the About resource answers GET only")
    body = {
        "version": list(SUPPORTED),
        "extensions": {"https://learnfolio.example/xapi/extensions/server": {"name": "Learnfolio",
                                                                              "version": __version__}},
    }
    return Response(orjson.dumps(body), mimetype="application/json")
