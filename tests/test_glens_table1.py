"""bench/glens_table1.py end to end at a tiny size: the script a user runs for the paper's Table 1
(collect -> train four networks -> sample -> evaluate -> table, JSON, plots), and its resume."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "glens_table1.py"
TINY = ["--family", "himmelblau", "--dim", "4", "--n-params", "4", "--n-starts", "3", "--width", "8", "--heads", "2",
        "--head-dim", "8", "--cond-emb-dim", "16", "--batch-size", "8", "--n-test", "2", "--samples", "3",
        "--threads", "1", "--executor", "local"]


def _script():
    spec = importlib.util.spec_from_file_location("glens_table1", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(autouse=True)
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_table1_script_end_to_end_and_resume(tmp_path, capsys):
    table1 = _script()
    out = tmp_path / "run"
    assert table1.main(TINY + ["--steps", "3", "--out", str(out), "--json-out", str(tmp_path / "t1.json")]) == 0
    printed = capsys.readouterr().out
    for method in table1.METHODS:
        assert method in printed
    record = json.loads((tmp_path / "t1.json").read_text())
    assert record == json.loads((out / "table1_himmelblau_d4.json").read_text())
    assert set(record["rows"]) == set(table1.METHODS)
    for row in record["rows"].values():
        assert 0 <= row["k<=1"] <= row["k<=3"] <= row["k<=6"] <= 100
        assert 1 <= row["mean_k"] <= 300
    s = record["settings"]
    assert (s["steps"], s["width"], s["n_params"], s["device"], s["dtype"]) == (3, 8, 4, "cpu", "float32")
    assert (out / "k_cdf_himmelblau_d4.png").stat().st_size > 0
    assert (out / "samples_himmelblau_d4.png").stat().st_size > 0
    for kind in ("diffusolve", "diffusolve_k", "ns", "sb"):
        assert (out / "models" / f"{kind}.pt").exists() and (out / "models" / f"{kind}.ckpt").exists()
    # a rerun with more steps resumes every network from its checkpoint and reuses the data
    assert table1.main(TINY + ["--steps", "5", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert err.count("resumed from") == 4 and "at step 3" in err
    assert json.loads((out / "table1_himmelblau_d4.json").read_text())["settings"]["steps"] == 5


def test_table1_script_rejects_bad_arguments(tmp_path, capsys):
    table1 = _script()
    with pytest.raises(SystemExit):
        table1.main(["--family", "nope", "--out", str(tmp_path)])
    assert "--family" in capsys.readouterr().err
    with pytest.raises(ValueError, match="device"):
        table1.main(TINY + ["--steps", "1", "--device", "tpu", "--out", str(tmp_path / "r")])
