"""Markdown tables from a pytest-benchmark JSON of bench/test_bbob_peers.py (issue 16, item 5).

    python bench/peers_table.py bench/results/<UTC>-bbob-peers.json

Per dimension, one row per BBOB function: million evaluations per second of each implementation
(median over the rounds of n / time), the ratio scoreopt / the fastest peer (evosax,
bbobtorch eager, bbobtorch torch.compile), scoreopt's input read rate (evaluations/s * D * 8
bytes) as a share of the machine's read bandwidth (the larger of test_read_bandwidth's one- and
two-thread NumPy sums), and whether the issue's target holds: ratio >= 3 or read rate >= 90 %
of the bandwidth. Standard library only.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict

from memory_read import bandwidth_gb_per_s

PEERS = ("evosax", "bbobtorch_eager", "bbobtorch_compile")
COLUMNS = ("scoreopt",) + PEERS
HEADERS = {"scoreopt": "scoreopt", "evosax": "evosax (jit)", "bbobtorch_eager": "bbobtorch eager",
           "bbobtorch_compile": "bbobtorch compile"}
TARGET_RATIO = 3.0
TARGET_BANDWIDTH = 0.9


def load(path):
    with open(path) as fh:
        data = json.load(fh)
    rates = defaultdict(list)  # (dim, function, impl) -> [evaluations/s per round]
    npoints = {}
    bandwidth = None
    for b in data.get("benchmarks", []):
        info = b.get("extra_info", {})
        if bandwidth_gb_per_s(info) is not None:
            bandwidth = bandwidth_gb_per_s(info) * 1e9
            continue
        key = (info["dim"], info["function"], info["implementation"])
        rates[key].append(info["n"] / b["stats"]["median"])
        npoints[key] = info["n"]
    return data, {k: statistics.median(v) for k, v in rates.items()}, rates, npoints, bandwidth


def fmt(v):
    if v is None:
        return "-"
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} BENCHMARK_JSON", file=sys.stderr)
        return 2
    data, med, rates, npoints, bandwidth = load(argv[1])
    if not med:
        print("no bbob-peers benchmarks in this file", file=sys.stderr)
        return 1
    if bandwidth:
        print(f"read bandwidth (1 GiB float64; the best of NumPy sum and BLAS dot where recorded): "
              f"{bandwidth / 1e9:.2f} GB/s\n")
    rounds = sorted({len(v) for v in rates.values()})
    print(f"rounds per cell: {rounds}\n")
    met_total = 0
    cells = 0
    for dim in sorted({d for d, _, _ in med}):
        print(f"D = {dim}, million evaluations/s (median):\n")
        head = ["f"] + [HEADERS[c] for c in COLUMNS] + ["scoreopt / fastest peer", "scoreopt read, % of bw", "target"]
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join([":---"] + ["---:"] * (len(head) - 2) + [":---:"]) + "|")
        for f in sorted({f for d, f, _ in med if d == dim}):
            row = [str(f)]
            for c in COLUMNS:
                v = med.get((dim, f, c))
                cell = fmt(None if v is None else v / 1e6)
                if c != "scoreopt" and (dim, f, c) in npoints and npoints[(dim, f, c)] != npoints.get((dim, f, "scoreopt")):
                    cell += f" (n={npoints[(dim, f, c)]:,})"
                row.append(cell)
            so = med.get((dim, f, "scoreopt"))
            peers = [med[(dim, f, p)] for p in PEERS if (dim, f, p) in med]
            ratio = so / max(peers) if so and peers else None
            share = so * dim * 8 / bandwidth if so and bandwidth else None
            met = (ratio is not None and ratio >= TARGET_RATIO) or (share is not None and share >= TARGET_BANDWIDTH)
            if ratio is not None:
                cells += 1
                met_total += met
            row += [fmt(ratio), "-" if share is None else f"{100 * share:.0f} %",
                    "-" if ratio is None else ("met" if met else "**not met**")]
            print("| " + " | ".join(row) + " |")
        print()
    print(f"target met on {met_total} of {cells} (function, dimension) cells")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
