"""The Agents resource (xAPI-Communication.md §2.6): the Person object for an Agent."""

from __future__ import annotations

import orjson
from flask import Response

from lrs.api.common import xapi_blueprint
from lrs.api.documents import required
from lrs.api.request import current
from lrs.errors import BadRequest
from lrs.xapi.agents import person_object
from lrs.xapi.query import check_known, parse_agent_param

bp = xapi_blueprint("agents", __name__)


@bp.route("/agents", methods=["GET", "HEAD"])
def agents():
    xreq = current()
    xreq.access.require("agents", "read")
    check_known(xreq.params, ("agent",))
    agent = parse_agent_param(required(xreq.params, "agent"), version=xreq.version)
    if agent.get("objectType") == "Group":
        raise BadRequest("the Agents resource takes an Agent, not a Group", location="agent")
    xreq.access.may_read_agent(agent)
    body = orjson.dumps(person_object([agent]))
    return Response(b"" if xreq.method == "HEAD" else body, mimetype="application/json")
