"""The package's import structure: every module imports on its own, and no two modules import
each other, directly or through a chain (issue 14).

A circle works only as long as the lazy import inside a function stays lazy and the module-level
names it needs are already bound when it runs; it breaks on an unrelated edit, and it makes a
module unreadable without the other. The static check therefore counts every import statement,
those inside functions included.
"""

from __future__ import annotations

import ast
import importlib.machinery
import os
import subprocess
import sys
from pathlib import Path

import pytest

import scoreopt

PKG_DIR = Path(scoreopt.__file__).resolve().parent

# Modules that need an optional extra to import (skipped in the isolation test when it is missing).
_OPTIONAL = {"scoreopt.distributed.ray_executor": "ray", "scoreopt.glens.models": "torch",
             "scoreopt.glens.training": "torch", "scoreopt.glens.sampling": "torch",
             "scoreopt.optimizers.hsm": "torch", "scoreopt._cuda_backend": "torch"}


def _modules():
    """(dotted name, path, is_package) for every Python file of the installed package; the
    Triton kernels (scoreopt.kernels) are left out: they import triton, which only GPU machines
    have, and they are checked by their own tests."""
    out = []
    for path in sorted(PKG_DIR.rglob("*.py")):
        rel = path.relative_to(PKG_DIR.parent).with_suffix("")
        parts = list(rel.parts)
        if "kernels" in parts or "__pycache__" in parts:
            continue
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        out.append((".".join(parts), path, is_pkg))
    return out


MODULES = _modules()
# the compiled core is a module too (a leaf): `from . import _core` must not count as an import
# of the package's __init__
EXTENSIONS = {"scoreopt." + p.name.split(".")[0] for p in PKG_DIR.iterdir()
              if any(p.name.endswith(suf) for suf in importlib.machinery.EXTENSION_SUFFIXES)}
NAMES = {name for name, _, _ in MODULES} | EXTENSIONS


def _resolve(module: str, is_pkg: bool, node: ast.AST):
    """The scoreopt modules that one import statement loads (its own module, not the parents
    that Python loads on the way: those are the package __init__ files, an edge every submodule
    has)."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names if a.name in NAMES}
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        base = module.split(".") if is_pkg else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if not target.startswith("scoreopt"):
        return set()
    found = set()
    for alias in node.names:
        sub = f"{target}.{alias.name}"
        # `from pkg import name` loads pkg.name when that is a module, else reads pkg's attribute
        found.add(sub if sub in NAMES else target)
    return {m for m in found if m in NAMES}


def _graph():
    graph = {}
    for name, path, is_pkg in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges |= _resolve(name, is_pkg, node)
        edges.discard(name)
        graph[name] = edges
    graph.update({ext: set() for ext in EXTENSIONS})
    return graph


def _cycles(graph):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_graph_sees_the_known_imports():
    # the check below is only as good as the graph: it must see both module-level and
    # function-level imports, relative and absolute ones
    g = _graph()
    assert "scoreopt.glens.families" in g["scoreopt.glens.robot"]
    assert "scoreopt.glens.family_registry" in g["scoreopt.glens.families"]
    assert "scoreopt.problems" in g["scoreopt.glens.families"]  # inside get_family
    assert "scoreopt.glens.collection" in g["scoreopt.glens.cli"]  # inside a function
    assert "scoreopt._core" in EXTENSIONS and "scoreopt._core" in g["scoreopt.problem_types"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_among_scoreopt_modules():
    cycles = _cycles(_graph())
    assert cycles == [], f"import cycles: {cycles}"


@pytest.mark.parametrize("module", sorted(NAMES))
def test_each_module_imports_alone(module):
    extra = _OPTIONAL.get(module)
    if extra is not None:
        pytest.importorskip(extra)
    # a fresh interpreter: nothing imported before, so a module that only works after another
    # one has been imported fails here
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_glens_steps_are_functions_of_the_package():
    from scoreopt import glens

    # the names a user types are the functions, not modules, on every import order
    for name in ("collect", "evaluate"):
        assert callable(getattr(glens, name)) and not isinstance(getattr(glens, name), type(glens))
    pytest.importorskip("torch")
    import scoreopt.glens.sampling
    import scoreopt.glens.training

    assert glens.train is scoreopt.glens.training.train
    assert glens.sample is scoreopt.glens.sampling.sample
    assert {"collect", "train", "sample", "evaluate"} <= set(dir(glens))
