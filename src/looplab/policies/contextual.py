"""What every contextual-bandit policy shares: a regression oracle, the retraining schedule
(online, or at generation boundaries on a sliding window of logs), the remedies, and
sampling an available action with its logged propensity.

A subclass supplies only its exploration rule: ``index`` (deterministic policies: play the
available action with the highest index) or ``probabilities`` (randomized policies: a
distribution over the available actions). Everything is batched over replicates S and the
N decisions of a round.

Schedules:
- online (``Retraining(online=True)``): the oracle folds in every revealed decision as it
  arrives (Sherman-Morrison for the ridge oracle).
- generations (``online=False``): revealed logs are buffered; every ``every`` rounds the
  oracle is refit from scratch on the last ``window`` rounds of revealed logs (short-term
  memory). Before the first refit the policy explores uniformly (generation 0's logs are
  uniform-exploration logs, as in the Adyen paper's set-up).

``update`` returns a new state and leaves the one it was given unchanged (the loop's purity
contract, checked by ``core.check``): the ridge oracle copies its statistics before the
rank-one updates, and the log buffers are copied before a batch is appended.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Any, ClassVar

import numpy as np
from pydantic import Field, model_validator

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.core.types import Action, ActionSpec, Feedback, Observation
from looplab.policies.regression_oracles import BoostedOracle, RidgeOracle
from looplab.remedies.exploration import mix_uniform, uniform_probs
from looplab.remedies.training_set import LogBatch, TrainingRemedies, build_training_set


class Retraining(Params):
    """When the oracle learns: every revealed decision (online) or at generation boundaries
    every ``every`` rounds from the last ``window`` rounds of revealed logs."""

    online: bool = True
    every: int = Field(1, ge=1, description="rounds between refits")
    window: int = Field(1, ge=1, description="rounds of revealed logs in the training set")


@dataclass(frozen=True)
class CBState:
    """Oracle state, counters and the log buffers of a batch-retrained policy."""

    oracle: Any
    n_actions: int
    fitted: bool
    t: int = 0  # rounds of feedback processed
    n_learned: np.ndarray | int = 0  # (S,) decisions each replicate learned from (VW's counter)
    window: tuple[LogBatch, ...] = ()  # the last ``window`` rounds of revealed logs
    older: tuple[LogBatch, ...] = ()  # rounds before the window (for the mixing remedy)


def masked_argmax(scores: np.ndarray, avail: np.ndarray) -> np.ndarray:
    """(S, N) index of the highest score among available actions (lowest index on ties)."""
    return np.where(avail, scores, -np.inf).argmax(axis=-1)


def one_hot(arm: np.ndarray, K: int) -> np.ndarray:
    """(..., K) one-hot rows for integer actions."""
    return (arm[..., None] == np.arange(K)).astype(np.float64)


def sample_actions(
    probs: np.ndarray, avail: np.ndarray, rng: Stream
) -> tuple[np.ndarray, np.ndarray]:
    """Draw one action per row of ``probs`` (S, N, K) by inverse CDF; returns the actions
    and their probabilities (the propensities to log)."""
    cdf = np.cumsum(probs, axis=-1)
    u = rng.random(probs.shape[:-1])[..., None] * cdf[..., -1:]
    arm = np.minimum((u >= cdf).sum(axis=-1), probs.shape[-1] - 1)
    # guard against round-off landing on a zero-probability (e.g. unavailable) action
    prop = np.take_along_axis(probs, arm[..., None], axis=-1)[..., 0]
    bad = prop <= 0
    if bad.any():
        fallback = masked_argmax(probs, avail)
        arm = np.where(bad, fallback, arm)
        prop = np.take_along_axis(probs, arm[..., None], axis=-1)[..., 0]
    return arm, prop


OracleParams = Annotated[RidgeOracle | BoostedOracle, Field(discriminator="type")]


class ContextualPolicy(Params):
    """Base of the contextual policies; see the module docstring."""

    oracle: OracleParams = RidgeOracle()
    retraining: Retraining = Retraining()
    remedies: TrainingRemedies = TrainingRemedies()
    name: str = "contextual"

    deterministic: ClassVar[bool] = False
    needs_variance: ClassVar[bool] = False

    @model_validator(mode="after")
    def _oracle_fits(self) -> ContextualPolicy:
        if self.needs_variance and not self.oracle.has_variance:
            raise ValueError(
                f"policy {self.name!r} needs a posterior variance: use the linear oracle, "
                f"not {type(self.oracle).__name__}"
            )
        if self.retraining.online and not hasattr(self.oracle, "update"):
            raise ValueError(
                f"the {self.oracle.type} oracle retrains only at generation boundaries: "
                "set retrain.online = false or use the linear oracle"
            )
        return self

    # -- the exploration rule (subclasses) -------------------------------------------------
    def index(self, st: CBState, X: np.ndarray) -> np.ndarray:
        """(S, N, K) scores whose available argmax a deterministic policy plays."""
        raise NotImplementedError

    def probabilities(
        self, st: CBState, X: np.ndarray, avail: np.ndarray, rng: Stream
    ) -> np.ndarray:
        """(S, N, K) action distribution (zero on unavailable actions)."""
        return one_hot(masked_argmax(self.index(st, X), avail), avail.shape[-1])

    def greedy_probabilities(self, st: CBState, X: np.ndarray, avail: np.ndarray) -> np.ndarray:
        """(S, N, K) the oracle's greedy policy (the ERM model deployed without exploration),
        e.g. as the target policy of an off-policy evaluation."""
        return one_hot(masked_argmax(self.oracle.predict(st.oracle, X), avail), avail.shape[-1])

    # -- Policy protocol -----------------------------------------------------------------------
    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> CBState:
        if spec.n_features < 1:
            raise ValueError(f"{self.name} needs a contextual world (n_features >= 1)")
        st = self.oracle.init(replicates, spec.n_arms, spec.n_features)
        return CBState(st, spec.n_arms, fitted=self.retraining.online,
                       n_learned=np.zeros(replicates, dtype=np.int64))

    def act(self, st: CBState, obs: Observation, rng: Stream) -> Action:
        X, avail = obs["features"], obs["avail"]
        share = self.remedies.uniform_slice
        if not st.fitted:
            probs = uniform_probs(avail)
        elif self.deterministic and share == 0.0:
            arm = masked_argmax(self.index(st, X), avail)
            return Action(arm=arm, propensity=np.ones(arm.shape))
        else:
            probs = mix_uniform(self.probabilities(st, X, avail, rng), avail, share)
        arm, prop = sample_actions(probs, avail, rng)
        return Action(arm=arm, propensity=prop)

    def update(self, st: CBState, fb: Feedback) -> CBState:
        rt = self.retraining
        oracle, n_learned, fitted = st.oracle, st.n_learned, st.fitted
        window, older = st.window, st.older
        if fb.mask.any():
            X = fb.signals["features"]
            # per replicate: a batch-wide count would make one replicate's gamma depend on
            # which replicates share its batch (replay keeps different events per replicate)
            n_learned = n_learned + fb.mask.astype(np.int64) * X.shape[1]
            if rt.online:
                # _oracle_fits rejects online retraining for an oracle without ``update``
                assert isinstance(self.oracle, RidgeOracle)
                oracle = self.oracle.update(oracle, X, fb.arm, fb.reward, fb.mask)
            else:
                batch = LogBatch(X, fb.signals["avail"], fb.arm, fb.propensity, fb.reward,
                                 fb.mask)
                window = (*window, batch)
                if len(window) > rt.window:
                    cut = len(window) - rt.window
                    older = (*older, *window[:cut])
                    window = window[cut:]
                    keep = self.remedies.older_rounds
                    older = older[-keep:] if keep else ()
        t = st.t + 1
        if not rt.online and t % rt.every == 0 and window:
            X, arm, reward, w = build_training_set(window, older, self.remedies)
            oracle = self.oracle.fit(oracle, X, arm, reward, w)
            fitted = True
        return replace(st, oracle=oracle, fitted=fitted, t=t, n_learned=n_learned,
                       window=window, older=older)
