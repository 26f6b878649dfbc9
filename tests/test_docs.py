"""The documentation (issue 17): the site builds with warnings as errors, every Python code block
of the README and of the docs' pages runs, and every command's --help ends with an example that
the parser accepts.

Code blocks: the ```python blocks of README.md and the ``.. code-block:: python`` blocks of
docs/**/*.rst run in order, one file per test, in one namespace (a later block may use the names
of an earlier one, as a reader would), in a fresh Python process whose working directory is a
temporary folder. A README block preceded by ``<!-- test: needs a CUDA device -->`` runs only
where torch sees a CUDA device (otherwise the test reports it as skipped, with the reason).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
NEEDS_CUDA = "<!-- test: needs a CUDA device -->"


def markdown_blocks(path: Path):
    """[(line, code, needs_cuda)] of the ```python blocks."""
    text = path.read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r"^```python[ \t]*\n(.*?)^```[ \t]*$", text, re.M | re.S):
        before = text[:m.start()].rstrip().splitlines()
        out.append((text[:m.start()].count("\n") + 1, m.group(1), bool(before) and before[-1].strip() == NEEDS_CUDA))
    return out


def rst_blocks(path: Path):
    """[(line, code, False)] of the ``.. code-block:: python`` blocks."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out, i = [], 0
    while i < len(lines):
        m = re.match(r"^(\s*)\.\. code-block:: python\s*$", lines[i])
        if not m:
            i += 1
            continue
        indent, start = len(m.group(1)), i + 1
        i += 1
        while i < len(lines) and re.match(r"^\s+:\w[\w-]*:", lines[i]):  # directive options
            i += 1
        body = []
        while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
            body.append(lines[i])
            i += 1
        code = textwrap.dedent("\n".join(body)).strip("\n")
        assert code, f"{path}:{start}: empty code block"
        out.append((start, code + "\n", False))
    return out


def _documents():
    docs = [ROOT / "README.md"] + sorted(p for p in DOCS.rglob("*.rst")
                                         if "_build" not in p.parts and "auto_examples" not in p.parts
                                         and "_generated" not in p.parts)
    return [d for d in docs if (markdown_blocks(d) if d.suffix == ".md" else rst_blocks(d))]


_RUNNER = r"""
import json, sys, traceback
blocks = json.load(open(sys.argv[1]))
ns = {"__name__": "__main__"}
for line, code in blocks:
    try:
        exec(compile(code, f"{sys.argv[2]}:{line}", "exec"), ns)
    except BaseException:
        traceback.print_exc()
        print(f"FAILED: the code block at {sys.argv[2]}:{line}", file=sys.stderr)
        sys.exit(1)
print(f"ran {len(blocks)} block(s)")
"""


def _cuda_device() -> bool:
    try:
        import torch

        return bool(torch.cuda.is_available())
    except ImportError:
        return False


@pytest.mark.parametrize("doc", _documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_code_blocks_run(doc, tmp_path):
    blocks = markdown_blocks(doc) if doc.suffix == ".md" else rst_blocks(doc)
    cuda = _cuda_device()
    run = [(line, code) for line, code, needs_cuda in blocks if cuda or not needs_cuda]
    skipped = [line for line, _, needs_cuda in blocks if needs_cuda and not cuda]
    (tmp_path / "blocks.json").write_text(json.dumps(run))
    env = dict(os.environ, MPLBACKEND="Agg")
    r = subprocess.run([sys.executable, "-c", _RUNNER, str(tmp_path / "blocks.json"), str(doc.relative_to(ROOT))],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-8000:]
    if skipped:
        pytest.skip(f"ran {len(run)} block(s); the block(s) at line(s) {skipped} need a CUDA device")


def test_block_extraction():
    md = markdown_blocks(ROOT / "README.md")
    assert len(md) >= 7 and any(needs for _, _, needs in md)
    rst = rst_blocks(DOCS / "guide" / "reproducibility.rst")
    assert len(rst) == 1 and rst[0][1].startswith("import numpy as np\n") and "assert np.array_equal" in rst[0][1]


def test_site_builds_without_warnings(tmp_path):
    # the gallery reruns an example only when its source changed since the last build (md5 files
    # in docs/auto_examples): start from none, so that every example runs here
    shutil.rmtree(DOCS / "auto_examples", ignore_errors=True)
    r = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                        "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
                       cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, "sphinx-build -W failed (./dev docs shows the same):\n" + r.stdout[-4000:] + r.stderr[-8000:]
    html = tmp_path / "html"
    for page in ["index.html", "api/problems.html", "api/cli.html", "api/_generated/cpp.html",
                 "guide/methods.html", "auto_examples/index.html", "auto_examples/glens_samples.html"]:
        assert (html / page).is_file(), page
    # the gallery ran the examples and kept their figures
    images = list((html / "_images").glob("sphx_glr_*.png"))
    assert len(images) >= 6, images
    assert "scoreopt.problems.get" in (html / "api" / "problems.html").read_text(encoding="utf-8")
    assert "--budget-multiplier" in (html / "api" / "cli.html").read_text(encoding="utf-8")
    assert "with_affine" in (html / "api" / "_generated" / "cpp.html").read_text(encoding="utf-8")


def _subparsers(parser, prefix=()):
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield prefix + (name,), sub
                yield from _subparsers(sub, prefix + (name,))


def test_every_command_help_has_a_working_example():
    from scoreopt.cli import build_parser

    parser = build_parser()
    commands = list(_subparsers(parser))
    assert len(commands) >= 11  # problems, eval, run, compare, bench, info, glens + its four
    for path, sub in [((), parser)] + commands:
        text = sub.format_help()
        assert re.search(r"^examples?:$", text, re.M), f"scoreopt {' '.join(path)} --help: no example"
        examples = [line.strip() for line in text.split("example", 1)[1].splitlines()[1:]
                    if line.strip().startswith("scoreopt ") and "COMMAND" not in line]
        assert examples or path == ()
        for line in examples:
            args = shlex.split(line)[1:]
            assert args[:len(path)] == list(path), line
            parser.parse_args(args)  # exits (fails the test) if the example is not a valid command


def _shell_lines(doc: Path):
    """The commands of a document's bash blocks (continuation lines joined, comments removed)."""
    text = doc.read_text(encoding="utf-8")
    if doc.suffix == ".md":
        bodies = re.findall(r"^```bash[ \t]*\n(.*?)^```[ \t]*$", text, re.M | re.S)
    else:
        bodies = []
        for m in re.finditer(r"^(\s*)\.\. code-block:: bash\s*\n\s*\n((?:\1\s+\S.*\n|\s*\n)+)", text, re.M):
            bodies.append(textwrap.dedent(m.group(2)))
    for body in bodies:
        for line in body.replace("\\\n", " ").splitlines():
            yield line.split(" #", 1)[0].strip()


def test_scoreopt_commands_in_the_docs_parse():
    # the bash blocks are not run (builds, clusters, hour-long benchmarks), but every `scoreopt ...`
    # command in them must be one the installed parser accepts
    from scoreopt.cli import build_parser

    parser = build_parser()
    seen = 0
    for doc in [ROOT / "README.md"] + sorted(DOCS.rglob("*.rst")):
        if "_build" in doc.parts or "auto_examples" in doc.parts:
            continue
        for line in _shell_lines(doc):
            if line.startswith("scoreopt ") and "$" not in line:
                parser.parse_args(shlex.split(line)[1:])
                seen += 1
    assert seen >= 20, seen
