"""Where scoreopt's Schaffers F7 (BBOB f17, f18) and cocoex differ most, which one is right?

Far outside the box, f17/f18 differ from cocoex by up to ~6e-13 of max(|f|, |f_opt|)
(bench/bbob_cocoex_agreement.py). This evaluates COCO's formula exactly (mpmath, 200 bits) on the
same instance data (the doubles of scoreopt.suites.bbob_instances, which equal COCO's) at the
points where the two differ most, and prints each code's relative error against that value:

    y = T_asy^0.5(R (x - shift)), z = M y, s_i = z_i^2 + z_{i+1}^2,
    f = (1/(D-1) sum s_i^0.25 (1 + sin^2(50 s_i^0.1)))^2 + penalty_factor f_pen(x) + f_opt.

    PYTHONPATH=<installed build> python bench/schaffers_exact.py --json OUT.json
"""

from __future__ import annotations

import argparse

import numpy as np

from _child import write_json
from _coco import coco_values, relative_to_scale


def exact(inst: dict, x: np.ndarray):
    import mpmath as mp

    d = len(x)
    sh, R, M = inst["shift"], inst["R"], inst["M"]
    xm = [mp.mpf(float(v)) for v in x]
    y = [mp.fsum(mp.mpf(float(R[i, j])) * (xm[j] - mp.mpf(float(sh[j]))) for j in range(d)) for i in range(d)]
    y = [yi ** (1 + mp.mpf("0.5") * i / (d - 1) * mp.sqrt(yi)) if yi > 0 else yi for i, yi in enumerate(y)]
    z = [mp.fsum(mp.mpf(float(M[i, j])) * y[j] for j in range(d)) for i in range(d)]
    r = mp.mpf(0)
    for i in range(d - 1):
        s = z[i] ** 2 + z[i + 1] ** 2
        r += s ** mp.mpf("0.25") * (1 + mp.sin(50 * s ** mp.mpf("0.1")) ** 2)
    r = (r / (d - 1)) ** 2
    pen = mp.fsum(max(mp.mpf(0), abs(v) - 5) ** 2 for v in xm)
    return r + mp.mpf(float(inst["penalty_factor"])) * pen + mp.mpf(float(inst["f_opt"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=int, default=20_000, help="points drawn in [-50, 50]^D")
    ap.add_argument("--worst", type=int, default=5, help="how many of the largest differences to check")
    ap.add_argument("--json", help="write the results here")
    args = ap.parse_args()
    if args.points < 1 or args.worst < 1:
        ap.error("--points and --worst: expected positive integers")
    import mpmath as mp

    from scoreopt import problems
    from scoreopt.suites import bbob_instances

    mp.mp.prec = 200
    out = []
    rng = np.random.default_rng(1)
    for fid, iid, d in ((17, 1, 2), (17, 1, 5), (18, 15, 10)):
        p = problems.bbob(fid, iid, d)
        inst = bbob_instances.instance(fid, iid, d)
        X = rng.uniform(-50, 50, (args.points, d))
        ref = coco_values(fid, iid, X)
        ours = p.evaluate(X)
        diff = relative_to_scale(ours, ref, p.optimum)
        for k in np.argsort(diff)[-args.worst:][::-1]:
            e = exact(inst, X[k])
            row = {"function": fid, "instance": iid, "dim": d, "f_coco": float(ref[k]),
                   "ours_vs_coco": float(diff[k]),
                   "coco_vs_exact": float((mp.mpf(float(ref[k])) - e) / e),
                   "ours_vs_exact": float((mp.mpf(float(ours[k])) - e) / e)}
            out.append(row)
            print(f"f{fid} i{iid} D={d} f={row['f_coco']:.4g}: ours vs coco {row['ours_vs_coco']:.1e}, "
                  f"coco vs exact {row['coco_vs_exact']:.1e}, ours vs exact {row['ours_vs_exact']:.1e}",
                  flush=True)
    write_json(args.json, out)


if __name__ == "__main__":
    main()
