"""Contract checkers for the four loop roles, on the model of Gymnasium's ``env_checker``.

``check_world``, ``check_policy``, ``check_channel`` and ``check_monitor`` drive a component
for a few rounds at a tiny size and raise ``ContractError`` (naming the component, the method
and the violated property) on the first breach of the contracts in ``core.types``:

- **seeded replay**: the same seed gives the same arrays (states, observations, actions,
  outcomes, feedback, monitor series), every value compared exactly;
- **purity**: no method changes what it was given. A deep copy of every argument taken before
  the call must equal the argument after it (``World.observe``/``step``: the state,
  action and observation; ``Policy.act``/``update``: the policy state, observation and
  feedback; ``FeedbackChannel.transmit``: the channel state, action and outcome; a monitor:
  the observation, action, outcome and feedback). A random generator kept in a state counts
  as state: drawing from it in place is a mutation;
- **replicate axis**: every array of an Observation, Action, Outcome, Feedback and of every
  state carries the leading replicate axis ``S`` (the checkers use ``S = 3`` by default, a
  size no other axis of the built-in components has at tiny sizes);
- **propensities** lie in (0, 1];
- **hidden truth**: an Observation never carries a key of ``Outcome.truth``, unless the world
  lists it in ``public_truth`` (truth columns that only echo what the learner already saw,
  such as the contexts a channel forwards with the reward) and the two arrays are equal;
- **needed truth**: a monitor declares the ``Outcome.truth`` keys it reads in ``needs``; the
  world must produce them, and the monitor may read no other truth key. A channel with
  ``signals`` needs those keys too.

The checkers are for tests and for authors of new components; ``core.loop.run`` never
calls them, so they cost a run nothing.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from looplab.core.channels import BanditFeedback
from looplab.core.seeding import loop_streams
from looplab.core.streams import Rows, Stream
from looplab.core.types import (
    Action,
    ActionSpec,
    Feedback,
    FeedbackChannel,
    Monitor,
    Observation,
    Outcome,
    Policy,
    World,
)

_MAX_DEPTH = 12


class ContractError(AssertionError):
    """A component broke a loop contract: ``component``.``method`` violates ``prop``."""

    def __init__(self, component: str, method: str, prop: str, detail: str) -> None:
        self.component, self.method, self.prop, self.detail = component, method, prop, detail
        super().__init__(f"{component}.{method}: {prop}: {detail}")


def _name(obj: Any) -> str:
    cls = type(obj).__name__
    name = getattr(obj, "name", None)
    return f"{cls}({name!r})" if isinstance(name, str) and name != cls else cls


# -- comparing and walking trees ----------------------------------------------------------
def difference(a: Any, b: Any, path: str = "", depth: int = 0) -> str | None:
    """The path of the first difference between two trees (None if equal): arrays compare
    by dtype, shape and values (NaN equals NaN); dataclasses, mappings, sequences and plain
    objects compare field by field; random generators compare by their bit-generator state."""
    where = path or "<root>"
    if depth > _MAX_DEPTH:
        return None
    if type(a) is not type(b):
        return f"{where}: type {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, np.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape:
            return f"{where}: {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        eq = np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        return None if eq else f"{where}: values differ"
    if isinstance(a, np.random.Generator):
        same = a.bit_generator.state == b.bit_generator.state
        return None if same else f"{where}: generator state differs (drawn from in place?)"
    if isinstance(a, Stream):
        same = a.state == b.state
        return None if same else f"{where}: stream state differs (drawn from in place?)"
    if isinstance(a, np.generic | int | float | complex | str | bytes | bool | type(None)):
        same = a == b or (a != a and b != b)  # NaN == NaN
        return None if same else f"{where}: {a!r} != {b!r}"
    if dataclasses.is_dataclass(a):
        items_a = {f.name: getattr(a, f.name) for f in dataclasses.fields(a)}
        items_b = {f.name: getattr(b, f.name) for f in dataclasses.fields(b)}
        return _diff_mapping(items_a, items_b, path, depth)
    if isinstance(a, Mapping):
        return _diff_mapping(a, b, path, depth)
    if isinstance(a, list | tuple) or (hasattr(a, "__iter__") and hasattr(a, "__len__") and \
            not hasattr(a, "__dict__")):
        return _diff_sequence(list(a), list(b), path, depth)
    if hasattr(a, "__dict__"):
        return _diff_mapping(vars(a), vars(b), path, depth)
    return _diff_opaque(a, b, where)


def _diff_sequence(la: list[Any], lb: list[Any], path: str, depth: int) -> str | None:
    """``difference`` for two sequences: their lengths, then element by element."""
    if len(la) != len(lb):
        return f"{path or '<root>'}: length {len(la)} != {len(lb)}"
    for i, (x, y) in enumerate(zip(la, lb, strict=True)):
        d = difference(x, y, f"{path}[{i}]", depth + 1)
        if d:
            return d
    return None


def _diff_opaque(a: Any, b: Any, where: str) -> str | None:
    """``difference`` for an object with no fields to walk: equality, else what it pickles to
    (e.g. a compiled object); None when it cannot be pickled either."""
    if a == b:
        return None
    try:
        same = pickle.dumps(a) == pickle.dumps(b)
    except Exception:
        return None
    return None if same else f"{where}: {type(a).__name__} objects differ"


def _diff_mapping(a: Mapping[Any, Any], b: Mapping[Any, Any], path: str, depth: int) -> str | None:
    if set(a) != set(b):
        return f"{path or '<root>'}: keys {sorted(map(str, a))} != {sorted(map(str, b))}"
    for k in a:
        d = difference(a[k], b[k], f"{path}.{k}" if path else str(k), depth + 1)
        if d:
            return d
    return None


def arrays(tree: Any, path: str = "", depth: int = 0) -> Iterator[tuple[str, np.ndarray]]:
    """Every numpy array in a dataclass / mapping / list / tuple / deque tree, with its path
    (plain objects such as fitted models are not entered)."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(tree, np.ndarray):
        yield path or "<root>", tree
    elif dataclasses.is_dataclass(tree) and not isinstance(tree, type):
        for f in dataclasses.fields(tree):
            yield from arrays(getattr(tree, f.name), f"{path}.{f.name}" if path else f.name,
                              depth + 1)
    elif isinstance(tree, Mapping):
        for k, v in tree.items():
            yield from arrays(v, f"{path}.{k}" if path else str(k), depth + 1)
    elif isinstance(tree, list | tuple) or type(tree).__name__ == "deque":
        for i, v in enumerate(tree):
            yield from arrays(v, f"{path}[{i}]", depth + 1)


def _require_replicate_axis(tree: Any, S: int, component: str, method: str, what: str) -> None:
    for path, arr in arrays(tree):
        if arr.ndim == 0 or arr.shape[0] != S:
            raise ContractError(
                component, method, "leading replicate axis",
                f"{what} array {path!r} has shape {arr.shape}, expected ({S}, ...)",
            )


def _unchanged(before: Any, after: Any, component: str, method: str, what: str) -> None:
    d = difference(before, after)
    if d is not None:
        raise ContractError(component, method, f"does not mutate its {what}", d)


def _replay(first: list[Any], second: list[Any], component: str, method: str) -> None:
    d = difference(first, second)
    if d is not None:
        raise ContractError(component, method, "seeded replay (same seed, same arrays)", d)


def _check_propensity(action_or_fb: Action | Feedback, component: str, method: str) -> None:
    p = np.asarray(action_or_fb.propensity, dtype=np.float64)
    bad = ~((p > 0) & (p <= 1))
    if bad.any():
        raise ContractError(
            component, method, "propensities in (0, 1]",
            f"{int(bad.sum())} of {p.size} outside, e.g. {p[bad].ravel()[:3].tolist()}",
        )


# -- a driver for worlds, channels and monitors --------------------------------------------
@dataclasses.dataclass(frozen=True)
class UniformActions:
    """A policy that plays a uniformly random arm (for item-axis worlds: per item, among the
    available actions of ``obs["avail"]``), with its exact propensity; it drives a world
    when a checker is given no policy."""

    name: str = "uniform-driver"

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> Any:
        return {"K": spec.n_arms, "S": replicates}

    def act(self, pstate: Any, obs: Observation, rng: Stream) -> Action:
        if "avail" in obs.data:
            avail = np.asarray(obs["avail"], dtype=bool)
            u = rng.random(avail.shape) * avail
            arm = u.argmax(axis=-1)  # uniform among the available actions
            return Action(arm=arm, propensity=1.0 / avail.sum(axis=-1))
        K, S = pstate["K"], pstate["S"]
        return Action(arm=rng.integers(0, K, S), propensity=np.full(S, 1.0 / K))

    def update(self, pstate: Any, feedback: Feedback) -> Any:
        return pstate


@dataclasses.dataclass
class _Round:
    obs: Observation
    action: Action
    outcome: Outcome
    feedback: Feedback


def _rollout(
    world: World, policy: Policy, channel: FeedbackChannel, replicates: int, rounds: int,
    seed: int, on_round: Any = None, rows: Rows | None = None,
) -> tuple[list[_Round], list[Any]]:
    """``rounds`` rounds of the loop with ``core.loop.run``'s streams (for ``rows``, default
    replicates 0..replicates-1 of ``seed``); returns the rounds and the world / policy /
    channel states after each."""
    rows = rows if rows is not None else Rows.of(seed, replicates)
    replicates = len(rows)
    streams = loop_streams(rows)
    w_rng, p_rng, c_rng = streams.world, streams.policy, streams.channel
    state = world.reset(replicates, streams.instance)
    pstate = policy.init(world.action_spec(), replicates, p_rng)
    cstate = channel.init(world.action_spec(), replicates, c_rng)
    out: list[_Round] = []
    states: list[Any] = [(state, pstate, cstate)]
    for _ in range(rounds):
        obs = world.observe(state, w_rng)
        action = policy.act(pstate, obs, p_rng)
        state, outcome = world.step(state, action, obs, w_rng)
        cstate, fb = channel.transmit(cstate, action, outcome, c_rng)
        pstate = policy.update(pstate, fb)
        out.append(_Round(obs, action, outcome, fb))
        states.append((state, pstate, cstate))
        if on_round is not None:
            on_round(out[-1])
    return out, states


# -- the checkers -------------------------------------------------------------------------
def check_world(
    world: World, policy: Policy | None = None, *, replicates: int = 3, rounds: int = 3,
    seed: int = 0,
) -> None:
    """Check a World: action spec, seeded replay of reset/observe/step, purity of observe and
    step, the replicate axis of state, observation and outcome, and that no observation
    carries a hidden truth key. ``policy`` drives it (default: ``UniformActions``)."""
    wn, S = _name(world), replicates
    policy = policy or UniformActions()
    spec = world.action_spec()
    if not isinstance(spec, ActionSpec) or spec.n_arms < 1:
        raise ContractError(wn, "action_spec", "returns an ActionSpec with n_arms >= 1",
                            repr(spec))
    public = tuple(getattr(world, "public_truth", ()))
    s0 = world.reset(S, loop_streams(Rows.of(seed, S)).instance)
    s1 = world.reset(S, loop_streams(Rows.of(seed, S)).instance)
    _replay([s0], [s1], wn, "reset")
    _require_replicate_axis(s0, S, wn, "reset", "state")

    streams = loop_streams(Rows.of(seed, S))
    w_rng, p_rng = streams.world, streams.policy
    pstate = policy.init(spec, S, p_rng)
    state = s0
    trace: list[Any] = []
    for _ in range(rounds):
        before = copy.deepcopy(state)
        obs = world.observe(state, w_rng)
        _unchanged(before, state, wn, "observe", "state")
        if not isinstance(obs, Observation):
            raise ContractError(wn, "observe", "returns an Observation", type(obs).__name__)
        _require_replicate_axis(obs.data, S, wn, "observe", "observation")
        action = policy.act(pstate, obs, p_rng)
        snap = copy.deepcopy((state, action, obs))
        new_state, outcome = world.step(state, action, obs, w_rng)
        _unchanged(snap[0], state, wn, "step", "state")
        _unchanged(snap[1], action, wn, "step", "action")
        _unchanged(snap[2], obs, wn, "step", "observation")
        if not isinstance(outcome, Outcome):
            raise ContractError(wn, "step", "returns an Outcome", type(outcome).__name__)
        _require_replicate_axis(new_state, S, wn, "step", "state")
        _require_replicate_axis(outcome.reward, S, wn, "step", "reward")
        _require_replicate_axis(outcome.truth, S, wn, "step", "truth")
        _check_hidden_truth(wn, obs, outcome, public)
        pstate = policy.update(pstate, _full_feedback(action, outcome, S))
        trace.append((obs, action, outcome, new_state))
        state = new_state

    streams = loop_streams(Rows.of(seed, S))
    w_rng, p_rng = streams.world, streams.policy
    pstate = policy.init(spec, S, p_rng)
    state = world.reset(S, streams.instance)
    again: list[Any] = []
    for _ in range(rounds):
        obs = world.observe(state, w_rng)
        action = policy.act(pstate, obs, p_rng)
        new_state, outcome = world.step(state, action, obs, w_rng)
        pstate = policy.update(pstate, _full_feedback(action, outcome, S))
        again.append((obs, action, outcome, new_state))
        state = new_state
    _replay(trace, again, wn, "observe/step")


def _full_feedback(action: Action, outcome: Outcome, S: int) -> Feedback:
    return Feedback(action.arm, action.propensity, outcome.reward, np.ones(S, dtype=bool),
                    dict(outcome.truth))


def _check_hidden_truth(wn: str, obs: Observation, outcome: Outcome, public: tuple[str, ...]
                        ) -> None:
    for key in set(obs.data) & set(outcome.truth):
        if key not in public:
            raise ContractError(
                wn, "observe", "observation carries no hidden truth key",
                f"observation key {key!r} is also a key of Outcome.truth; rename it, or list "
                f"it in the world's public_truth if the truth only echoes the observation",
            )
        d = difference(np.asarray(obs[key]), np.asarray(outcome.truth[key]))
        if d is not None:
            raise ContractError(wn, "step", "public truth echoes the observation",
                                f"truth key {key!r} differs from the observation: {d}")


def check_policy(
    policy: Policy, world: World, channel: FeedbackChannel | None = None, *,
    replicates: int = 3, rounds: int = 4, seed: int = 0,
) -> None:
    """Check a Policy on ``world`` (fed through ``channel``, default ``BanditFeedback()``,
    which forwards no signals): seeded replay of init/act/update, that act and update
    leave the policy state, observation and feedback unchanged, the replicate axis of the
    state and the action, and propensities in (0, 1]."""
    pn, S = _name(policy), replicates
    channel = channel or BanditFeedback()
    streams = loop_streams(Rows.of(seed, S))
    w_rng, p_rng, c_rng = streams.world, streams.policy, streams.channel
    state = world.reset(S, streams.instance)
    pstate = policy.init(world.action_spec(), S, p_rng)
    _require_replicate_axis(pstate, S, pn, "init", "policy state")
    cstate = channel.init(world.action_spec(), S, c_rng)
    trace: list[Any] = []
    for _ in range(rounds):
        obs = world.observe(state, w_rng)
        snap = copy.deepcopy((pstate, obs))
        action = policy.act(pstate, obs, p_rng)
        _unchanged(snap[0], pstate, pn, "act", "policy state")
        _unchanged(snap[1], obs, pn, "act", "observation")
        if not isinstance(action, Action):
            raise ContractError(pn, "act", "returns an Action", type(action).__name__)
        _require_replicate_axis(action, S, pn, "act", "action")
        _check_propensity(action, pn, "act")
        state, outcome = world.step(state, action, obs, w_rng)
        cstate, fb = channel.transmit(cstate, action, outcome, c_rng)
        usnap = copy.deepcopy((pstate, fb))
        new_pstate = policy.update(pstate, fb)
        _unchanged(usnap[0], pstate, pn, "update", "policy state")
        _unchanged(usnap[1], fb, pn, "update", "feedback")
        _require_replicate_axis(new_pstate, S, pn, "update", "policy state")
        trace.append((action, new_pstate))
        pstate = new_pstate
    rounds_again, states = _rollout(world, policy, channel, S, rounds, seed)
    _replay(trace, [(r.action, s[1]) for r, s in zip(rounds_again, states[1:], strict=True)],
            pn, "act/update")


def check_channel(
    channel: FeedbackChannel, world: World, policy: Policy | None = None, *,
    replicates: int = 3, rounds: int = 4, seed: int = 0,
) -> None:
    """Check a FeedbackChannel on ``world`` driven by ``policy`` (default ``UniformActions``):
    its ``signals`` are truth keys the world produces, seeded replay, that transmit leaves
    the channel state, action and outcome unchanged, the replicate axis of the state and
    the feedback (``mask`` is (S,) bool), and propensities in (0, 1]."""
    cn, S = _name(channel), replicates
    policy = policy or UniformActions()
    streams = loop_streams(Rows.of(seed, S))
    w_rng, p_rng, c_rng = streams.world, streams.policy, streams.channel
    state = world.reset(S, streams.instance)
    pstate = policy.init(world.action_spec(), S, p_rng)
    cstate = channel.init(world.action_spec(), S, c_rng)
    trace: list[Any] = []
    for _ in range(rounds):
        obs = world.observe(state, w_rng)
        action = policy.act(pstate, obs, p_rng)
        state, outcome = world.step(state, action, obs, w_rng)
        missing = [k for k in getattr(channel, "signals", ()) if k not in outcome.truth]
        if missing:
            raise ContractError(cn, "transmit", "its signals are produced by the world",
                                f"{_name(world)} has no truth key(s) {missing}")
        snap = copy.deepcopy((cstate, action, outcome))
        new_cstate, fb = channel.transmit(cstate, action, outcome, c_rng)
        _unchanged(snap[0], cstate, cn, "transmit", "channel state")
        _unchanged(snap[1], action, cn, "transmit", "action")
        _unchanged(snap[2], outcome, cn, "transmit", "outcome")
        if not isinstance(fb, Feedback):
            raise ContractError(cn, "transmit", "returns a Feedback", type(fb).__name__)
        _require_replicate_axis(fb, S, cn, "transmit", "feedback")
        _require_replicate_axis(new_cstate, S, cn, "transmit", "channel state")
        mask = np.asarray(fb.mask)
        if mask.shape != (S,) or mask.dtype != bool:
            raise ContractError(cn, "transmit", "mask is (S,) bool",
                                f"got {mask.dtype}{mask.shape}")
        _check_propensity(fb, cn, "transmit")
        pstate = policy.update(pstate, fb)
        trace.append((fb, new_cstate))
        cstate = new_cstate
    rounds_again, states = _rollout(world, policy, channel, S, rounds, seed)
    _replay(trace, [(r.feedback, s[2]) for r, s in zip(rounds_again, states[1:], strict=True)],
            cn, "transmit")


class _ReadLog(Mapping[str, Any]):
    """A read-only view of ``Outcome.truth`` that records which keys were read."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data: Mapping[str, Any] = data
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def check_monitor(
    monitor: Monitor, world: World, policy: Policy | None = None,
    channel: FeedbackChannel | None = None, *, replicates: int = 3, rounds: int = 4,
    seed: int = 0,
) -> None:
    """Check a Monitor on ``world`` driven by ``policy`` (default ``UniformActions``) through
    ``channel``: the truth keys it ``needs`` are produced and it reads no other, it emits
    exactly its ``names`` as (S,) series, leaves its inputs unchanged, and after ``reset``
    replays the same series from the same inputs."""
    mn, S = _name(monitor), replicates
    policy = policy or UniformActions()
    channel = channel or BanditFeedback()
    needs = tuple(getattr(monitor, "needs", ()))
    rounds_, _ = _rollout(world, policy, channel, S, rounds, seed)
    produced = set(rounds_[0].outcome.truth)
    missing = [k for k in needs if k not in produced]
    if missing:
        raise ContractError(mn, "needs", "needed truth keys are produced",
                            f"{_name(world)} produces no truth key(s) {missing}")
    series = []
    for _ in range(2):  # the second pass checks replay after reset
        monitor.reset(S)
        out = []
        for r in rounds_:
            view = _ReadLog(r.outcome.truth)
            outcome = Outcome(r.outcome.reward, view)
            snap = copy.deepcopy((r.obs, r.action, r.outcome, r.feedback))
            values = dict(monitor(r.obs, r.action, outcome, r.feedback))
            for what, b, a in zip(("observation", "action", "outcome", "feedback"), snap,
                                  (r.obs, r.action, r.outcome, r.feedback), strict=True):
                _unchanged(b, a, mn, "__call__", what)
            undeclared = sorted(view.read - set(needs))
            if undeclared:
                raise ContractError(mn, "__call__", "reads only the truth keys it needs",
                                    f"read {undeclared}, needs = {needs}")
            if set(values) != set(monitor.names):
                raise ContractError(mn, "__call__", "emits exactly its names",
                                    f"emitted {sorted(values)}, names = {list(monitor.names)}")
            for k, v in values.items():
                if np.shape(v) != (S,):
                    raise ContractError(mn, "__call__", "one value per replicate",
                                        f"{k!r} has shape {np.shape(v)}, expected ({S},)")
            out.append({k: np.array(v, dtype=np.float64) for k, v in values.items()})
        series.append(out)
    _replay(series[0], series[1], mn, "reset/__call__")


# -- replicate invariance -------------------------------------------------------------------
def _row_slice(tree: Any, S: int, rows: slice) -> list[tuple[str, np.ndarray]]:
    """Every array of ``tree`` with a leading replicate axis, cut to ``rows``."""
    return [(path, arr[rows]) for path, arr in arrays(tree) if arr.ndim and arr.shape[0] == S]


def _compare_rows(
    name: str, what: str, big: list[_Round], S: int, cut: slice, small: list[_Round], s: int,
    small_cut: slice,
) -> None:
    for t, (a, b) in enumerate(zip(big, small, strict=True)):
        for part in ("obs", "action", "outcome", "feedback"):
            xa = _row_slice(getattr(a, part), S, cut)
            xb = _row_slice(getattr(b, part), s, small_cut)
            d = difference(xa, xb)
            if d is not None:
                raise ContractError(
                    name, "run", "replicate invariance",
                    f"round {t}: the {part} of replicates {cut.start}..{cut.stop - 1} differ "
                    f"when run {what}: {d}")


def check_replicate_invariance(
    world: World, policy: Policy | None = None, channel: FeedbackChannel | None = None, *,
    rounds: int = 3, seed: int = 0,
) -> None:
    """Check that replicate i's trajectory (observation, action, outcome, feedback) does not
    depend on the batch it runs in: the same at S=7, S=1 and S=2, in the replicate range
    3..6 run alone (a shard), and inside a batch packing another seed's replicates first."""
    policy = policy or UniformActions()
    channel = channel or BanditFeedback()
    name = f"{_name(world)} + {_name(policy)}"
    S = 7
    full, _ = _rollout(world, policy, channel, S, rounds, seed)
    cases = [
        ("alone (S=1)", Rows.of(seed, 1), slice(0, 1), slice(0, 1)),
        ("at S=2", Rows.of(seed, 2), slice(0, 2), slice(0, 2)),
        ("as the shard 3..6", Rows.of(seed, 4, start=3), slice(3, 7), slice(0, 4)),
        ("packed after another seed's replicates", Rows.pack([seed + 1, seed], 2),
         slice(0, 2), slice(2, 4)),
    ]
    for what, rows, cut, small_cut in cases:
        small, _ = _rollout(world, policy, channel, len(rows), rounds, seed, rows=rows)
        _compare_rows(name, what, full, S, cut, small, len(rows), small_cut)


def check_family_rows(family: Any, cfg: Any) -> None:
    """Check a family that declares ``replicate_rows``: its long table for replicates 0..3
    of ``cfg.seed`` equals, row for row, the tables of the same replicates run as two shards
    (0..1 and 2..3), and packed after another seed's replicates; and that seed's rows of the
    pack equal that seed run alone."""
    import pandas as pd

    if not getattr(family, "replicate_rows", False):
        raise ContractError(family.name, "run", "replicate rows",
                            f"the family does not declare replicate_rows: "
                            f"{family.not_invariant}")
    R, seed, other = 4, cfg.seed, cfg.seed + 1
    cfg = cfg.model_copy(update={"replicates": R})
    def canon(frame: pd.DataFrame) -> pd.DataFrame:
        cols = [c for c in ("policy", "arm", "panel", "round", "replicate") if c in frame]
        return frame.sort_values(cols, kind="stable").reset_index(drop=True)

    base = canon(family.run(cfg, None, rows=Rows.of(seed, R)))
    alone_other = canon(family.run(cfg.model_copy(update={"seed": other}), None,
                                   rows=Rows.of(other, R)))
    shards = pd.concat([family.run(cfg, None, rows=Rows.of(seed, 2)),
                        family.run(cfg, None, rows=Rows.of(seed, 2, start=2))],
                       ignore_index=True)
    packed = family.run(cfg, None, rows=Rows.pack([other, seed], R))
    cases = (
        ("as two shards", base, shards),
        ("packed after another seed", base,
         packed[packed["seed"] == seed].drop(columns="seed")),
        ("packed before the run's own seed", alone_other,
         packed[packed["seed"] == other].drop(columns="seed")),
    )
    for what, want, got in cases:
        got = canon(got)[list(want.columns)]
        try:
            pd.testing.assert_frame_equal(want, got, check_exact=True)
        except AssertionError as exc:
            first = str(exc).strip().splitlines()
            raise ContractError(family.name, "run", "replicate rows",
                                f"replicates 0..{R - 1} differ when run {what}: "
                                f"{' '.join(first[:3])}") from None
