"""Named GLENS families defined outside :mod:`.families` (today: ``"robot"``).

A module that defines a family registers a builder here; :func:`.families.get_family` looks
names up here. The registry imports nothing, so a defining module can import ``Family`` from
:mod:`.families` while :mod:`.families` imports no defining module: no import circle.
The package's ``__init__`` imports every defining module, so the registry is complete as soon as
any part of :mod:`scoreopt.glens` is imported.
"""

from __future__ import annotations

from typing import Any, Callable, Dict

_BUILDERS: Dict[str, Callable[[int], Any]] = {}


def register(name: str, builder: Callable[[int], Any]) -> None:
    """builder(dim) returns the family's ``Family`` for that dim (raising ValueError for a dim
    the family does not have)."""
    if name in _BUILDERS and _BUILDERS[name] is not builder:
        raise ValueError(f"a GLENS family named {name!r} is already registered")
    _BUILDERS[name] = builder


def lookup(name: str):
    """The builder registered under name, or None."""
    return _BUILDERS.get(name)
