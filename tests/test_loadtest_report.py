"""The load test's report (bench/loadtest/report.py): percentiles and the steady state, which
starts once every user has started (signed in), computed from Locust's recorded requests."""

import json

import pytest

from bench.loadtest import report


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))  # 1..100
    assert report.percentile(values, 0.5) == 50
    assert report.percentile(values, 0.95) == 95
    assert report.percentile([7.0], 0.95) == 7.0
    assert report.percentile([3, 1, 2], 1.0) == 3


def test_summarise_keeps_only_requests_after_the_start_and_counts_failures():
    requests = [
        [10.0, "sign in", 5000.0, False],  # during the start-up rush: left out
        [20.0, "home", 100.0, False],
        [21.0, "home", 300.0, True],
        [30.0, "case", 50.0, False],
    ]
    rows = {row["page"]: row for row in report.summarise(requests, since=20.0)}
    assert set(rows) == {"home", "case", "all"}
    assert rows["home"]["requests"] == 2 and rows["home"]["failures"] == 1
    assert rows["all"]["requests"] == 3
    assert rows["all"]["p95_ms"] == 300.0
    assert rows["all"]["rps"] == pytest.approx(3 / 10.0, abs=0.05)


def test_steady_state_needs_every_user_to_have_started(tmp_path):
    recorded = {"started": [1.0, 2.0], "requests": [[1.5, "home", 10.0, False]]}
    (tmp_path / "requests.json").write_text(json.dumps(recorded))
    assert report.steady_state(tmp_path, users=3) is None  # one user never signed in
    steady = report.steady_state(tmp_path, users=2)
    assert steady["since_first_request_s"] == 0.5
    assert steady["pages"] == []  # nothing ended after the last user started


def test_steady_state_is_absent_without_recorded_requests(tmp_path):
    assert report.steady_state(tmp_path, users=1) is None
