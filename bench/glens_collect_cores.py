"""GLENS collection on one core vs both (issue 7: "all N*M solver runs spread over both cores").

    python bench/glens_collect_cores.py

himmelblau, d = 100, the paper's N = 90 parameters x M = 100 starts, L-BFGS-B; executor "local"
(serial, this process) vs "processes" (one spawn worker per core). Prints wall time and the
workers' CPU time.
"""
import time, tempfile, os
from scoreopt.glens import get_family, collect
if __name__ == "__main__":
    for fam_name in ["himmelblau"]:
        fam = get_family(fam_name, 100)
        for ex in ["local", "processes"]:
            d = tempfile.mkdtemp()
            t = time.perf_counter(); c0 = os.times()
            collect(fam, d, n_params=90, n_starts=100, seed=0, executor=ex, progress=False)
            c1 = os.times()
            print(fam_name, ex, f"wall {time.perf_counter()-t:.1f} s", f"workers cpu {c1.children_user - c0.children_user:.1f} s", f"driver cpu {c1.user-c0.user:.1f} s", flush=True)
