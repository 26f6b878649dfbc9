"""The version is set in one place (pyproject.toml) and every consumer agrees with it (issue 17)."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import scoreopt

ROOT = Path(__file__).resolve().parent.parent


def _pyproject_version() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    project = text.split("[project]", 1)[1].split("\n[", 1)[0]
    m = re.search(r'^version = "([^"]+)"$', project, re.M)
    assert m, "pyproject.toml: [project] has no version line"
    return m.group(1)


def test_version_is_the_installed_distributions():
    assert scoreopt.__version__ == version("scoreopt") == _pyproject_version()


def test_cmake_package_version_matches():
    cmake_dir = subprocess.run([sys.executable, "-m", "scoreopt", "--cmake-dir"], check=True,
                               capture_output=True, text=True).stdout.strip()
    text = (Path(cmake_dir) / "scoreoptConfigVersion.cmake").read_text(encoding="utf-8")
    m = re.search(r'set\(PACKAGE_VERSION "([^"]+)"\)', text)
    assert m and m.group(1) == scoreopt.__version__


def test_changelog_has_this_release():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in text
    assert re.search(rf"^## \[{re.escape(scoreopt.__version__)}\] - \d{{4}}-\d\d-\d\d$", text, re.M), \
        f"CHANGELOG.md: no '## [{scoreopt.__version__}] - YYYY-MM-DD' section for this version"
