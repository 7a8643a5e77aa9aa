"""Fuzzing the xAPI API from its published OpenAPI description (``/xapi/openapi.json``) with
schemathesis: valid requests (positive mode) and requests that break the description
(negative mode) for every operation. A failure is a 5xx, or a request that breaks the
description and is accepted (2xx), e.g. an invalid statement stored.

``make test`` runs a bounded version (tests/api/test_fuzz.py, in process); for a longer run
against the WSGI app or a running server::

    .venv/bin/python -m tests.soak.fuzz --seconds 600
    .venv/bin/python -m tests.soak.fuzz --url http://127.0.0.1:8080 --auth KEY:SECRET --seconds 600
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
import time
from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, not_a_server_error

CHECKS = [not_a_server_error, negative_data_rejection]
#: any 4xx is a rejection: 412 (If-Match failed) and 413 (over a limit) refuse a request as surely as 400
CONFIG = schemathesis.Config.from_dict({"checks": {"negative_data_rejection": {"expected-statuses": ["4XX"]}}})


@dataclass
class FuzzReport:
    requests: int = 0
    seconds: float = 0.0
    rounds: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    by_operation: dict[str, int] = field(default_factory=dict)
    #: (operation, mode, check, status) -> an example request
    failures: dict[tuple, str] = field(default_factory=dict)

    def lines(self) -> str:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.by_status.items()))
        fewest = min(self.by_operation.values(), default=0)
        out = (f"requests sent: {self.requests} over {len(self.by_operation)} operations "
               f"({self.rounds} round{'s' if self.rounds != 1 else ''}; at least {fewest} per operation)\nresponses by status: {statuses}\n"
               f"distinct failures: {len(self.failures)}\nduration: {self.seconds:.1f} s")
        for (operation, mode, check, status), example in self.failures.items():
            out += f"\n  {operation} [{mode}] {check} -> {status}: {example}"
        return out


def _failure_names(error: BaseException) -> list[str]:
    inner = getattr(error, "exceptions", None)
    if inner:
        return [name for e in inner for name in _failure_names(e)]
    return [getattr(error, "title", None) or type(error).__name__]


class _OutOfTime(Exception):
    """Raised inside a generated example once the time budget is spent, to stop generating."""


def fuzz(schema, *, auth_header: dict, examples: int, seconds: float | None = None, rounds: int | None = 1,
         modes=(GenerationMode.POSITIVE, GenerationMode.NEGATIVE), base_url: str | None = None) -> FuzzReport:
    """Rounds of ``examples`` generated requests per operation and mode, each round covering every
    operation, until ``rounds`` are done (``None``: no limit) or ``seconds`` have passed."""
    report = FuzzReport()
    started = time.monotonic()
    deadline = started + seconds if seconds else None
    operations = [result.ok() for result in schema.get_all_operations()]
    targets = [(mode, operation) for mode in modes for operation in operations
               if mode is GenerationMode.POSITIVE or list(operation.iter_parameters())
               or operation.get_request_payload_content_types()]  # GET /about has nothing to break
    done = 0
    while (rounds is None or done < rounds) and not (deadline and time.monotonic() > deadline):
        for mode, operation in targets:
            try:
                _fuzz_operation(report, operation, mode, auth_header, examples, deadline, base_url)
            except _OutOfTime:
                break
        done += 1
    report.rounds = done
    report.seconds = time.monotonic() - started
    return report


def _fuzz_operation(report, operation, mode, auth_header, examples, deadline, base_url) -> None:
    @settings(max_examples=examples, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(operation.as_strategy(generation_mode=mode))
    def one(case):
        if deadline and time.monotonic() > deadline:
            raise _OutOfTime
        kwargs = {"headers": dict(auth_header)}
        if base_url:
            kwargs["base_url"] = base_url
        response = case.call(**kwargs)
        report.requests += 1
        report.by_status[response.status_code] = report.by_status.get(response.status_code, 0) + 1
        report.by_operation[operation.label] = report.by_operation.get(operation.label, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS)
        except BaseExceptionGroup as error:  # checks failed: record them, keep fuzzing
            for name in _failure_names(error):
                key = (operation.label, mode.value, name, response.status_code)
                report.failures.setdefault(key, f"query={case.query} body={str(case.body)[:300]}")

    try:
        one()
    except Unsatisfiable:
        pass


def wsgi_schema(home: str):
    """The schema of an in-process LRS, and the auth header of a credential with scope ``all``."""
    from lrs.app import create_app
    from tests.conftest import SECRET_KEY, add_credential

    app = create_app({"home": home, "secret_key": SECRET_KEY})
    header = add_credential(app.extensions["lrs"].store, key="fuzzer", secret="fuzz")
    return schemathesis.openapi.from_wsgi("/xapi/openapi.json", app, config=CONFIG), header


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300, help="time budget (default 300)")
    parser.add_argument("--examples", type=int, default=25, help="examples per operation and mode in each round")
    parser.add_argument("--url", default=None, help="a running LRS (default: the WSGI app in process)")
    parser.add_argument("--auth", default=None, help="KEY:SECRET of a credential with scope all (with --url)")
    args = parser.parse_args(argv)
    if args.url:
        schema = schemathesis.openapi.from_url(args.url.rstrip("/") + "/xapi/openapi.json", config=CONFIG)
        header = {"Authorization": "Basic " + base64.b64encode(args.auth.encode()).decode()}
        base_url = args.url.rstrip("/") + "/xapi"
    else:
        schema, header = wsgi_schema(tempfile.mkdtemp(prefix="lrs-fuzz-"))
        base_url = None
    print(f"fuzzing {len(list(schema.get_all_operations()))} operations for at most {args.seconds:.0f} s")
    report = fuzz(schema, auth_header=header, examples=args.examples, seconds=args.seconds, rounds=None,
                  base_url=base_url)
    print(report.lines())
    return 0 if not report.failures else 1


if __name__ == "__main__":
    sys.exit(main())
