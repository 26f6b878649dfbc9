"""Generate the type stub of the compiled module, ``python/scoreopt/_core.pyi``.

    python tools/core_stub.py            write python/scoreopt/_core.pyi (what ``./dev stubs`` runs)
    python tools/core_stub.py --check    exit 1 if the checked-in stub differs from a fresh one

The stub comes from pybind11-stubgen run on the *installed* ``scoreopt._core`` (so build and
install first: ``./dev stubs`` does both). Two fix-ups are applied to its output:

* a binding whose argument is named after a Python keyword (``integrator_convert(from, to, ...)``)
  would make the stub a syntax error, so such a parameter gets a trailing underscore (``from_``);
  the argument is positional in every call from Python anyway;
* a ``std::vector<double>`` argument is written ``Sequence[SupportsFloat | SupportsIndex]``, but
  pybind11's vector caster takes any object that passes ``PySequence_Check``, NumPy arrays
  included (and the package passes arrays): the stub adds ``| numpy.ndarray`` to those.

tests/test_typing.py runs ``--check``.
"""

from __future__ import annotations

import argparse
import difflib
import keyword
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STUB = ROOT / "python" / "scoreopt" / "_core.pyi"


def generate() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pybind11_stubgen", "scoreopt._core", "-o", tmp,
                        "--exit-code"], check=True, cwd=tmp)
        text = (Path(tmp) / "scoreopt" / "_core.pyi").read_text(encoding="utf-8")
    words = "|".join(sorted(keyword.kwlist))
    # a parameter named like a keyword: "(from: T" or ", from: T" -> "from_: T"
    text = re.sub(rf"([(,] ?)({words})(: )", r"\1\2_\3", text)
    seq = "collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex]"
    return re.sub(re.escape(seq) + r"(?! \| numpy\.ndarray)", seq + " | numpy.ndarray", text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    a = ap.parse_args(argv)
    fresh = generate()
    if not a.check:
        STUB.write_text(fresh, encoding="utf-8")
        print(f"wrote {STUB.relative_to(ROOT)}")
        return 0
    old = STUB.read_text(encoding="utf-8") if STUB.exists() else ""
    if old == fresh:
        print(f"{STUB.relative_to(ROOT)} is up to date")
        return 0
    diff = difflib.unified_diff(old.splitlines(True), fresh.splitlines(True),
                                "checked-in _core.pyi", "generated from the installed scoreopt._core")
    sys.stdout.writelines(list(diff)[:200])
    print(f"\n{STUB.relative_to(ROOT)} is stale: run ./dev stubs and commit the new stub")
    return 1


if __name__ == "__main__":
    sys.exit(main())
