"""Summarize a pytest-benchmark JSON file from bench/test_eval_throughput.py as a Markdown table.

    python bench/summarize.py bench.json

Rows: functions; columns: implementations; cells: million evaluations per second (n / median
seconds); last column: the scoreopt / torch.compile throughput ratio. Where the benchmarks carry
them (bench/test_eval_throughput.py does), a "bound" column (compute / memory) follows the
function, and a "scoreopt GB/s" column (bytes of X read per call / scoreopt's median) precedes
the ratio. Standard library only.
"""

import json
import sys

FUNCTIONS = ("sphere", "ellipsoid", "rosenbrock", "rastrigin", "ackley", "levy", "griewank",
             "schwefel", "styblinski_tang", "zakharov", "michalewicz", "weierstrass", "alpine1")
IMPLEMENTATIONS = ("scoreopt", "numpy", "torch_eager", "torch_compile")
HEADERS = {"scoreopt": "scoreopt", "numpy": "numpy", "torch_eager": "torch eager",
           "torch_compile": "torch.compile"}


def _ordered(seen, preferred):
    return [x for x in preferred if x in seen] + sorted(x for x in seen if x not in preferred)


def main(argv):
    if len(argv) != 2:
        print(f"usage: {argv[0]} BENCHMARK_JSON", file=sys.stderr)
        return 2
    with open(argv[1]) as fh:
        data = json.load(fh)

    rates = {}  # (function, implementation) -> evaluations per second
    bound = {}  # function -> "compute" / "memory", where given
    gbps = {}  # (function, implementation) -> GB of X read per second, where given
    shapes = set()
    for b in data.get("benchmarks", []):
        info = b.get("extra_info", {})
        func = info.get("function") or b.get("group")
        if isinstance(func, int):  # suite functions are numbered
            func = f"{b.get('group', 'f')}"
        impl = info.get("implementation")
        n = info.get("n")
        median = b.get("stats", {}).get("median")
        if not (func and impl and n and median):
            continue
        rates[(func, impl)] = n / median
        if info.get("bound"):
            bound[func] = info["bound"]
        if info.get("bytes_read_per_call"):
            gbps[(func, impl)] = info["bytes_read_per_call"] / median / 1e9
        shapes.add((n, info.get("dim"), info.get("dtype")))

    if not rates:
        print("no usable benchmarks (need extra_info n / function / implementation)", file=sys.stderr)
        return 1

    funcs = _ordered({f for f, _ in rates}, FUNCTIONS)
    impls = _ordered({i for _, i in rates}, IMPLEMENTATIONS)

    machine = data.get("machine_info", {})
    desc = ", ".join(f"N={n}, D={d}, {t}" for n, d, t in sorted(shapes, key=str))
    cpu = machine.get("cpu", {}).get("brand_raw")
    print(f"Million evaluations per second (n / median); {desc}" + (f"; {cpu}" if cpu else ""))
    print()
    with_gbps = any(i == "scoreopt" for _, i in gbps)
    head = (["function"] + (["bound"] if bound else []) + [HEADERS.get(i, i) for i in impls]
            + (["scoreopt GB/s"] if with_gbps else []) + ["scoreopt / torch.compile"])
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join([":---"] + ["---:"] * (len(head) - 1)) + "|")
    for f in funcs:
        cells = [f] + ([bound.get(f, "—")] if bound else [])
        for i in impls:
            r = rates.get((f, i))
            cells.append("—" if r is None else f"{r / 1e6:.3f}")
        if with_gbps:
            g = gbps.get((f, "scoreopt"))
            cells.append("—" if g is None else f"{g:.2f}")
        s, c = rates.get((f, "scoreopt")), rates.get((f, "torch_compile"))
        cells.append("—" if s is None or c is None else f"{s / c:.2f}×")
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
