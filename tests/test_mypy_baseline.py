"""scripts/mypy_baseline.py: the type-check baseline only shrinks."""

import importlib.util
from collections import Counter
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "mypy_baseline.py"
_spec = importlib.util.spec_from_file_location("mypy_baseline", SCRIPT)
baseline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(baseline)


def test_a_new_error_in_any_file_fails():
    worse, better = baseline.compare(Counter({"a.py": 3, "b.py": 1}), Counter({"a.py": 3}))
    assert worse == ["b.py"] and better == []


def test_more_errors_in_a_listed_file_fails():
    worse, _ = baseline.compare(Counter({"a.py": 4}), Counter({"a.py": 3}))
    assert worse == ["a.py"]


def test_fewer_errors_asks_for_the_baseline_to_shrink():
    worse, better = baseline.compare(Counter({"a.py": 1}), Counter({"a.py": 3, "gone.py": 2}))
    assert worse == [] and better == ["a.py", "gone.py"]


def test_the_same_errors_pass():
    assert baseline.compare(Counter({"a.py": 3}), Counter({"a.py": 3})) == ([], [])


def test_the_file_round_trips(tmp_path, monkeypatch):
    monkeypatch.setattr(baseline, "BASELINE", tmp_path / "mypy-baseline.txt")
    baseline.write_baseline(Counter({"z.py": 2, "a.py": 1}))
    assert baseline.read_baseline() == Counter({"a.py": 1, "z.py": 2})
    assert baseline.BASELINE.read_text().splitlines()[-2:] == ["a.py 1", "z.py 2"]
