"""Markdown tables from a pytest-benchmark JSON of bench/test_cec2017_throughput.py.

    python bench/cec2017_table.py bench/results/<UTC>-cec2017.json

Per dimension, one row per function: evaluations per second (median over the rounds of n / time)
of scoreopt's batch call, scoreopt one point per call, and opfunu (one point per call), opfunu's
largest relative difference from scoreopt on the checked points, and the ratios scoreopt /
opfunu where opfunu's definition agrees (else "-"); then the organizers' C code (where the run had
it) with its largest relative difference from scoreopt and the ratio of scoreopt's batch to it. Standard library only.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} BENCHMARK_JSON", file=sys.stderr)
        return 2
    with open(argv[1]) as fh:
        data = json.load(fh)
    rates = defaultdict(list)
    info = {}
    for b in data.get("benchmarks", []):
        e = b.get("extra_info", {})
        if "implementation" not in e or "dim" not in e:
            continue
        key = (e["dim"], e["function"], e["implementation"])
        rates[key].append(e["n"] / b["stats"]["median"])
        info[key] = e
    med = {k: statistics.median(v) for k, v in rates.items()}
    if not med:
        print("no cec2017 benchmarks in this file", file=sys.stderr)
        return 1
    print(f"rounds per cell: {sorted({len(v) for v in rates.values()})}\n")
    for dim in sorted({d for d, _, _ in med}):
        print(f"D = {dim}, thousand evaluations/s (median):\n")
        print("| F | scoreopt (batch) | scoreopt (per point) | opfunu (per point) | opfunu max rel. diff "
              "| batch / opfunu | per point / opfunu | organizers' C | organizers max rel. diff "
              "| batch / organizers |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        ratios = []
        org_ratios = []
        for f in sorted({f for d, f, _ in med if d == dim}):
            so, loop, op = (med.get((dim, f, i)) for i in ("scoreopt", "scoreopt_loop", "opfunu"))
            org = med.get((dim, f, "organizers"))
            org_diff = info.get((dim, f, "organizers"), {}).get("max_rel_diff")
            e = info.get((dim, f, "opfunu"), {})
            same = e.get("same_definition", False)
            diff = e.get("max_rel_diff")
            cells = [str(f)] + ["-" if v is None else f"{v / 1e3:,.1f}" for v in (so, loop, op)]
            cells.append("-" if diff is None else (f"{diff:.1e}" + ("" if same else " (differs)")))
            if same and so and op:
                r = so / op
                cells += [f"{r:.2g}" if r < 10 else f"{r:,.0f}", f"{loop / op:.1f}" if loop else "-"]
                ratios.append((f, so / op, loop / op if loop else None))
            else:
                cells += ["-", "-"]
            cells.append("-" if org is None else f"{org / 1e3:,.1f}")
            cells.append("-" if org_diff is None else f"{org_diff:.1e}")
            if org and so:
                r = so / org
                cells.append(f"{r:.2g}" if r < 10 else f"{r:,.0f}")
                org_ratios.append(so / org)
            else:
                cells.append("-")
            print("| " + " | ".join(cells) + " |")
        print()
        if ratios:
            print("agreeing functions: " + ", ".join(
                f"F{f}: batch {a:.3g}x, per point {b:.2g}x" for f, a, b in ratios) + "\n")
        if org_ratios:
            print(f"batch / organizers' C: {min(org_ratios):.3g}x to {max(org_ratios):.3g}x "
                  f"(median {statistics.median(org_ratios):.3g}x)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
