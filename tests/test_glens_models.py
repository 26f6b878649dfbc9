"""GLENS learning side: U-Net, cosine schedule, training (exact resume), Algorithm 1 sampling
(CFG + SB guidance against a hand computation, DDPM against a known Gaussian) and the CLI
pipeline at toy size."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from scoreopt import smoothing
from scoreopt.glens.models import (GlensModel, NetConfig, Scaler, UNet1D, build_net, cosine_schedule,
                                   load_model)
from scoreopt.glens.sampling import sample
from scoreopt.glens.training import TrainConfig, train, training_arrays

@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny networks: one thread is fastest and does not fight the other test processes."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


TINY = NetConfig(width=8, mults=(1, 2, 4), cond_emb_dim=16, heads=2, head_dim=8)


def toy_data(n_runs=30, d=6, P=2, k=10, seed=0):
    """A k-neighborhood-like data set: optima at +-1 shifted by alpha, iterates approaching them."""
    rng = np.random.default_rng(seed)
    alpha = np.repeat(rng.random((n_runs, P)), k, axis=0)
    xs = np.repeat(np.sign(rng.standard_normal((n_runs, d))), k, axis=0) + alpha[:, :1]
    step = np.tile(np.arange(k), n_runs)
    x = xs + 0.05 * step[:, None] * rng.standard_normal(xs.shape)
    return SimpleNamespace(alpha=alpha, x=x, x_star=xs, step=step, param_index=np.repeat(np.arange(n_runs), k),
                           run_index=np.zeros(n_runs * k, int), family="toy", dim=d,
                           param_bounds=(np.zeros(P), np.ones(P)), k=k)


# ---- networks -----------------------------------------------------------------------------------

@pytest.mark.parametrize("d", [1, 6, 7, 12])
def test_unet_shapes_any_length(d):
    torch.manual_seed(0)
    net = UNet1D(3, TINY)
    x = torch.randn(5, d)
    y = net(x, torch.arange(1, 6), torch.rand(5, 3))
    assert y.shape == (5, d)
    sb = UNet1D(2, TINY, time_conditioned=False)
    assert sb(x, None, torch.rand(5, 2)).shape == (5, d)
    with pytest.raises(ValueError, match="cond"):
        net(x, torch.arange(5), torch.rand(5, 2))
    with pytest.raises(ValueError, match="t:"):
        net(x, None, torch.rand(5, 3))


def test_null_condition_and_film():
    torch.manual_seed(0)
    net = UNet1D(3, TINY)
    x = torch.randn(4, 10).repeat(2, 1)
    t = torch.full((8,), 7)
    c = torch.rand(8, 3)
    drop = torch.tensor([True] * 4 + [False] * 4)
    y = net(x, t, c, drop)
    # dropped rows ignore the condition: they equal the same rows with another condition dropped
    y2 = net(x, t, torch.rand(8, 3), drop)
    torch.testing.assert_close(y[:4], y2[:4], rtol=0, atol=0)
    # kept rows depend on it, and on t
    assert not torch.allclose(y[4:], y2[4:])
    assert not torch.allclose(net(x, t + 5, c, drop)[4:], y[4:])
    # the null embedding is what dropped rows use
    emb = net.embedding(t, c, drop)
    torch.testing.assert_close(emb[:4, -16:], net.null_cond.expand(4, 16))
    torch.testing.assert_close(emb[4:, -16:], net.cond_mlp(c[4:]))


def test_resblock_film_hand_computation():
    torch.manual_seed(1)
    net = UNet1D(2, TINY, time_conditioned=False)
    blk = net.downs[0][0]
    x = torch.randn(3, 12, 8)                                              # (B, L, C), channels-last
    emb = torch.randn(3, 16)
    scale, shift = blk.film(torch.nn.functional.silu(emb)).chunk(2, dim=1)
    conv = torch.nn.functional.conv1d(x.transpose(1, 2), blk.block1.proj.weight, blk.block1.proj.bias,
                                      padding=1).transpose(1, 2)           # PyTorch's convolution
    torch.testing.assert_close(blk.block1.proj(x), conv, rtol=1e-5, atol=1e-5)
    h = conv / conv.norm(dim=-1, keepdim=True) * math.sqrt(8) * blk.block1.norm.g
    h = torch.nn.functional.silu(h * (scale[:, None, :] + 1) + shift[:, None, :])
    h = blk.block2(h)
    torch.testing.assert_close(blk(x, emb), h + x)


# ---- schedule -----------------------------------------------------------------------------------

def test_conv_gemm_matches_torch_conv1d():
    from scoreopt.glens.models import Conv1d

    torch.manual_seed(2)
    x = torch.randn(4, 12, 5)
    for k, stride, pad in ((7, 1, 3), (3, 1, 1), (4, 2, 1), (1, 1, 0)):
        c = Conv1d(5, 6, k, stride, pad)
        ref = torch.nn.functional.conv1d(x.transpose(1, 2), c.weight, c.bias, stride, pad).transpose(1, 2)
        torch.testing.assert_close(c(x), ref, rtol=1e-5, atol=1e-5)


def test_cosine_schedule_closed_form():
    T, s = 50, 0.008
    betas, abar = cosine_schedule(T)
    f = lambda t: math.cos((t / T + s) / (1 + s) * math.pi / 2) ** 2
    ref = np.array([f(t) / f(0) for t in range(T + 1)])
    ref_beta = np.minimum(1 - ref[1:] / ref[:-1], 0.999)
    np.testing.assert_allclose(betas, ref_beta, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(abar[:-1], ref[1:-1], rtol=1e-10)
    np.testing.assert_allclose(abar, np.cumprod(1 - ref_beta), rtol=1e-12)
    assert betas[-1] == 0.999 and np.all(np.diff(betas) > 0)


# ---- sampling -----------------------------------------------------------------------------------

class GaussianEps(nn.Module):
    """Exact eps(z_t, t) = E[eps | z_t] for data x0 ~ N(mu, var) per dimension."""

    def __init__(self, mu, var, abar):
        super().__init__()
        self.mu, self.var, self.abar = mu, var, torch.tensor(abar)
        self.cond_dim = 1

    def forward(self, z, t, cond, drop=None):
        ab = self.abar[t - 1].to(z.dtype)[:, None]
        return (torch.sqrt(1 - ab) * (z - torch.sqrt(ab) * self.mu) / (ab * self.var + 1 - ab)).to(z.dtype)


def _identity_scaler(d, P=1):
    return Scaler(np.zeros(d), np.ones(d), np.zeros(P), np.ones(P), 1.0)


@pytest.mark.parametrize("variance", ["beta", "posterior"])
def test_ddpm_reproduces_known_gaussian(variance):
    T, d = 50, 4
    betas, abar = cosine_schedule(T)
    mu, var = torch.tensor([1.5, -0.5, 0.0, 2.0]), torch.tensor([0.25, 1.0, 0.04, 2.0])
    model = GlensModel("diffusolve", GaussianEps(mu, var, abar), _identity_scaler(d), "toy", d, T, 1)
    g = sample(model, np.zeros((1, 1)), 20000, s_ns=0.0, variance=variance, seed=3, batch_size=5000)[0]
    # exact mean/var of the discrete chain (a linear Gaussian recursion), float64
    m, v = np.zeros(d), np.ones(d)
    mu64, var64 = mu.double().numpy(), var.double().numpy()
    for t in range(T, 0, -1):
        b, ab = betas[t - 1], abar[t - 1]
        c = np.sqrt(1 - ab) / (ab * var64 + 1 - ab)
        a = (1 - b / np.sqrt(1 - ab) * c) / np.sqrt(1 - b)
        shift = b / np.sqrt(1 - ab) * c * np.sqrt(ab) * mu64 / np.sqrt(1 - b)
        noise = b if variance == "beta" else (b * (1 - abar[t - 2]) / (1 - ab) if t > 1 else 0.0)
        m, v = a * m + shift, a * a * v + noise
    se = np.sqrt(v / len(g))
    assert np.all(np.abs(g.mean(0) - m) < 5 * se)
    np.testing.assert_allclose(g.var(0), v, rtol=0.06)
    # and the chain lands on the data distribution (posterior variance: up to the discretization)
    np.testing.assert_allclose(m, mu64, atol=0.02)
    np.testing.assert_allclose(v, var64 + (betas[0] if variance == "beta" else 0), rtol=0.15, atol=0.01)


class StubEps(nn.Module):
    """eps = a z + c0 (conditional, depends on the condition) or b z (null)."""

    def __init__(self, cond_dim):
        super().__init__()
        self.cond_dim = cond_dim

    def forward(self, z, t, cond, drop=None):
        e_c = 0.3 * z + cond.sum(1, keepdim=True) + 0.01 * t[:, None]
        e_n = -0.2 * z + 0.5
        return torch.where(drop[:, None], e_n, e_c) if drop is not None else e_c


class StubXi(nn.Module):
    def __init__(self, cond_dim):
        super().__init__()
        self.cond_dim = cond_dim

    def forward(self, z, t, cond, drop=None):
        assert t is None
        return 0.7 * z - cond[:, :1]


def test_cfg_and_sb_guidance_against_hand_computation():
    T, d, S, P, seed = 6, 5, 3, 2, 11
    s_ns, s_sb, t_guide = 0.5, 100.0, 2
    scaler = Scaler(np.full(d, 0.5), np.full(d, 2.0), np.zeros(P), np.full(P, 2.0), 4.0)
    ns = GlensModel("ns", StubEps(P + 1), scaler, "toy", d, T, 10)
    sb = GlensModel("sb", StubXi(P), scaler, "toy", d, T, 10)
    params = np.array([[0.4, 1.0], [1.6, 0.2]])
    got = sample(ns, params, S, sb=sb, s_ns=s_ns, s_sb=s_sb, t_guide=t_guide, seed=seed, batch_size=4)
    betas, abar = cosine_schedule(T)
    cond = np.concatenate([params / 2.0, np.zeros((2, 1))], axis=1)       # alpha min-max scaled, r = 0
    ref = np.empty((2 * S, d))
    for row in range(2 * S):
        c, a_s = cond[row // S], params[row // S] / 2.0
        z = smoothing.noise(seed, 0, row, 1, d, antithetic=False, dtype=np.float32)[0].astype(np.float64)
        for t in range(T, 0, -1):
            b, ab = betas[t - 1], abar[t - 1]
            e_c = 0.3 * z + c.sum() + 0.01 * t
            e_n = -0.2 * z + 0.5
            e = (1 + s_ns) * e_c - s_ns * e_n
            mu = (z - b / np.sqrt(1 - ab) * e) / np.sqrt(1 - b)
            if t <= t_guide:
                mu = mu - s_sb * b * (0.7 * z - a_s[0])
            noise = smoothing.noise(seed, t, row, 1, d, antithetic=False, dtype=np.float32)[0]
            z = mu + np.sqrt(b) * noise
        ref[row] = z * 2.0 + 0.5
    np.testing.assert_allclose(got.reshape(2 * S, d), ref, rtol=2e-4, atol=2e-4)
    # samples do not depend on how the rows are batched
    np.testing.assert_array_equal(got, sample(ns, params, S, sb=sb, s_ns=s_ns, s_sb=s_sb, t_guide=t_guide,
                                              seed=seed, batch_size=1000))
    # without SB the last steps differ; with t_guide = 0 SB is off
    np.testing.assert_array_equal(sample(ns, params, S, sb=sb, t_guide=0, seed=seed),
                                  sample(ns, params, S, seed=seed))


def test_sample_argument_errors():
    scaler = _identity_scaler(4, 2)
    ns = GlensModel("ns", StubEps(3), scaler, "toy", 4, 5, 10)
    sb = GlensModel("sb", StubXi(2), scaler, "toy", 4, 5, 10)
    with pytest.raises(ValueError, match="params"):
        sample(ns, np.zeros((2, 3)), 2)
    with pytest.raises(ValueError, match="samples"):
        sample(ns, np.zeros((2, 2)), 0)
    with pytest.raises(ValueError, match="sb"):
        sample(ns, np.zeros((2, 2)), 2, sb=ns)
    with pytest.raises(ValueError, match="model"):
        sample(sb, np.zeros((2, 2)), 2)
    with pytest.raises(TypeError, match="model"):
        sample("ns.pt", np.zeros((2, 2)), 2)
    with pytest.raises(ValueError, match="variance"):
        sample(ns, np.zeros((2, 2)), 2, variance="ddim")
    with pytest.raises(ValueError, match="dtype"):
        sample(ns, np.zeros((2, 2)), 2, dtype="float16")
    with pytest.raises(ValueError, match="device"):
        sample(ns, np.zeros((2, 2)), 2, device="tpu")
    with pytest.raises(ValueError, match="device"):
        sample(ns, np.zeros((2, 2)), 2, device=3.5)


def _trained_pair(d=8, P=2, T=10):
    """Random-weight NS and SB U-Nets (the sampling arithmetic does not depend on training)."""
    torch.manual_seed(4)
    scaler = Scaler(np.linspace(-1, 1, d), np.linspace(0.5, 2, d), np.zeros(P), np.ones(P), 3.0)
    ns = GlensModel("ns", build_net("ns", P, TINY).eval(), scaler, "toy", d, T, 10)
    sb = GlensModel("sb", build_net("sb", P, TINY).eval(), scaler, "toy", d, T, 10)
    return ns, sb


def test_sample_bfloat16_networks_stay_close_to_float32():
    """bf16 autocast rounds the networks' arithmetic (8 mantissa bits, ~0.4 %); the float32 latent
    keeps the recursion from compounding it, so the samples stay within ~1 % in norm. (Random
    weights give samples in the hundreds: the t = T step multiplies eps by 1/sqrt(1 - beta_T).)"""
    ns, sb = _trained_pair()
    params = np.array([[0.2, 0.9], [0.7, 0.1]])
    f32 = sample(ns, params, 6, sb=sb, s_sb=2.0, t_guide=3, seed=5)
    bf16 = sample(ns, params, 6, sb=sb, s_sb=2.0, t_guide=3, seed=5, dtype="bfloat16")
    assert bf16.dtype == np.float64 and np.isfinite(bf16).all()
    assert not np.array_equal(f32, bf16)                                 # autocast did act
    assert np.linalg.norm(bf16 - f32) / np.linalg.norm(f32) < 0.02


@pytest.mark.skipif(not torch.cuda.is_available(), reason="the CUDA sampling path needs a CUDA device")
@pytest.mark.parametrize("variance", ["beta", "posterior"])
def test_sample_on_cuda_matches_cpu(variance):
    """Same Philox noise and the same step math on both devices: only rounding differs."""
    ns, sb = _trained_pair()
    params = np.array([[0.2, 0.9], [0.7, 0.1], [0.5, 0.5]])
    cpu = sample(ns, params, 7, sb=sb, s_sb=2.0, t_guide=3, seed=9, variance=variance, batch_size=8)
    gpu = sample(ns, params, 7, sb=sb, s_sb=2.0, t_guide=3, seed=9, variance=variance, batch_size=8, device="cuda")
    assert np.linalg.norm(gpu - cpu) / np.linalg.norm(cpu) < 1e-4
    assert next(ns.net.parameters()).device.type == "cpu"                # the caller's model is not moved
    bf16 = sample(ns, params, 7, sb=sb, s_sb=2.0, t_guide=3, seed=9, variance=variance, device="cuda",
                  dtype="bfloat16")
    assert np.linalg.norm(bf16 - cpu) / np.linalg.norm(cpu) < 0.02


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error without a CUDA device")
def test_sample_on_cuda_without_device_is_a_clear_error():
    ns, _ = _trained_pair()
    with pytest.raises(ValueError, match="device='cuda'"):
        sample(ns, np.zeros((1, 2)), 2, device="cuda")


# ---- training -----------------------------------------------------------------------------------

def test_training_arrays_scaling():
    data = toy_data()
    scaler, X, C, Y = training_arrays("ns", data)
    np.testing.assert_allclose(X.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(X.std(0), 1, atol=1e-5)
    r = np.linalg.norm(data.x - data.x_star, axis=1)
    np.testing.assert_allclose(C[:, -1], r / r.max(), rtol=1e-6)
    np.testing.assert_allclose(C[:, :2], data.alpha, rtol=1e-6)
    assert Y is None
    scaler1, X1, C1, _ = training_arrays("diffusolve", data)
    assert len(X1) == 30 and C1.shape == (30, 2)                           # optima only, alpha only
    _, Xs, Cs, Ys = training_arrays("sb", data)
    np.testing.assert_allclose(Ys, (data.x - data.x_star) / scaler.x_std, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="kind"):
        training_arrays("ddpm", data)


def _same_state(a, b):
    sa, sb_ = a.state_dict(), b.state_dict()
    return sa.keys() == sb_.keys() and all(torch.equal(sa[k], sb_[k]) for k in sa)


@pytest.mark.parametrize("kind", ["ns", "sb"])
def test_resume_is_bitwise_equal(tmp_path, kind):
    data = toy_data()
    cfg = dict(batch_size=16, lr=1e-3, seed=5, log_every=0, checkpoint_every=2)
    full = train(kind, data, config=TrainConfig(steps=6, **cfg), net_config=TINY)
    ck = str(tmp_path / "ck.pt")
    train(kind, data, config=TrainConfig(steps=3, **cfg), net_config=TINY, checkpoint=ck)
    lines = []
    resumed = train(kind, data, config=TrainConfig(steps=6, **cfg), net_config=TINY, checkpoint=ck,
                    progress=lines.append)
    assert any("resumed" in s and "step 3" in s for s in lines)
    assert _same_state(full.net, resumed.net)
    ckd = torch.load(ck, weights_only=True)
    assert ckd["step"] == 6
    # a different run cannot resume from it
    with pytest.raises(ValueError, match="checkpoint"):
        train(kind, data, config=TrainConfig(steps=6, **{**cfg, "lr": 2e-3}), net_config=TINY, checkpoint=ck)
    # and training does change the weights (EMA included)
    fresh = train(kind, data, config=TrainConfig(steps=0, **cfg), net_config=TINY)
    assert not _same_state(fresh.net, full.net)


def test_checkpoint_from_before_the_device_field_resumes(tmp_path):
    """Checkpoints written before ``device`` existed were CPU runs and still resume (bitwise)."""
    data = toy_data()
    cfg = dict(batch_size=16, lr=1e-3, seed=5, log_every=0, checkpoint_every=2)
    full = train("ns", data, config=TrainConfig(steps=4, **cfg), net_config=TINY)
    ck = str(tmp_path / "ck.pt")
    train("ns", data, config=TrainConfig(steps=2, **cfg), net_config=TINY, checkpoint=ck)
    old = torch.load(ck, weights_only=True)
    del old["run_key"]["device_type"]
    torch.save(old, ck)
    resumed = train("ns", data, config=TrainConfig(steps=4, **cfg), net_config=TINY, checkpoint=ck)
    assert _same_state(full.net, resumed.net)


def test_train_device_errors():
    with pytest.raises(ValueError, match="device"):
        TrainConfig(device="tpu")
    with pytest.raises(ValueError, match="device"):
        TrainConfig(device=None)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device='cuda'"):
            train("ns", toy_data(), config=TrainConfig(steps=1, device="cuda"), net_config=TINY)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="GPU training needs a CUDA device")
@pytest.mark.parametrize("kind", ["ns", "sb"])
def test_train_on_cuda_resumes_and_returns_a_cpu_model(tmp_path, kind):
    data = toy_data()
    cfg = dict(batch_size=16, lr=1e-3, seed=5, log_every=0, checkpoint_every=2, device="cuda")
    full = train(kind, data, config=TrainConfig(steps=6, **cfg), net_config=TINY)
    assert all(p.device.type == "cpu" for p in full.net.parameters())
    ck = str(tmp_path / "ck.pt")
    train(kind, data, config=TrainConfig(steps=3, **cfg), net_config=TINY, checkpoint=ck)
    resumed = train(kind, data, config=TrainConfig(steps=6, **cfg), net_config=TINY, checkpoint=ck)
    # the CUDA backward of indexing uses atomics: equal up to summation order, not bitwise
    for a, b in zip(full.net.state_dict().values(), resumed.net.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)
    # a CPU run cannot resume from a GPU checkpoint (different generator)
    with pytest.raises(ValueError, match="checkpoint"):
        train(kind, data, config=TrainConfig(steps=6, **{**cfg, "device": "cpu"}), net_config=TINY, checkpoint=ck)


def test_train_reduces_loss_and_save_load_roundtrip(tmp_path):
    data = toy_data()
    _, X, C, Y = training_arrays("sb", data)

    def mse(model):
        with torch.no_grad():
            return float(((model.net(torch.from_numpy(X), None, torch.from_numpy(C)) - torch.from_numpy(Y)) ** 2).mean())

    cfg = dict(batch_size=32, lr=3e-3, ema_decay=0.0)
    lines = []
    m = train("sb", data, config=TrainConfig(steps=40, log_every=20, **cfg), net_config=TINY, progress=lines.append)
    assert len(lines) == 2 and "step 40/40" in lines[-1]
    assert mse(m) < 0.7 * mse(train("sb", data, config=TrainConfig(steps=0, **cfg), net_config=TINY))
    m.save(tmp_path / "sb.pt")
    m2 = load_model(tmp_path / "sb.pt")
    assert m2.kind == "sb" and m2.dim == 6 and m2.k == 10 and _same_state(m.net, m2.net)
    np.testing.assert_array_equal(m2.scaler.x_std, m.scaler.x_std)
    with pytest.raises(ValueError, match="steps"):
        TrainConfig(steps=-1)
    with pytest.raises(ValueError, match="ema_decay"):
        TrainConfig(ema_decay=1.0)


# ---- the pipeline through the CLI ---------------------------------------------------------------

def test_cli_pipeline_toy(tmp_path, capsys):
    """collect -> train (ns, sb) -> sample (GLENS and NS-only) -> evaluate, at toy size."""
    from scoreopt.cli import main

    data, ns, sb = tmp_path / "data", tmp_path / "ns.pt", tmp_path / "sb.pt"
    fam = ["--family", "himmelblau", "--dim", "4"]
    assert main(["glens", "collect", *fam, "--out", str(data), "--n-params", "3", "--n-starts", "4",
                 "--executor", "local", "--quiet"]) == 0
    tiny = ["--steps", "3", "--batch-size", "8", "--width", "8", "--cond-emb-dim", "8", "--heads", "1",
            "--head-dim", "8", "--quiet"]
    assert main(["glens", "train", "--data", str(data), "--kind", "ns", "--out", str(ns), *tiny]) == 0
    assert main(["glens", "train", "--data", str(data), "--kind", "sb", "--out", str(sb), *tiny,
                 "--checkpoint", str(tmp_path / "sb.ckpt")]) == 0
    assert (tmp_path / "sb.ckpt").exists()
    g_glens, g_ns = tmp_path / "glens.npz", tmp_path / "ns.npz"
    assert main(["glens", "sample", "--model", str(ns), "--sb", str(sb), "--test-params", "2", "--samples", "3",
                 "--out", str(g_glens)]) == 0
    assert main(["glens", "sample", "--model", str(ns), "--test-params", "2", "--samples", "3",
                 "--out", str(g_ns)]) == 0
    f, f_ns = np.load(g_glens), np.load(g_ns)
    assert f["guesses"].shape == (2, 3, 4) and f["params"].shape == (2, 2)
    np.testing.assert_array_equal(f["params"], f_ns["params"])               # same unseen test parameters
    assert not np.array_equal(f["guesses"], f_ns["guesses"])                  # SB guidance acted
    capsys.readouterr()
    assert main(["glens", "evaluate", *fam, "--guesses", str(g_glens), "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert set(rec) >= {"k<=1", "k<=3", "k<=6", "mean_k", "std_k"}
    assert 0 <= rec["mean_k"] <= 300 and rec["k<=1"] <= rec["k<=3"] <= rec["k<=6"]
    assert main(["glens", "evaluate", *fam, "--uniform", "3", "--test-params", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["mean_k"] > 0
    # errors are reported, not raised
    assert main(["glens", "evaluate", *fam]) == 2
    assert main(["glens", "train", "--data", str(data), "--kind", "ns", "--out", str(ns), "--mults", "1,x"]) == 2


def test_train_logs_through_the_scoreopt_logger(caplog):
    # without a progress callback the training lines are INFO records of scoreopt.glens.training
    import logging

    with caplog.at_level(logging.INFO, logger="scoreopt"):
        train("sb", toy_data(), config=TrainConfig(steps=4, log_every=2, checkpoint_every=0), net_config=TINY)
    lines = [r.getMessage() for r in caplog.records if r.name == "scoreopt.glens.training"]
    assert len(lines) == 2 and lines[0].startswith("[glens sb] step 2/4 loss")
