"""``lrs profiles …`` and ``lrs credentials create --profile``: the operator's side of xAPI Profiles."""

from __future__ import annotations

import json

from lrs.cli import cli
from tests.conftest import XAPIClient, add_credential, make_app

JOURNAL = "https://learnfolio.example/xapi/profiles/journal"
QUIZ = "https://example.org/profiles/quiz"
ANSWERED = QUIZ + "/templates/answered"
REGISTRATION = "ec531277-b57b-4c15-8d91-d292c5b2b8f7"


def quiz_profile() -> dict:
    def template(name, verb, rules=()):
        return {"id": f"{QUIZ}/templates/{name}", "type": "StatementTemplate", "inScheme": QUIZ + "/v1",
                "prefLabel": {"en": name}, "definition": {"en": name}, "verb": verb, **({"rules": list(rules)} if rules else {})}

    return {
        "@context": "https://w3id.org/xapi/profiles/context", "id": QUIZ, "type": "Profile",
        "conformsTo": "https://w3id.org/xapi/profiles#1.0", "prefLabel": {"en": "Quiz"},
        "definition": {"en": "A quiz: launched, answered one or more times, then completed."},
        "versions": [{"id": QUIZ + "/v1", "generatedAtTime": "2026-01-01T00:00:00Z"}],
        "author": {"type": "Person", "name": "Q. Author"},
        "templates": [template("launched", "http://adlnet.gov/expapi/verbs/launched"),
                      template("answered", "http://adlnet.gov/expapi/verbs/answered",
                               [{"location": "$.result.success", "presence": "included"}]),
                      template("completed", "http://adlnet.gov/expapi/verbs/completed")],
        "patterns": [{"id": QUIZ + "/patterns/answers", "type": "Pattern", "oneOrMore": f"{QUIZ}/templates/answered"},
                     {"id": QUIZ + "/patterns/quiz", "type": "Pattern", "primary": True, "prefLabel": {"en": "A quiz"},
                      "definition": {"en": "launch, answers, completion"},
                      "sequence": [f"{QUIZ}/templates/launched", QUIZ + "/patterns/answers",
                                   f"{QUIZ}/templates/completed"]}],
    }


def said(verb, n, **extra) -> dict:
    return {"id": f"00000000-0000-4000-8000-{n:012d}", "actor": {"mbox": "mailto:q@example.org"},
            "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"}, "object": {"id": "https://example.org/quiz/1"},
            "context": {"registration": REGISTRATION}, "timestamp": f"2026-01-01T00:00:{n:02d}Z", **extra}


def test_shipped_profiles_are_listed_and_cannot_be_removed(runner):
    listed = runner.invoke(cli, ["profiles", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [r["id"] for r in rows] == ["https://learnfolio.example/xapi/profiles/browser-capture",
                                       "https://learnfolio.example/xapi/profiles/chat", JOURNAL]
    assert all(r["shipped"] for r in rows)
    removed = runner.invoke(cli, ["profiles", "remove", JOURNAL])
    assert removed.exit_code == 1 and "ships" in removed.output
    shown = runner.invoke(cli, ["profiles", "show", JOURNAL])
    assert shown.exit_code == 0 and "rule 4: location $.context.platform" in shown.output


def test_add_show_assign_and_remove_a_profile(runner, tmp_path):
    path = tmp_path / "quiz.jsonld"
    path.write_text(json.dumps(quiz_profile()))
    added = runner.invoke(cli, ["profiles", "add", str(path)])
    assert added.exit_code == 0, added.output
    assert "3 templates, 2 patterns" in added.output
    broken = quiz_profile()
    broken["templates"][1]["rules"][0]["location"] = "$.result[?(@.success)]"
    path.write_text(json.dumps(broken))
    refused = runner.invoke(cli, ["profiles", "add", str(path)])
    assert refused.exit_code == 1 and "filter or script" in refused.output and "templates[1].rules[0].location" in refused.output

    created = runner.invoke(cli, ["credentials", "create", "--name", "quiz", "--json", "--profile", QUIZ + "/v1",
                                  "--profile-mode", "enforce"])
    assert created.exit_code == 0, created.output
    key = json.loads(created.output)["key"]
    rows = {r["id"]: r for r in json.loads(runner.invoke(cli, ["profiles", "list", "--json"]).output)}
    assert rows[QUIZ]["assigned"] == [{"credential": key, "mode": "enforce"}] and not rows[QUIZ]["shipped"]
    assert runner.invoke(cli, ["profiles", "assign", key, QUIZ, "report"]).exit_code == 0
    rows = {r["id"]: r for r in json.loads(runner.invoke(cli, ["profiles", "list", "--json"]).output)}
    assert rows[QUIZ]["assigned"] == [{"credential": key, "mode": "report"}]
    typo = runner.invoke(cli, ["credentials", "create", "--profile", "https://example.org/none"])
    assert typo.exit_code == 1 and "no profile" in typo.output
    assert runner.invoke(cli, ["profiles", "assign", "no-such-key", QUIZ, "report"]).exit_code == 1
    assert runner.invoke(cli, ["profiles", "remove", QUIZ]).exit_code == 0
    rows = {r["id"]: r for r in json.loads(runner.invoke(cli, ["profiles", "list", "--json"]).output)}
    assert QUIZ not in rows


def test_check_a_file_of_statements_templates_and_patterns(runner, tmp_path):
    path = tmp_path / "quiz.jsonld"
    path.write_text(json.dumps(quiz_profile()))
    assert runner.invoke(cli, ["profiles", "add", str(path)]).exit_code == 0
    good = [said("launched", 1), said("answered", 2, result={"success": True}),
            said("answered", 3, result={"success": False}), said("completed", 4)]
    statements = tmp_path / "statements.json"
    statements.write_text(json.dumps(good))
    checked = runner.invoke(cli, ["profiles", "check", str(statements), "--profile", QUIZ])
    assert checked.exit_code == 0, checked.output
    assert f"registration {REGISTRATION}: success: follows A quiz" in checked.output
    assert "4 statements checked, 0 problems" in checked.output
    bad = [said("launched", 1), said("answered", 2), said("completed", 4)]  # an answer without success
    statements.write_text(json.dumps(bad))
    checked = runner.invoke(cli, ["profiles", "check", str(statements), "--profile", QUIZ])
    assert checked.exit_code == 1
    assert f"{ANSWERED} (answered): rule 0 (location $.result.success (presence included))" in checked.output
    assert "registration" in checked.output and "failure" in checked.output
    unfinished = [said("launched", 1), said("answered", 2, result={"success": True})]
    statements.write_text(json.dumps(unfinished))
    checked = runner.invoke(cli, ["profiles", "check", str(statements), "--profile", QUIZ])
    assert checked.exit_code == 1 and "partial: is under way in A quiz" in checked.output


def test_stored_registrations_and_findings(runner, tmp_path):
    path = tmp_path / "quiz.jsonld"
    path.write_text(json.dumps(quiz_profile()))
    assert runner.invoke(cli, ["profiles", "add", str(path)]).exit_code == 0
    app = make_app(tmp_path)
    lrs = app.extensions["lrs"]
    tool = XAPIClient(app.test_client(), add_credential(lrs.store, key="quiz"))
    assert runner.invoke(cli, ["profiles", "assign", "quiz", QUIZ, "report"]).exit_code == 0
    # sent out of order and in two batches: checked in timestamp order
    assert tool.post("/xapi/statements", json=[said("completed", 4), said("launched", 1)]).status_code == 200
    assert tool.post("/xapi/statements", json=[said("answered", 2, result={"success": True})]).status_code == 200
    other = said("launched", 5)
    other["context"] = {"registration": "0c7d6f0a-5d55-4b33-a6b7-28e6cbbd06a1"}
    assert tool.post("/xapi/statements", json=other).status_code == 200
    checked = runner.invoke(cli, ["profiles", "check", "--profile", QUIZ, "--registration", REGISTRATION])
    assert checked.exit_code == 0 and "success" in checked.output, checked.output
    checked = runner.invoke(cli, ["profiles", "check", "--profile", QUIZ, "--registration", other["context"]["registration"]])
    assert checked.exit_code == 1 and "partial" in checked.output
    assert tool.post("/xapi/statements", json=said("answered", 6)).status_code == 200  # stored, reported
    found = runner.invoke(cli, ["profiles", "findings", "--json"])
    assert [b["statement"] for b in json.loads(found.output)] == [said("answered", 6)["id"]]
    text = runner.invoke(cli, ["profiles", "findings"]).output
    assert f"{QUIZ} (report): {ANSWERED}: location $.result.success (presence included)" in text
