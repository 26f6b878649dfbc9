"""COCO / IOHprofiler harness: data folders that cocopp (and IOHanalyzer) read."""

import glob
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from scoreopt import benchmarking  # noqa: E402

TINY = dict(dims=[2, 3], functions=[1, 2, 15], instances=[1, 2], budget_multiplier=20, progress=False)


@pytest.fixture(scope="module")
def coco_folders(tmp_path_factory):
    """One tiny COCO run per method (random baseline and DIDA), written from a scratch cwd."""
    base = tmp_path_factory.mktemp("coco")
    cwd = os.getcwd()
    os.chdir(base)
    try:
        out = {m: benchmarking.run_coco(m, result_folder=str(base / "data" / m), **TINY)
               for m in ("random", "dida")}
    finally:
        os.chdir(cwd)
    return base, out


def test_coco_folder_layout_and_budget(coco_folders):
    base, out = coco_folders
    assert not (base / "exdata").exists()  # COCO's empty ./exdata is cleaned up
    for m, folder in out.items():
        assert os.path.isdir(folder) and os.path.basename(folder) == m
        for fid in (1, 2, 15):
            info = os.path.join(folder, f"bbobexp_f{fid}.info")
            text = open(info).read()
            assert f"algId = '{m}'" in text
            for d in (2, 3):
                assert os.path.isfile(os.path.join(folder, f"data_f{fid}", f"bbobexp_f{fid}_DIM{d}.dat"))
                # every evaluation went through the observed problem: instance:evaluations|error
                assert f"1:{20 * d}|" in text and f"2:{20 * d}|" in text
        recs = out[m].records
        assert len(recs) == 12
        assert all(r.evaluations == 20 * r.dim for r in recs)
        assert all(r.error is not None and r.error >= 0 for r in recs)


def test_cocopp_postprocesses_the_folders(coco_folders, tmp_path):
    base, out = coco_folders
    pp = tmp_path / "ppdata"
    r = subprocess.run([sys.executable, "-m", "cocopp", "-o", str(pp), out["random"], out["dida"]],
                       cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert (pp / "index.html").is_file()
    assert glob.glob(str(pp / "*" / "*.html"))


def test_random_search_is_deterministic_and_in_the_box(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = benchmarking.run_coco("random", dims=[2], functions=[3], instances=[1], budget_multiplier=50,
                              result_folder=str(tmp_path / "a"), progress=False, seed=3)
    b = benchmarking.run_coco("random", dims=[2], functions=[3], instances=[1], budget_multiplier=50,
                              result_folder=str(tmp_path / "a"), progress=False, seed=3)
    assert a != b and b.endswith("a-0001")  # COCO never overwrites a folder
    assert a.records[0].best_f == b.records[0].best_f
    rs = benchmarking.RandomSearch(3, (-5.0, 5.0), budget=250, seed=0, batch=100)
    sizes = []
    while not rs.stop:
        X = rs.ask()
        assert np.all((X >= -5) & (X <= 5))
        sizes.append(len(X))
        rs.tell(X, np.sum(X ** 2, axis=1))
    assert sizes == [100, 100, 50] and rs.nfev == 250


def test_user_ask_tell_optimizer(tmp_path, monkeypatch):
    """Any object with ask()/tell(X, f)/stop runs through the observers via a factory."""
    monkeypatch.chdir(tmp_path)
    seen = []

    class Coordinate:
        def __init__(self, dim, bounds, budget, seed):
            self.lo, self.hi = bounds
            self.x = (self.lo + self.hi) / 2
            self.budget, self.n = budget, 0

        @property
        def stop(self):
            return self.n >= self.budget

        def ask(self):
            return np.clip(self.x + np.random.default_rng(self.n).normal(size=(5, len(self.x))),
                           self.lo, self.hi)

        def tell(self, X, f):
            seen.append(len(f))
            self.n += len(f)
            self.x = X[int(np.argmin(f))]

    folder = benchmarking.run_coco(Coordinate, dims=[2], functions=[1], instances=[1],
                                   budget_multiplier=10, result_folder=str(tmp_path / "user"),
                                   progress=False, algorithm_name="coord")
    assert sum(seen) == 20 and folder.records[0].evaluations == 20
    assert "algId = 'coord'" in open(os.path.join(folder, "bbobexp_f1.info")).read()


def test_ioh_adapter_writes_iohprofiler_files(tmp_path):
    folder = benchmarking.run_ioh("dida", dims=[2, 3], functions=[1, 2], instances=[1, 2],
                                  budget_multiplier=20, folder=str(tmp_path / "ioh" / "dida"),
                                  progress=False)
    assert folder == str(tmp_path / "ioh" / "dida")
    jsons = sorted(glob.glob(os.path.join(folder, "IOHprofiler_f*.json")))
    assert len(jsons) == 2
    meta = json.load(open(jsons[0]))
    assert meta["algorithm"]["name"] == "dida"
    assert {s["dimension"] for s in meta["scenarios"]} == {2, 3}
    dats = glob.glob(os.path.join(folder, "data_f*", "IOHprofiler_f*_DIM*.dat"))
    assert len(dats) == 4
    assert all(r.evaluations == 20 * r.dim for r in folder.records)
    # same problems, same optimizer, same seed: the COCO and IOH drivers agree (same BBOB functions)
    coco = benchmarking.run_coco("dida", dims=[2], functions=[1], instances=[1], budget_multiplier=20,
                                 result_folder=str(tmp_path / "coco"), progress=False)
    assert coco.records[0].best_f == pytest.approx(folder.records[0].best_f, rel=1e-9)


def test_parse_ints():
    assert benchmarking.parse_ints("1-3,7") == [1, 2, 3, 7]
    assert benchmarking.parse_ints(range(1, 4)) == [1, 2, 3]
    assert benchmarking.parse_ints(5) == [5]
    with pytest.raises(ValueError):
        benchmarking.parse_ints("5-1")
    with pytest.raises(ValueError):
        benchmarking.make_optimizer("nope", 2, (-5, 5), 100, 0)


def test_cli_bench(tmp_path):
    out = tmp_path / "cli"
    r = subprocess.run([sys.executable, "-m", "scoreopt", "bench", "bbob", "--dims", "2", "--functions", "1",
                        "--instances", "1", "--budget-multiplier", "10", "--out", str(out)],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert str(out) in r.stdout and "f1" in r.stdout and "best f - f_opt" in r.stdout
    assert (out / "bbobexp_f1.info").is_file()
    assert not (tmp_path / "exdata").exists()
    r = subprocess.run([sys.executable, "-m", "scoreopt", "bench", "bbob", "--dims", "2", "--functions", "1",
                        "--instances", "1", "--budget-multiplier", "10", "--format", "ioh",
                        "--method", "random", "--quiet", "--out", str(tmp_path / "ioh")],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert glob.glob(str(tmp_path / "ioh" / "IOHprofiler_f1_*.json"))
    r = subprocess.run([sys.executable, "-m", "scoreopt", "bench", "bbob", "--functions", "25"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "functions" in r.stderr


def test_pycma_bipop_and_dida_share_the_observer_and_the_starts(tmp_path, monkeypatch):
    """pycma's BIPOP-CMA-ES runs through the same observer as scoreopt's methods, with the
    budget counted there, and every method starts run k of a problem at the same point."""
    pytest.importorskip("cma")
    monkeypatch.chdir(tmp_path)
    starts = {}
    real = benchmarking.problem_start

    def spy(lower, upper, seed, fid, iid, dim, k=0):
        x = real(lower, upper, seed, fid, iid, dim, k)
        starts.setdefault(spy.method, []).append(((fid, iid, dim, k), x))
        return x

    monkeypatch.setattr(benchmarking, "problem_start", spy)
    out = {}
    for m in ("bipop-cma", "dida"):
        spy.method = m
        out[m] = benchmarking.run_coco(m, dims=[2], functions=[3, 15], instances=[1],
                                       budget_multiplier=300, result_folder=str(tmp_path / m),
                                       progress=False)
    for m, folder in out.items():
        text = open(os.path.join(folder, "bbobexp_f15.info")).read()
        assert f"algId = '{m}'" in text
        for r in folder.records:  # the whole budget through the observer (or the final target)
            assert r.evaluations == 600 or r.error < 1e-8
            assert r.error >= 0
    assert "pycma" in open(os.path.join(out["bipop-cma"], "bbobexp_f3.info")).read()
    first = {m: [(key, x) for key, x in s if key[3] == 0] for m, s in starts.items()}
    assert [k for k, _ in first["dida"]] == [k for k, _ in first["bipop-cma"]] == [(3, 1, 2, 0), (15, 1, 2, 0)]
    for (_, a), (_, b) in zip(first["dida"], first["bipop-cma"]):
        assert np.array_equal(a, b) and np.all(np.abs(a) <= 5)
    with pytest.raises(ValueError, match="method: unknown method 'nope'"):
        benchmarking.run_coco("nope", dims=[2], functions=[1], instances=[1], progress=False)


def test_bbob_ecdf_script_end_to_end(tmp_path):
    """bench/bbob_ecdf.py: our method and pycma's BIPOP through the observer, cocopp on both
    folders, the fixed-budget table and the ECDF numbers per group."""
    pytest.importorskip("cma")
    pytest.importorskip("matplotlib")
    script = os.path.join(os.path.dirname(__file__), "..", "bench", "bbob_ecdf.py")
    out = tmp_path / "ecdf"
    r = subprocess.run([sys.executable, script, "--methods", "dida,bipop-cma", "--dims", "2",
                        "--functions", "1,15", "--instances", "1", "--budget-multiplier", "200",
                        "--out", str(out), "--quiet"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "| f1 | 2 |" in r.stdout and "| multi (f15-f19) |" in r.stdout
    s = json.loads((out / "summary.json").read_text())
    for m in ("dida", "bipop-cma"):
        for g in ("all", "separ (f1-f5)", "multi (f15-f19)"):
            v = s["ecdf"][m][g]
            assert 0 <= v["ecdf_area"] <= v["ecdf_end"] <= 1
        assert s["ecdf"][m]["mult2 (f20-f24)"] is None  # no function of that group was run
        assert set(s["median_error"][m]) == {"f1-d2", "f15-d2"}
    # f1 (sphere) is solved by pycma within 400 evaluations: every target reached
    assert s["ecdf"]["bipop-cma"]["separ (f1-f5)"]["ecdf_end"] == 1.0
    assert (out / "ecdf.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "ppdata").is_dir() and glob.glob(str(out / "figures" / "pprldmany_02D_*.svg"))
    assert not (tmp_path / "exdata").exists()


def test_bbob_ecdf_script_adds_instances(tmp_path):
    """An experiment on instance 1, extended to instances 1-3 in the same folder, equals one run
    on instances 1-3: the same records and the same ECDF numbers; another experiment in that
    folder is refused with a message naming it."""
    pytest.importorskip("matplotlib")
    script = os.path.join(os.path.dirname(__file__), "..", "bench", "bbob_ecdf.py")

    def run(out, instances, seed="0"):
        return subprocess.run([sys.executable, script, "--methods", "cdida", "--dims", "2",
                               "--functions", "1,3", "--instances", instances,
                               "--budget-multiplier", "100", "--seed", seed, "--out", str(out),
                               "--quiet", "--no-cocopp"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=600)

    for out, parts in ((tmp_path / "parts", ("1", "1-3")), (tmp_path / "whole", ("1-3",))):
        for instances in parts:
            r = run(out, instances)
            assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    parts = json.loads((tmp_path / "parts" / "records-cdida.json").read_text())
    whole = json.loads((tmp_path / "whole" / "records-cdida.json").read_text())
    assert [p["instances"] for p in parts["parts"]] == [[1], [2, 3]]
    assert (tmp_path / "parts" / "data" / "cdida" / "instances-2-3").is_dir()
    assert parts["records"] == whole["records"]
    s_parts = json.loads((tmp_path / "parts" / "summary.json").read_text())
    s_whole = json.loads((tmp_path / "whole" / "summary.json").read_text())
    assert s_parts["ecdf"] == s_whole["ecdf"] and s_parts["median_error"] == s_whole["median_error"]
    r = run(tmp_path / "parts", "1-3", seed="1")  # another seed: another experiment
    assert r.returncode != 0 and "holds another experiment" in r.stderr
