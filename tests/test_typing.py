"""The typed API (issue 17): the package ships py.typed and the stub of the compiled module, the
checked-in stub equals a fresh pybind11-stubgen run on the built module, and mypy passes on
python/scoreopt with the configuration of pyproject.toml ([tool.mypy])."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import scoreopt

ROOT = Path(__file__).resolve().parent.parent
PKG = Path(scoreopt.__file__).resolve().parent


def test_installed_package_is_typed():
    assert (PKG / "py.typed").is_file()
    installed, source = PKG / "_core.pyi", ROOT / "python" / "scoreopt" / "_core.pyi"
    assert installed.is_file() and installed.read_text() == source.read_text()


def test_core_stub_is_current():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "core_stub.py"), "--check"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail("python/scoreopt/_core.pyi does not match the built scoreopt._core: regenerate it "
                    "with ./dev stubs and commit it\n" + r.stdout[-6000:] + r.stderr[-2000:])


def test_core_stub_fixups_are_valid_python():
    import ast

    ast.parse((ROOT / "python" / "scoreopt" / "_core.pyi").read_text())


def test_mypy_passes():
    r = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, "mypy (configuration: pyproject.toml [tool.mypy]) failed:\n" + r.stdout[-8000:] + r.stderr
    assert "Success: no issues found" in r.stdout
