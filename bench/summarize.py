"""Summarize a pytest-benchmark JSON file from bench/test_eval_throughput.py as a Markdown table.

    python bench/summarize.py bench.json

Rows: functions; columns: implementations; cells: million evaluations per second (n / median
seconds); last column: the scoreopt / torch.compile throughput ratio. Standard library only.
"""

import json
import sys

FUNCTIONS = ("rastrigin", "ackley", "levy", "rosenbrock")
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
    head = ["function"] + [HEADERS.get(i, i) for i in impls] + ["scoreopt / torch.compile"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join([":---"] + ["---:"] * (len(head) - 1)) + "|")
    for f in funcs:
        cells = [f]
        for i in impls:
            r = rates.get((f, i))
            cells.append("—" if r is None else f"{r / 1e6:.3f}")
        s, c = rates.get((f, "scoreopt")), rates.get((f, "torch_compile"))
        cells.append("—" if s is None or c is None else f"{s / c:.2f}×")
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
