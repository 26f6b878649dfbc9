"""Compile the Triton kernels for a GPU target without a GPU (Triton's own ptxas), to catch what
the CPU interpreter cannot: code that only the compiler rejects, and shared-memory use above
the device's limit (228 KB per block on an H100).

    python -m scoreopt.kernels.compile_check            # representative set, sm_90
    python -m scoreopt.kernels.compile_check --all      # every function, both dtypes (minutes)
    python -m scoreopt.kernels.compile_check --arch 80

Prints one line per kernel configuration and exits non-zero if any fails or needs more shared
memory than ``--smem-limit`` bytes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")

import triton  # noqa: E402
from triton.backends.compiler import GPUTarget  # noqa: E402
from triton.compiler import ASTSource  # noqa: E402

from . import _rows  # noqa: E402
from . import evaluate as ev  # noqa: E402
from . import smoothing as sm  # noqa: E402


def _compile(fn, sig, consts, target):
    signature = dict(sig)
    signature.update({k: "constexpr" for k in consts})
    return triton.compile(ASTSource(fn=fn, signature=signature, constexprs=consts), target=target)


def configurations(all_functions: bool):
    """(label, kernel, signature, constexprs) of the configurations to compile."""
    names = list(_rows.IDS) if all_functions else ["sphere", "rastrigin", "levy", "rosenbrock", "griewank",
                                                     "glens.himmelblau"]
    dtypes = ("fp32", "fp64") if all_functions else ("fp32",)
    for fp in dtypes:
        ev_sig = {"X": f"*{fp}", "F": f"*{fp}", "G": f"*{fp}", "P": f"*{fp}", "W": f"*{fp}", "MAT": f"*{fp}",
                  "SHIFT": f"*{fp}", "CONSTS": "*fp64", "N": "i32", "D": "i32", "p_stride": "i32"}
        for name in names:
            fn = _rows.IDS[name]
            for grad in (False, True):
                for mat in (False, True) if name in ("rosenbrock", "glens.himmelblau") else (False,):
                    m2, m1, p1, p2 = _rows.neighbours(fn, grad)
                    yield (f"evaluate {name} {fp} grad={grad} rotated={mat}", ev._evaluate_kernel, ev_sig,
                           dict(FN=fn, GRAD=grad, HAS_P=name.startswith("glens"), NP=2, HAS_MAT=mat,
                                HAS_SHIFT=mat, HAS_W=name == "ellipsoid", NM2=m2, NM1=m1, NP1=p1, NP2=p2,
                                BLOCK_R=32, BD=128, BK=32, IEEE=fp == "fp32"))
        yield (f"bbob.f15 {fp}", ev._bbob_f15_kernel,
               {"X": f"*{fp}", "F": f"*{fp}", "T": "*fp64", "N": "i32", "D": "i32"}, dict(BLOCK_R=16, BD=128, BK=32))
        yield (f"noise {fp}", sm._noise_kernel,
               {"OUT": f"*{fp}", "CENTERS": "*i64", "SAMPLES": "*i64", "KEYS": "*i64", "R": "i32", "D": "i32"},
               dict(ANTI=True, F64=fp == "fp64", BLOCK_R=32, BD=128))
        est_sig = {"X": f"*{fp}", "SIGMA": f"*{fp}", "P": f"*{fp}", "W": f"*{fp}", "MAT": f"*{fp}",
                   "SHIFT": f"*{fp}", "FAC": "*fp64", "CONSTS": "*fp64", "KEYS": "*i64", "LO": f"*{fp}",
                   "HI": f"*{fp}", "LAM": "*fp64", "STATS": "*fp64", "G": "*fp64", "ESUM": "*fp64", "WACC": "*fp64",
                   "M": "i32", "K": "i64", "D": "i32", "p_stride": "i32", "sigma_stride": "i32", "lanes": "i32",
                   "chunks": "i32"}
        for name in names:
            fn = _rows.IDS[name]
            _, _, p1, p2 = _rows.neighbours(fn, False)
            # factor: 0 none, 1 diagonal, 2 lower-triangular (the shaped kernel)
            for anti, mat, factor in ((True, False, 0), (False, False, 0), (True, True, 0), (True, False, 1),
                                      (False, False, 2), (True, True, 2)):
                if mat and name not in ("rosenbrock", "glens.himmelblau"):
                    continue
                if factor and name not in ("rastrigin", "rosenbrock", "glens.himmelblau"):
                    continue
                yield (f"estimate {name} {fp} antithetic={anti} rotated={mat} factor={factor}", sm._estimate_kernel,
                       est_sig,
                       dict(FN=fn, ANTI=anti, WANT_G=True, WANT_W=True, STATS_PASS=True,
                            HAS_P=name.startswith("glens"), NPAR=2, HAS_BOX=True, HAS_MAT=mat, HAS_SHIFT=mat,
                            HAS_W=False, NP1=p1, NP2=p2, F64=fp == "fp64", FACTOR=factor, BLOCK=16, BD=128,
                            BK=32, IEEE=fp == "fp32"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--arch", type=int, default=90, help="CUDA compute capability, e.g. 80 or 90 (default 90)")
    ap.add_argument("--all", action="store_true", help="every covered function and both dtypes")
    ap.add_argument("--smem-limit", type=int, default=232448, help="shared memory per block in bytes (H100: 232448)")
    args = ap.parse_args(argv)
    target = GPUTarget("cuda", args.arch, 32)
    bad = 0
    for label, fn, sig, consts in configurations(args.all):
        t = time.time()
        try:
            k = _compile(fn, sig, consts, target)
        except Exception as e:  # report and go on: the point is the whole list
            bad += 1
            cause = e.__cause__ if e.__cause__ is not None else e
            print(f"FAIL {label}: {type(cause).__name__}: {str(cause)[-800:]}", flush=True)
            continue
        shared = int(k.metadata.shared)
        ok = shared <= args.smem_limit
        bad += not ok
        print(f"{'OK  ' if ok else 'SMEM'} {label:58s} shared={shared:7d} B  {time.time() - t:5.1f} s", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
