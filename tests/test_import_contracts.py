"""The import contracts (pyproject.toml, run by `make lint`) cover every app: a new app
must be given its place in the diagram, or lint-imports would not look at it."""

import re
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def _our_apps() -> set[str]:
    return {app for app in settings.INSTALLED_APPS if (ROOT / app / "__init__.py").exists()}


def _layered() -> set[str]:
    (layers,) = [c["layers"] for c in CONFIG["contracts"] if c["type"] == "layers"]
    return {name.strip() for layer in layers for name in re.split(r"[|:]", layer)}


def test_every_app_is_a_root_package_of_the_contracts():
    assert _our_apps() <= set(CONFIG["root_packages"])


def test_every_app_has_a_layer():
    assert _our_apps() <= _layered()
