"""The suite collects every app's tests."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_folder_holding_tests_is_in_pytest_testpaths():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    testpaths = set(options["ini_options"]["testpaths"])
    folders = [p for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".")]
    holding_tests = {p.name for p in folders if next(p.glob("**/test_*.py"), None)}
    assert holding_tests - testpaths == set()
