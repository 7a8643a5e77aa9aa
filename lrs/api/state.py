"""The State resource (xAPI-Communication.md §2.3)."""

from __future__ import annotations

from lrs.api.common import xapi_blueprint
from lrs.api.documents import activity_param, agent_param, registration_param, serve_document
from lrs.api.request import current
from lrs.xapi.documents import STATE, DocumentRef
from lrs.xapi.query import check_known

bp = xapi_blueprint("state", __name__)


@bp.route("/activities/state", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def state():
    xreq = current()
    params = xreq.params
    check_known(params, ("activityId", "agent", "registration", "stateId", "since"))
    ref = DocumentRef(
        kind=STATE,
        activity_id=activity_param(params),
        agent=agent_param(params, xreq.version),
        registration=registration_param(params),
        doc_id=params.get("stateId"),
    )
    return serve_document(xreq, ref, "stateId", "state", allow_multi_delete=True)
