"""The Agent Profile resource (xAPI-Communication.md §2.6)."""

from __future__ import annotations

from lrs.api.common import xapi_blueprint
from lrs.api.documents import agent_param, serve_document
from lrs.api.request import current
from lrs.xapi.documents import AGENT_PROFILE, DocumentRef
from lrs.xapi.query import check_known

bp = xapi_blueprint("agent_profile", __name__)


@bp.route("/agents/profile", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def agent_profile():
    xreq = current()
    params = xreq.params
    check_known(params, ("agent", "profileId", "since"))
    ref = DocumentRef(kind=AGENT_PROFILE, agent=agent_param(params, xreq.version), doc_id=params.get("profileId"))
    return serve_document(xreq, ref, "profileId", "agent_profile")
