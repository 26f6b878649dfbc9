"""Summarize a pytest-benchmark JSON file from bench/test_eval_throughput.py as a Markdown table.

    python bench/summarize.py bench.json

Rows: functions; columns: implementations; cells: million evaluations per second (n / median
seconds); last column: the scoreopt / torch.compile throughput ratio. Where the benchmarks carry
them (bench/test_eval_throughput.py does), a "bound" column (compute / memory) follows the
function, and a "scoreopt GB/s" column (bytes of X read per call / scoreopt's median) precedes
the ratio. Where the file also holds the read bandwidth (bench/test_bbob_peers.py::
test_read_bandwidth), it is printed and the memory-bound rows get their share of it; the
out-of-cache cases (test_streaming_out_of_cache) get a second table (medians over rounds of
each reader's GB/s and of scoreopt's ratios, as that test records them). Standard library only
(and bench/memory_read.py).
"""

import json
import sys

from memory_read import bandwidth_gb_per_s

FUNCTIONS = ("sphere", "ellipsoid", "rosenbrock", "rastrigin", "ackley", "levy", "griewank",
             "schwefel", "styblinski_tang", "zakharov", "michalewicz", "weierstrass", "alpine1")
IMPLEMENTATIONS = ("scoreopt", "numpy", "torch_eager", "torch_compile")
HEADERS = {"scoreopt": "scoreopt", "numpy": "numpy", "torch_eager": "torch eager",
           "torch_compile": "torch.compile"}


def _ordered(seen, preferred):
    return [x for x in preferred if x in seen] + sorted(x for x in seen if x not in preferred)


def _main_table(data, rates, bound, gbps, shapes, bandwidth):
    funcs = _ordered({f for f, _ in rates}, FUNCTIONS)
    impls = _ordered({i for _, i in rates}, IMPLEMENTATIONS)

    machine = data.get("machine_info", {})
    desc = ", ".join(f"N={n}, D={d}, {t}" for n, d, t in sorted(shapes, key=str))
    cpu = machine.get("cpu", {}).get("brand_raw")
    print(f"Million evaluations per second (n / median); {desc}" + (f"; {cpu}" if cpu else ""))
    print()
    with_gbps = any(i == "scoreopt" for _, i in gbps)
    with_share = with_gbps and bandwidth
    head = (["function"] + (["bound"] if bound else []) + [HEADERS.get(i, i) for i in impls]
            + (["scoreopt GB/s"] if with_gbps else [])
            + (["% of bandwidth"] if with_share else []) + ["scoreopt / torch.compile"])
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
        if with_share:
            g = gbps.get((f, "scoreopt"))
            memory = bound.get(f) == "memory"
            cells.append(f"{100 * g / bandwidth:.0f} %" if g is not None and memory else "")
        s, c = rates.get((f, "scoreopt")), rates.get((f, "torch_compile"))
        cells.append("—" if s is None or c is None else f"{s / c:.2f}×")
        print("| " + " | ".join(cells) + " |")


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
    bandwidth = None  # GB/s
    out_of_cache = {}  # function -> extra_info of test_streaming_out_of_cache
    for b in data.get("benchmarks", []):
        info = b.get("extra_info", {})
        if bandwidth_gb_per_s(info) is not None:
            bandwidth = bandwidth_gb_per_s(info)
            continue
        if info.get("working_set") == "out_of_cache":
            out_of_cache[info["function"]] = info
            continue
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

    if not rates and not out_of_cache:
        print("no usable benchmarks (need extra_info n / function / implementation)", file=sys.stderr)
        return 1
    if bandwidth:
        print(f"Read bandwidth (1 GiB, best of NumPy one thread, two threads, BLAS dot): "
              f"{bandwidth:.1f} GB/s")
        print()
    if rates:
        _main_table(data, rates, bound, gbps, shapes, bandwidth)
    if out_of_cache:
        some = next(iter(out_of_cache.values()))
        print()
        print(f"Out of cache (N = {some['n']}, the same D and dtype; the readers of X "
              f"alternating over {some['rounds']} rounds): median GB/s of X read")
        print()
        print("| function | read probe (NumPy, 2 threads) | scoreopt | torch.compile "
              "| scoreopt / read probe | scoreopt / torch.compile |")
        print("|:---|---:|---:|---:|---:|---:|")
        for f in _ordered(set(out_of_cache), FUNCTIONS):
            i = out_of_cache[f]
            tc = i.get("gb_per_s_torch_compile")
            ratio = i.get("scoreopt_over_torch_compile")
            cells = [f, f"{i['gb_per_s_read_probe']:.2f}", f"{i['gb_per_s_scoreopt']:.2f}",
                     "—" if tc is None else f"{tc:.2f}",
                     f"{100 * i['scoreopt_over_read_probe']:.0f} %",
                     "—" if ratio is None else f"{ratio:.2f}×"]
            print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
