"""The Activity Profile resource (xAPI-Communication.md §2.7)."""

from __future__ import annotations

from lrs.api.common import xapi_blueprint
from lrs.api.documents import activity_param, serve_document
from lrs.api.request import current
from lrs.xapi.documents import ACTIVITY_PROFILE, DocumentRef
from lrs.xapi.query import check_known

bp = xapi_blueprint("activity_profile", __name__)


@bp.route("/activities/profile", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def activity_profile():
    xreq = current()
    params = xreq.params
    check_known(params, ("activityId", "profileId", "since"))
    ref = DocumentRef(kind=ACTIVITY_PROFILE, activity_id=activity_param(params), doc_id=params.get("profileId"))
    return serve_document(xreq, ref, "profileId", "activity_profile")
