"""GLENS networks (PyTorch): the 1-D U-Net of the Neighborhood Structure (NS) noise predictor and of
the Solver Behavior (SB) refinement field, the data scaling stored with them, and the saved model.

A solution x (d,) is a 1-channel sequence of length d, padded on the right to a multiple of
2 ** (levels - 1) (4 for the paper's multipliers (1, 2, 4)) and cut back after the last layer.

U-Net (paper Sec. 4, "Model setup"): an initial 7-tap convolution, then per level two residual
blocks, a residual linear attention and a down-sampling convolution (the last level keeps the
length), full softmax attention between two residual blocks in the middle, the mirrored up path
with skip connections, a final residual block on the initial features and a 1x1 output
convolution. Every residual block is conv3 -> RMSNorm -> FiLM -> SiLU -> conv3 -> RMSNorm -> SiLU
plus a (1x1) skip, where the FiLM scale/shift come from a linear map of the block embedding:
the sinusoidal time embedding (through an MLP) joined with the condition embedding MLP(y). The
condition y is (alpha, r) for NS, alpha alone for the DiffuSolve baselines and for SB (which has
no time input). Classifier-free guidance: a learned null embedding replaces MLP(y) for the rows
whose condition is dropped.

Model kinds (:data:`KINDS`): ``ns`` (GLENS NS, k-neighborhood, y = (alpha, r)), ``diffusolve``
(k = 1, y = alpha), ``diffusolve_k`` (k-neighborhood, y = alpha) and ``sb`` (regression of
x - x*, y = alpha). "NS-only" is the ``ns`` model sampled without SB guidance.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._validate import integer

__all__ = [
    "KINDS", "NetConfig", "Scaler", "UNet1D", "GlensModel", "cosine_schedule", "load_model",
]

# kind -> (diffusion model?, condition uses r?, k-neighborhood default)
KINDS: Dict[str, Tuple[bool, bool, int]] = {
    "ns": (True, True, 10),
    "diffusolve": (True, False, 1),
    "diffusolve_k": (True, False, 10),
    "sb": (False, False, 10),
}


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {sorted(KINDS)}, got {kind!r}")
    return kind


# ---- schedule -----------------------------------------------------------------------------------

def cosine_schedule(T: int, s: float = 0.008, max_beta: float = 0.999) -> Tuple[np.ndarray, np.ndarray]:
    """Discrete cosine schedule of Nichol & Dhariwal with T steps: (betas (T,), alpha_bar (T,)),
    index i holding step t = i + 1. alpha_bar(t) = f(t / T) / f(0) with f(u) = cos^2((u + s) /
    (1 + s) pi / 2) is the core's continuous cosine path (``integrators.schedule``) squared;
    beta_t = min(1 - alpha_bar(t) / alpha_bar(t - 1), max_beta) and the returned alpha_bar is the
    cumulative product of 1 - beta (equal to the closed form except where the clip acts, t = T)."""
    from .. import integrators

    T = integer(T, "T", 1)
    ab = np.array([integrators.schedule("cosine", t / T, s=s)[0] ** 2 for t in range(T + 1)])
    betas = np.minimum(1.0 - ab[1:] / ab[:-1], max_beta)
    return betas, np.cumprod(1.0 - betas)


# ---- configuration and scaling ------------------------------------------------------------------

@dataclass
class NetConfig:
    """U-Net size. The paper uses width 64, mults (1, 2, 4); CPU runs use smaller widths."""
    width: int = 64
    mults: Tuple[int, ...] = (1, 2, 4)
    cond_emb_dim: int = 64
    heads: int = 4
    head_dim: int = 32

    def __post_init__(self):
        self.width = integer(self.width, "width", 1)
        self.mults = tuple(integer(m, "mults", 1) for m in self.mults)
        if not self.mults:
            raise ValueError("mults: expected at least one level")
        self.cond_emb_dim = integer(self.cond_emb_dim, "cond_emb_dim", 1)
        self.heads = integer(self.heads, "heads", 1)
        self.head_dim = integer(self.head_dim, "head_dim", 1)


@dataclass
class Scaler:
    """Data scaling stored with a model: x standardized per dimension with the mean/std over all
    kept iterates, alpha min-max scaled by the family's parameter box to [0, 1], r divided by
    r_scale (the largest r in the training data, so that it lies in [0, 1] too)."""
    x_mean: np.ndarray
    x_std: np.ndarray
    alpha_lo: np.ndarray
    alpha_hi: np.ndarray
    r_scale: float = 1.0

    @classmethod
    def fit(cls, x: np.ndarray, r: np.ndarray, param_bounds) -> "Scaler":
        """x: (n, d) kept iterates, r: (n,), param_bounds: (lo (P,), hi (P,))."""
        x = np.asarray(x, dtype=np.float64)
        std = x.std(axis=0)
        # a dimension that never moves (e.g. the optima-only data of a 1-D family) keeps scale 1
        std = np.where(std > 1e-12 * max(1.0, float(np.abs(x).max(initial=0.0))), std, 1.0)
        lo, hi = (np.asarray(b, dtype=np.float64).reshape(-1) for b in param_bounds)
        rmax = float(np.max(r, initial=0.0))
        return cls(x.mean(axis=0), std, lo, hi, rmax if rmax > 0 else 1.0)

    def x(self, x: np.ndarray) -> np.ndarray:
        return (np.asarray(x, dtype=np.float64) - self.x_mean) / self.x_std

    def x_inverse(self, z: np.ndarray) -> np.ndarray:
        return np.asarray(z, dtype=np.float64) * self.x_std + self.x_mean

    def alpha(self, alpha: np.ndarray) -> np.ndarray:
        span = np.where(self.alpha_hi > self.alpha_lo, self.alpha_hi - self.alpha_lo, 1.0)
        return (np.asarray(alpha, dtype=np.float64) - self.alpha_lo) / span

    def r(self, r: np.ndarray) -> np.ndarray:
        return np.asarray(r, dtype=np.float64) / self.r_scale

    def state(self) -> Dict[str, Any]:
        return {k: (torch.from_numpy(np.asarray(v, dtype=np.float64)) if isinstance(v, np.ndarray) else v)
                for k, v in asdict(self).items()}

    @classmethod
    def from_state(cls, s: Dict[str, Any]) -> "Scaler":
        fields: Dict[str, Any] = {k: (v.numpy() if isinstance(v, torch.Tensor) else v) for k, v in s.items()}
        return cls(**fields)


# ---- U-Net --------------------------------------------------------------------------------------

class Conv1d(nn.Module):
    """nn.Conv1d's weights (C_out, C_in, k) applied to channels-last x (B, L, C_in): the
    windows (one copy, ``unfold``) times the flattened weight, one GEMM of (B L_out, C_in k) by
    (C_in k, C_out). On a CPU this runs at matrix-multiply speed where mkldnn's 1-D convolution
    with few channels does not."""

    def __init__(self, c_in: int, c_out: int, kernel: int = 1, stride: int = 1, padding: int = 0,
                 bias: bool = True):
        super().__init__()
        ref = nn.Conv1d(c_in, c_out, kernel, stride, padding, bias=bias)  # PyTorch's initialization
        self.weight = ref.weight
        self.bias = ref.bias
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, x):
        w = self.weight.reshape(self.weight.shape[0], -1)
        if self.kernel == 1 and self.stride == 1:
            return F.linear(x, w, self.bias)
        if self.padding:
            x = F.pad(x, (0, 0, self.padding, self.padding))
        cols = x.unfold(1, self.kernel, self.stride)               # (B, L_out, C_in, k)
        return F.linear(cols.reshape(cols.shape[0], cols.shape[1], -1), w, self.bias)


class RMSNorm(nn.Module):
    """x (B, L, C) normalized over channels: x / ||x|| * sqrt(C) * g."""

    def __init__(self, channels: int):
        super().__init__()
        self.g = nn.Parameter(torch.ones(channels))
        self.scale = channels ** 0.5

    def forward(self, x):
        return x * torch.rsqrt((x * x).sum(-1, keepdim=True).clamp_min(1e-24)) * (self.g * self.scale)


class SinusoidalEmbedding(nn.Module):
    def __init__(self, dim: int, theta: float = 10000.0):
        super().__init__()
        half = dim // 2
        self.register_buffer("freqs", torch.exp(-math.log(theta) * torch.arange(half) / max(half - 1, 1)),
                             persistent=False)

    def forward(self, t):  # t: (B,) -> (B, 2 * half)
        a = t.float()[:, None] * self.freqs[None, :]
        return torch.cat((a.sin(), a.cos()), dim=-1)


class Block(nn.Module):
    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.proj = Conv1d(c_in, c_out, 3, padding=1)
        self.norm = RMSNorm(c_out)

    def forward(self, x, scale_shift=None):
        x = self.norm(self.proj(x))
        if scale_shift is not None:
            scale, shift = scale_shift
            x = torch.addcmul(shift, x, scale + 1)
        return F.silu(x)


class ResBlock(nn.Module):
    """Residual block with FiLM (scale, shift) from the block embedding (B, emb_dim)."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int):
        super().__init__()
        self.film = nn.Linear(emb_dim, 2 * c_out)
        self.block1 = Block(c_in, c_out)
        self.block2 = Block(c_out, c_out)
        self.skip = Conv1d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x, emb):
        scale_shift = self.film(F.silu(emb)).unsqueeze(1).chunk(2, dim=-1)
        return self.block2(self.block1(x, scale_shift)) + self.skip(x)


class LinearAttention(nn.Module):
    """Linear attention (softmax over features of q, over positions of k): O(L) in the length."""

    def __init__(self, channels: int, heads: int, head_dim: int):
        super().__init__()
        self.heads, self.scale = heads, head_dim ** -0.5
        hidden = heads * head_dim
        self.norm = RMSNorm(channels)
        self.qkv = Conv1d(channels, 3 * hidden, 1, bias=False)
        self.out = Conv1d(hidden, channels, 1)
        self.out_norm = RMSNorm(channels)

    def forward(self, x):
        B, L, _ = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(B, L, 3, self.heads, -1).permute(2, 0, 3, 1, 4)  # (B, h, L, dh)
        q = q.softmax(dim=-1) * self.scale
        k = k.softmax(dim=-2)
        context = k.transpose(-1, -2) @ v            # (B, h, dk, dv)
        y = (q @ context).transpose(1, 2)            # (B, L, h, dv)
        return x + self.out_norm(self.out(y.reshape(B, L, -1)))


class Attention(nn.Module):
    """Full softmax attention over positions (the middle of the U-Net)."""

    def __init__(self, channels: int, heads: int, head_dim: int):
        super().__init__()
        self.heads = heads
        hidden = heads * head_dim
        self.norm = RMSNorm(channels)
        self.qkv = Conv1d(channels, 3 * hidden, 1, bias=False)
        self.out = Conv1d(hidden, channels, 1)

    def forward(self, x):
        B, L, _ = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(B, L, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v)  # (B, h, L, dh)
        return x + self.out(y.transpose(1, 2).reshape(B, L, -1))


class Upsample(nn.Module):
    """Nearest-neighbour doubling of the length, then a 3-tap convolution."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__()
        self.conv = Conv1d(c_in, c_out, 3, padding=1)

    def forward(self, x):
        return self.conv(x.repeat_interleave(2, dim=1))


class UNet1D(nn.Module):
    """eps_theta(z_t, t, y) (time_conditioned=True) or xi_phi(x, y) (False).

    forward(x (B, d), t (B,) or None, cond (B, cond_dim), drop (B,) bool or None) -> (B, d);
    rows with drop=True use the learned null condition embedding instead of MLP(cond).
    Features are kept channels-last, (B, L, C), so that every convolution is one GEMM."""

    def __init__(self, cond_dim: int, config: Optional[NetConfig] = None, *, time_conditioned: bool = True):
        super().__init__()
        cfg = config or NetConfig()
        self.config, self.cond_dim = cfg, integer(cond_dim, "cond_dim", 1)
        self.time_conditioned = bool(time_conditioned)
        w = cfg.width
        self.factor = 2 ** (len(cfg.mults) - 1)
        self.cond_mlp = nn.Sequential(nn.Linear(self.cond_dim, cfg.cond_emb_dim), nn.SiLU(),
                                      nn.Linear(cfg.cond_emb_dim, cfg.cond_emb_dim))
        self.null_cond = nn.Parameter(torch.randn(cfg.cond_emb_dim))
        emb_dim = cfg.cond_emb_dim
        if self.time_conditioned:
            self.time_mlp = nn.Sequential(SinusoidalEmbedding(w), nn.Linear(2 * (w // 2), 4 * w), nn.GELU(),
                                          nn.Linear(4 * w, 4 * w))
            emb_dim += 4 * w
        self.init_conv = Conv1d(1, w, 7, padding=3)
        dims = [w] + [w * m for m in cfg.mults]
        pairs = list(zip(dims[:-1], dims[1:]))
        self.downs = nn.ModuleList()
        for i, (a, b) in enumerate(pairs):
            last = i == len(pairs) - 1
            self.downs.append(nn.ModuleList([
                ResBlock(a, a, emb_dim), ResBlock(a, a, emb_dim), LinearAttention(a, cfg.heads, cfg.head_dim),
                Conv1d(a, b, 3, padding=1) if last else Conv1d(a, b, 4, 2, 1)]))
        mid = dims[-1]
        self.mid1 = ResBlock(mid, mid, emb_dim)
        self.mid_attn = Attention(mid, cfg.heads, cfg.head_dim)
        self.mid2 = ResBlock(mid, mid, emb_dim)
        self.ups = nn.ModuleList()
        for i, (a, b) in enumerate(reversed(pairs)):
            last = i == len(pairs) - 1
            self.ups.append(nn.ModuleList([
                ResBlock(b + a, b, emb_dim), ResBlock(b + a, b, emb_dim), LinearAttention(b, cfg.heads, cfg.head_dim),
                Conv1d(b, a, 3, padding=1) if last else Upsample(b, a)]))
        self.final_block = ResBlock(2 * w, w, emb_dim)
        self.final_conv = Conv1d(w, 1, 1)

    def embedding(self, t, cond, drop=None):
        """Block embedding (B, emb_dim): [time MLP(t),] MLP(cond) or the null embedding."""
        c = self.cond_mlp(cond)
        if drop is not None:
            c = torch.where(drop[:, None], self.null_cond.to(c.dtype).expand_as(c), c)
        if self.time_conditioned:
            if t is None:
                raise ValueError("t: this network is time-conditioned")
            c = torch.cat((self.time_mlp(t), c), dim=-1)
        return c

    def forward(self, x, t, cond, drop=None):
        if x.ndim != 2:
            raise ValueError(f"x: expected (B, d), got {tuple(x.shape)}")
        if cond.shape != (x.shape[0], self.cond_dim):
            raise ValueError(f"cond: expected ({x.shape[0]}, {self.cond_dim}), got {tuple(cond.shape)}")
        d = x.shape[1]
        pad = (-d) % self.factor
        h = (F.pad(x, (0, pad)) if pad else x).unsqueeze(-1)      # (B, L, 1)
        emb = self.embedding(t, cond, drop)
        h = self.init_conv(h)
        r = h
        skips = []
        for b1, b2, attn, down in self.downs:
            h = b1(h, emb)
            skips.append(h)
            h = attn(b2(h, emb))
            skips.append(h)
            h = down(h)
        h = self.mid2(self.mid_attn(self.mid1(h, emb)), emb)
        for b1, b2, attn, up in self.ups:
            h = b1(torch.cat((h, skips.pop()), dim=-1), emb)
            h = attn(b2(torch.cat((h, skips.pop()), dim=-1), emb))
            h = up(h)
        h = self.final_conv(self.final_block(torch.cat((h, r), dim=-1), emb))
        return h[:, :d, 0]


# ---- a trained model ----------------------------------------------------------------------------

@dataclass
class GlensModel:
    """A trained network with everything sampling needs: kind, the (EMA) network, the scaler,
    the family/dim it was trained on, the number of diffusion steps and the training k."""
    kind: str
    net: UNet1D
    scaler: Scaler
    family: str = ""
    dim: int = 0
    timesteps: int = 50
    k: int = 10
    info: Dict[str, Any] = field(default_factory=dict)

    @property
    def is_diffusion(self) -> bool:
        return KINDS[self.kind][0]

    @property
    def uses_r(self) -> bool:
        return KINDS[self.kind][1]

    def condition(self, alpha: np.ndarray, r: Optional[np.ndarray] = None) -> np.ndarray:
        """Network condition (n, cond_dim) float32 from raw alpha (n, P) and raw r (n,)."""
        a = self.scaler.alpha(np.asarray(alpha, dtype=np.float64).reshape(len(alpha), -1))
        if self.uses_r:
            rr = np.zeros(len(a)) if r is None else self.scaler.r(np.asarray(r).reshape(-1))
            a = np.concatenate([a, rr[:, None]], axis=1)
        return a.astype(np.float32)

    def save(self, path) -> None:
        torch.save({"format": "scoreopt.glens.model/1", "kind": self.kind, "config": asdict(self.net.config),
                    "cond_dim": self.net.cond_dim, "state": self.net.state_dict(),
                    "scaler": self.scaler.state(), "family": self.family, "dim": self.dim,
                    "timesteps": self.timesteps, "k": self.k, "info": dict(self.info)}, path)


def build_net(kind: str, num_params: int, config: Optional[NetConfig] = None) -> UNet1D:
    diffusion, uses_r, _ = KINDS[_kind(kind)]
    return UNet1D(integer(num_params, "num_params", 1) + int(uses_r), config, time_conditioned=diffusion)


def load_model(path) -> GlensModel:
    """A model written by :meth:`GlensModel.save` (or by ``scoreopt glens train``)."""
    s = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(s, dict) or s.get("format") != "scoreopt.glens.model/1":
        raise ValueError(f"path: {path} is not a scoreopt GLENS model file")
    cfg = NetConfig(**{**s["config"], "mults": tuple(s["config"]["mults"])})
    net = UNet1D(s["cond_dim"], cfg, time_conditioned=KINDS[_kind(s["kind"])][0])
    net.load_state_dict(s["state"])
    net.eval()
    return GlensModel(s["kind"], net, Scaler.from_state(s["scaler"]), s["family"], s["dim"],
                      s["timesteps"], s["k"], s["info"])
