"""Chain-of-thought length with a small trained model: Wu et al. (ICLR 2026, "When More is
Less: Understanding Chain-of-Thought Length in LLMs", arXiv 2502.07266), controlled
synthetic-arithmetic setting, on CPU.

Task. A problem of difficulty D is a chain of D operations on a residue mod ``modulus``:
x_0 uniform, x_{i} = (x_{i-1} + a_i) mod p with a_i uniform. A chain of thought of length
k solves it in k steps; step j executes a sub-chunk of s_j operations (the D operations
split as evenly as possible, s_j in {floor(D/k), ceil(D/k)}) and writes the intermediate
residue, which the next step reads. More steps means more, simpler steps — the step
granularity the paper's controlled experiments vary when they train small models from
scratch on synthetic arithmetic with CoTs of controlled length (here: the sum of s
residues per step).

Model. One step executor is trained from scratch for every replicate: an MLP (one-hot state
and up to ``max_step`` one-hot operands, absent slots zero; two ReLU layers of ``hidden``
units; softmax over the p residues) trained with cross-entropy on single steps of uniform
size s in 1..max_step (Adam, ``train_steps`` batches of ``batch``). At inference it writes
each intermediate result by *sampling* from its softmax at ``temperature`` (as a language
model generates its chain), so its step error eps(s) = 1 - P(correct residue) is what
training left: ~0 for one operation, growing with s as the modular sum of many residues
is harder to learn, and pushed to larger s by more training — capability M in the paper's
terms. ``train_steps`` (or ``hidden``) is the capability knob.

Per-step noise. The paper's error-accumulation model also charges every step a
size-independent error sigma — the cost of one more step, without which more steps never
hurt (the functional form is our reconstruction, as in ``cot_length``). Here
``step_error`` is that sigma: with probability sigma the residue written at a step is
replaced by a uniform one (a transcription slip). It is a world parameter, the same
for every model; everything that depends on s and on capability is learned. Chain accuracy
then follows the paper's accumulation A(k) ~ prod_j (1 - sigma)(1 - eps(s_j)) (plus a 1/p
chance of landing on the right residue after a slip): the per-operation cost
-log((1 - sigma)(1 - eps(s)))/s is minimised at some s*(M), so the optimal length is
k* ~ D / s*(M) — an inverted U in k whose peak rises with difficulty D and falls as
capability raises s*. This module measures those curves on the trained models by running
``test_chains`` actual chains per (D, k) (the same problems for every k of one D, common
random numbers) and reports the accumulation product's fit to them.

Defaults. modulus 7 and max_step 8 keep the one-hot input at 63 dimensions and the MLP at
~26k weights; 128 hidden units with 1000 Adam steps (lr 3e-3, batch 256) leave a sampled
step accuracy of 0.999, 0.99, 0.88, 0.66 at s = 1..4, and 2500 steps 1.00, 1.00, 0.998,
0.987, 0.97 at s = 1..5 (measured, seed 0, improve-cot-trained, mean of its 5 replicates,
rows-v2 streams): two capabilities whose
optima are interior. sigma = 0.03 is of the order of the closed-form study's
(``cot_length.CotWorld``, 0.05); with sigma = 0 a one-operation step costs almost nothing
(sampled error ~0.001) and the longest chain would be best. Difficulties 8, 16, 24; 1000 test
chains per (D, k) (binomial s.e. <= 0.016 per point, less on differences in k, which share
their problems).

All replicates train as one batched network (weights (S, in, out), ``torch.baddbmm``);
the loss is the sum of the replicates' mean losses, so each replicate's gradient is its own,
and Adam is elementwise, so replicates stay independent. Every random number (initial
weights, training batches, test problems, sampled residues, slips) comes from the
replicate's own ``core.streams.Stream`` (children ``init``, ``train``, ``eval``), so
replicate i's model and measurements do not depend on the batch it runs in (issue 19).
torch is imported lazily.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field, field_validator

from looplab.core.params import Params
from looplab.core.streams import Stream


class CotTrainedWorld(Params):
    """Chained modular arithmetic of difficulty D solved in k steps by a trained step model."""

    modulus: int = Field(7, ge=2, le=64)
    max_step: int = Field(8, ge=1, le=32)
    difficulties: list[int] = Field(default_factory=lambda: [8, 16, 24], min_length=1)
    step_error: float = Field(0.03, ge=0.0, lt=1.0)
    temperature: float = Field(1.0, ge=0.0)
    test_chains: int = Field(1000, ge=10)

    @field_validator("difficulties")
    @classmethod
    def _sorted(cls, v: list[int]) -> list[int]:
        if any(d < 1 or d > 256 for d in v):
            raise ValueError("every difficulty must be in 1..256")
        return sorted(set(v))


class CotTrainedModel(Params):
    """A small MLP step executor trained from scratch (capability: hidden size x steps)."""

    hidden: int = Field(128, ge=4, le=4096)
    train_steps: int = Field(1000, ge=1, le=1_000_000)
    batch: int = Field(256, ge=8)
    lr: float = Field(3e-3, gt=0.0)


def chunk_sizes(D: int, k: int) -> np.ndarray:
    """The k sub-chunk sizes of D operations split as evenly as possible (larger first)."""
    base, extra = divmod(D, k)
    sizes = np.full(k, base, dtype=np.int64)
    sizes[:extra] += 1
    return sizes


def min_length(D: int, max_step: int) -> int:
    """The shortest chain whose steps the model can take (no step above ``max_step``)."""
    return -(-D // max_step)


class _StepNet:
    """S independent MLPs as one batched network."""

    def __init__(self, d_in: int, hidden: int, p: int, rng: Stream) -> None:
        import torch

        S = rng.S

        def w(i: int, o: int) -> Any:
            z = torch.from_numpy(rng.standard_normal((S, i, o)).astype(np.float32))
            return (z / i ** 0.5).requires_grad_()

        def b(o: int) -> Any:
            return torch.zeros(S, 1, o, dtype=torch.float32, requires_grad=True)

        self.W = [w(d_in, hidden), w(hidden, hidden), w(hidden, p)]
        self.b = [b(hidden), b(hidden), b(p)]

    def params(self) -> list[Any]:
        return [*self.W, *self.b]

    def __call__(self, x: Any) -> Any:
        import torch

        h = torch.relu(torch.baddbmm(self.b[0], x, self.W[0]))
        h = torch.relu(torch.baddbmm(self.b[1], h, self.W[1]))
        return torch.baddbmm(self.b[2], h, self.W[2])


def _encode(state: Any, ops: Any, sizes: Any, p: int, max_step: int) -> Any:
    """(S, n, (max_step + 1) p) one-hot of the state and the first ``sizes`` operands."""
    import torch
    import torch.nn.functional as F

    S, n = state.shape
    slots = torch.zeros(S, n, max_step, dtype=torch.int64)
    slots[..., : ops.shape[-1]] = ops
    mask = torch.arange(max_step)[None, None, :] < sizes[..., None]
    oh_ops = F.one_hot(slots, p).to(torch.float32) * mask[..., None]
    oh_state = F.one_hot(state, p).to(torch.float32)
    return torch.cat([oh_state, oh_ops.reshape(S, n, -1)], -1)


def _ints(rng: Stream, high: int, shape: tuple[int, ...], low: int = 0) -> Any:
    """A torch int64 tensor of integers in [low, high) drawn from ``rng`` (leading S)."""
    import torch

    return torch.from_numpy(rng.integers(low, high, shape))


def train_step_model(world: CotTrainedWorld, arm: CotTrainedModel, rng: Stream
                     ) -> tuple[_StepNet, np.ndarray]:
    """S = ``rng.S`` step models trained from scratch (weights from ``rng.child("init")``,
    batches from ``rng.child("train")``); returns the net and the (S,) last-100-batch
    mean training loss."""
    import torch
    import torch.nn.functional as F

    S = rng.S
    p, m = world.modulus, world.max_step
    net = _StepNet((m + 1) * p, arm.hidden, p, rng.child("init"))
    data = rng.child("train")
    opt = torch.optim.Adam(net.params(), lr=arm.lr)
    tail = torch.zeros(S)
    n_tail = 0
    for t in range(arm.train_steps):
        sizes = _ints(data, m + 1, (S, arm.batch), low=1)
        state = _ints(data, p, (S, arm.batch))
        ops = _ints(data, p, (S, arm.batch, m))
        keep = torch.arange(m)[None, None, :] < sizes[..., None]
        y = (state + (ops * keep).sum(-1)) % p
        logits = net(_encode(state, ops, sizes, p, m))
        loss = F.cross_entropy(logits.reshape(-1, p), y.reshape(-1), reduction="none")
        per_rep = loss.reshape(S, -1).mean(-1)
        opt.zero_grad()
        per_rep.sum().backward()  # replicates' losses add: their gradients stay separate
        opt.step()
        if t >= arm.train_steps - 100:
            tail += per_rep.detach()
            n_tail += 1
    return net, (tail / max(n_tail, 1)).numpy().astype(np.float64)


def _write(net: _StepNet, state: Any, ops: Any, sizes: Any, world: CotTrainedWorld,
           rng: Stream) -> Any:
    """One chain step for every (replicate, chain): the model's sampled residue (Gumbel-max
    on the logits at ``temperature``), replaced by a uniform one with probability
    ``step_error``."""
    import torch

    p = world.modulus
    logits = net(_encode(state, ops, sizes, p, world.max_step))
    if world.temperature > 0:
        g = torch.from_numpy(rng.gumbel(size=tuple(logits.shape)).astype(np.float32))
        out = (logits / world.temperature + g).argmax(-1)
    else:
        out = logits.argmax(-1)
    shape = tuple(state.shape)
    slip = torch.from_numpy(rng.random(shape) < world.step_error)
    return torch.where(slip, _ints(rng, p, shape), out)


def evaluate_chains(net: _StepNet, world: CotTrainedWorld, rng: Stream
                    ) -> dict[str, np.ndarray]:
    """{"acc_D<d>": (S, d) chain accuracy at k = 1..d (NaN below the shortest feasible
    chain), "step_acc": (S, max_step) sampled single-step accuracy at s = 1..max_step
    without slips}."""
    import torch

    S = rng.S
    p, m, n = world.modulus, world.max_step, world.test_chains
    out: dict[str, np.ndarray] = {}
    with torch.no_grad():
        step_acc = np.empty((S, m))
        for s in range(1, m + 1):
            state = _ints(rng, p, (S, n))
            ops = _ints(rng, p, (S, n, s))
            y = (state + ops.sum(-1)) % p
            clean = world.model_copy(update={"step_error": 0.0})
            got = _write(net, state, ops, torch.full((S, n), s), clean, rng)
            step_acc[:, s - 1] = (got == y).to(torch.float64).mean(-1).numpy()
        out["step_acc"] = step_acc
        for D in world.difficulties:
            x0 = _ints(rng, p, (S, n))
            ops = _ints(rng, p, (S, n, D))  # same problems for every k
            truth = (x0 + ops.sum(-1)) % p
            acc = np.full((S, D), np.nan)
            for k in range(min_length(D, m), D + 1):
                state, start = x0, 0
                for s in chunk_sizes(D, k):
                    chunk = ops[..., start:start + int(s)]
                    state = _write(net, state, chunk, torch.full((S, n), int(s)), world, rng)
                    start += int(s)
                acc[:, k - 1] = (state == truth).to(torch.float64).mean(-1).numpy()
            out[f"acc_D{D}"] = acc
    return out


def accumulation_prediction(step_acc: np.ndarray, D: int, k: int, sigma: float,
                            p: int) -> np.ndarray:
    """(S,) the error-accumulation model's chain accuracy from the measured step
    accuracies a(s): step j keeps a right residue right with c_j = (1 - sigma) a(s_j) +
    sigma / p (a slip lands on it by chance) and turns a wrong one right with
    (1 - c_j) / (p - 1) (errors symmetric over the wrong residues); a two-state chain
    from a right start."""
    r = np.ones(step_acc.shape[0])
    for s in chunk_sizes(D, k):
        c = (1 - sigma) * step_acc[:, s - 1] + sigma / p
        r = r * c + (1 - r) * (1 - c) / (p - 1)
    return r


def run_cot_trained(world: CotTrainedWorld, arm: CotTrainedModel, rng: Stream
                    ) -> dict[str, np.ndarray]:
    """{metric: (R + 1, S)} with row k = chain length (row 0 = no chain: NaN accuracies),
    R = the largest difficulty:
    ``acc_D<d>`` the measured chain accuracy (NaN where k is infeasible or above d); the
    per-replicate scalars repeated on every row: ``nstar_D<d>`` (argmax k), ``u_gap_D<d>``
    (peak accuracy minus the larger of the two end points: > 0 for an interior peak),
    ``step_acc_<s>``, ``train_loss`` and ``accumulation_gap`` (largest |measured -
    accumulation prediction| over every (D, k))."""
    import torch

    S = rng.S
    # one intra-op thread: the matrices are tiny (batch x 63 x 128), so a second thread only
    # adds synchronisation (measured: 2-3x slower on a loaded 2-core machine), and the
    # result does not depend on the machine's thread count
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        net, loss = train_step_model(world, arm, rng)
        ev = evaluate_chains(net, world, rng.child("eval"))
    finally:
        torch.set_num_threads(threads)
    R = max(world.difficulties) + 1
    out: dict[str, np.ndarray] = {}
    gap = np.zeros(S)
    for D in world.difficulties:
        acc = ev[f"acc_D{D}"]
        col = np.full((R, S), np.nan)
        col[1:D + 1] = acc.T
        out[f"acc_D{D}"] = col
        lo = min_length(D, world.max_step)
        best = np.nanargmax(acc, -1)
        peak = np.nanmax(acc, -1)
        out[f"nstar_D{D}"] = np.tile(best + 1.0, (R, 1))
        out[f"u_gap_D{D}"] = np.tile(peak - np.maximum(acc[:, lo - 1], acc[:, D - 1]), (R, 1))
        for k in range(lo, D + 1):
            pred = accumulation_prediction(ev["step_acc"], D, k, world.step_error,
                                           world.modulus)
            gap = np.maximum(gap, np.abs(acc[:, k - 1] - pred))
    for s in range(world.max_step):
        out[f"step_acc_{s + 1}"] = np.tile(ev["step_acc"][:, s], (R, 1))
    out["train_loss"] = np.tile(loss, (R, 1))
    out["accumulation_gap"] = np.tile(gap, (R, 1))
    return out
