"""`make fuzz`: schemathesis against both OpenAPI documents, in-process through the WSGI app.

Not part of `make test` (the file name does not start with test_); `make fuzz` runs it on a
test database seeded by the factories (the suite's personas, the official HSDS examples, a
link worker's caseload) with a read and write API token for that link worker. Every operation
of /api/openapi.json and /hsds/openapi.json is called with generated input, valid (as the
schema describes it) and invalid; for every call two checks must hold: no 5xx answer, and a
documented answer's body matches its schema. FUZZ_EXAMPLES (default 15) is the number of
examples per operation and mode; the run is derandomized, so every run makes the same calls.
The number of calls made is printed at the end (docs/api.md records a run).
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
CHECKS = [not_a_server_error, response_schema_conformance]
DOCUMENTS = ["/api/openapi.json", "/hsds/openapi.json"]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]

FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    report_multiple_bugs=False,
)


@pytest.fixture
def connection_kept():
    """The WSGI app runs in this process, inside the test's transaction: like Django's test
    client, leave the connection open between requests (after a request Django closes a
    connection that is not in autocommit mode, which a test's transaction never is)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def headers(db, connection_kept, worker, supervisor, referrer, partner, service) -> dict[str, str]:
    """The suite's personas, the official HSDS examples, a link worker's caseload, and a
    read and write token for that link worker (as the headers to send)."""
    from accounts.tokens import create_api_token
    from casework.tests.factories import busy_caseload
    from directory.hsds_import import import_hsds
    from directory.tests.hsds_data import ARRAY

    import_hsds(ARRAY)
    busy_caseload(worker, service, cases=3)
    return {"Authorization": f"Bearer {create_api_token(worker)}"}


def _fuzz(operation, mode: GenerationMode, headers: dict, calls: Counter) -> None:
    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def call(case):
        calls[operation.label] += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    call()


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_operation_answers_without_a_server_error_and_as_documented(headers, document):
    schema = schemathesis.openapi.from_wsgi(document, WSGIHandler(), headers=headers)
    calls: Counter[str] = Counter()
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, f"{document} documents no operation"
    for operation in operations:
        for mode in MODES:
            try:
                _fuzz(operation, mode, headers, calls)
            except Unsatisfiable:  # nothing invalid to send (no parameters, or only a path)
                continue
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - all are reported
                failures[f"{operation.label} ({mode.value})"] = str(exc)[:3000]
    print(  # noqa: T201 - the run's figure, for docs/api.md
        f"\nschemathesis {document}: {sum(calls.values())} calls to {len(operations)} "
        f"operations ({EXAMPLES} examples per operation and mode), {len(failures)} failing"
    )
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
