"""The Activities resource (xAPI-Communication.md §2.5): the canonical definition."""

from __future__ import annotations

import orjson
from flask import Response

from lrs.api.common import lrs_context, xapi_blueprint
from lrs.api.documents import activity_param
from lrs.api.request import current
from lrs.xapi.activities import activity_object
from lrs.xapi.query import check_known

bp = xapi_blueprint("activities", __name__)


@bp.route("/activities", methods=["GET", "HEAD"])
def activities():
    xreq = current()
    xreq.access.may_read_activities()
    check_known(xreq.params, ("activityId",))
    activity_id = activity_param(xreq.params)
    body = orjson.dumps(activity_object(activity_id, lrs_context().store.get_activity(activity_id)))
    return Response(b"" if xreq.method == "HEAD" else body, mimetype="application/json")
