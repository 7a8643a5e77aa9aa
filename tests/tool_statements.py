"""Statements as real tools emit them, including the invalid ones an LRS must refuse.

Built in the shapes those tools send (Open edX's event-routing-backends, H5P's xAPI events as a
WordPress or Moodle H5P plugin relays them), with the one property each gets wrong, and the
fix a person would make. Used by the tests of refused statements (lrs/rejected.py).
"""

from __future__ import annotations

import copy
import uuid

OPENEDX_LMS = "https://courses.example.edu"
COURSE = f"{OPENEDX_LMS}/course/course-v1:LearnX+TEAM101+2026_T1"


def _openedx_context() -> dict:
    return {
        "contextActivities": {"parent": [{
            "id": COURSE, "objectType": "Activity",
            "definition": {"name": {"en-US": "Working in teams"}, "type": "http://adlnet.gov/expapi/activities/course"},
        }]},
        "extensions": {
            "https://w3id.org/xapi/openedx/extension/transformer-version": "event-routing-backends@7.0.1",
            "https://w3id.org/xapi/openedx/extensions/session-id": "054c9ddcb76d2096f862e66bda3bc308",
        },
    }


def openedx_group_activity(actor: dict) -> dict:
    """Open edX: a learner joins a team; the team is sent as a "GroupActivity", which xAPI does not
    define (an object is an Activity, Agent, Group, SubStatement or StatementRef): refused with 400."""
    team = str(uuid.uuid4())
    return {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/joined", "display": {"en": "joined"}},
        "object": {"objectType": "GroupActivity", "id": f"{OPENEDX_LMS}/teams/{team}",
                   "definition": {"name": {"en-US": "Team Ada"},
                                  "type": "http://id.tincanapi.com/activitytype/group"}},
        "context": _openedx_context(),
        "timestamp": "2026-03-10T09:23:10.354202+00:00",
        "version": "1.0.3",
    }


def openedx_bare_uuid_activity(actor: dict) -> dict:
    """Open edX: a problem block sent with its bare usage UUID as the activity id, which is not an
    IRI (no scheme): refused with 400."""
    return {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": {"id": "https://w3id.org/xapi/acrossx/verbs/evaluated", "display": {"en": "evaluated"}},
        "object": {"objectType": "Activity", "id": str(uuid.uuid4()),
                   "definition": {"type": "http://adlnet.gov/expapi/activities/cmi.interaction"}},
        "result": {"score": {"scaled": 0.5, "raw": 1, "min": 0, "max": 2}, "success": False},
        "context": _openedx_context(),
        "timestamp": "2026-03-10T09:30:00.000000+00:00",
        "version": "1.0.3",
    }


def h5p_compound(actor: dict, content_id: int = 3) -> dict:
    """H5P: a Question Set answered, reported with ``interactionType: "compound"``, which H5P uses
    for its own reporting and xAPI does not define: refused with 400."""
    return {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
        "object": {
            "id": f"https://learn.example.org/wp-admin/admin-ajax.php?action=h5p_embed&id={content_id}",
            "objectType": "Activity",
            "definition": {
                "extensions": {"http://h5p.org/x-api/h5p-local-content-id": content_id},
                "name": {"en-US": "Infection control quiz"},
                "interactionType": "compound",
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            },
        },
        "context": {"contextActivities": {"category": [
            {"id": "http://h5p.org/libraries/H5P.QuestionSet-1.20", "objectType": "Activity"}]}},
        "result": {"score": {"min": 0, "max": 5, "raw": 4, "scaled": 0.8}, "completion": True, "success": True,
                   "duration": "PT36.41S"},
    }


def fixed(statement: dict) -> dict:
    """What a person changes to make one of the statements above valid, keeping everything else."""
    statement = copy.deepcopy(statement)
    target = statement["object"]
    if target.get("objectType") == "GroupActivity":
        target["objectType"] = "Activity"
    if "://" not in target["id"]:
        target["id"] = f"{OPENEDX_LMS}/xblock/{target['id']}"
    definition = target.get("definition") or {}
    if definition.get("interactionType") == "compound":
        definition["interactionType"] = "other"
    return statement
