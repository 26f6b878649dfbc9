"""The C++ SDK that ships inside the wheel: headers (include/), the static core library (lib/)
and its CMake package (lib/cmake/scoreopt), installed here by CMakeLists.txt.

A CMake project finds it with ``find_package(scoreopt CONFIG REQUIRED)`` given
``-Dscoreopt_DIR=$(python -m scoreopt --cmake-dir)``; a scikit-build-core build finds it by itself
through this package's ``cmake.root`` entry point (``scoreopt_ROOT``)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent


def cmake_dir() -> Path:
    """The folder to pass as ``scoreopt_DIR``: the one holding scoreoptConfig.cmake."""
    return ROOT / "lib" / "cmake" / "scoreopt"


def include_dir() -> Path:
    """The folder holding the public headers (``#include "scoreopt/problem.hpp"``)."""
    return ROOT / "include"


def library_dir() -> Path:
    """The folder holding the static core library (libscoreopt_core.a)."""
    return ROOT / "lib"
