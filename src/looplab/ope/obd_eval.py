"""The "evaluation of OPE" set-up on the Open Bandit Dataset (Saito et al. 2021, section 5):
estimate the Bernoulli-TS policy's click rate from the uniform-random policy's logs and
compare with the click rate BTS itself obtained in its own logs, collected over the same
days on the same campaign (the on-policy value, a ground truth up to sampling error).

Evaluation policy: BTS's probability of showing item a at position k, by Monte Carlo from
the production Beta priors (``policy="prior"``, obp's example; ``policies.bernoulli_ts``).
The production BTS updated its posteriors during the logging period, so its logged
propensities differ from the prior's (the prior's distribution is a proxy for the deployed
policy); ``policy="empirical"`` uses instead the share of BTS-log rows at position k that
show item a, an unbiased estimate of the deployed policy's time-averaged distribution
(it reads the BTS log's actions, not its clicks). Either is context-free, so row i of the
random log gets target probabilities pi(. | k_i) at its position k_i.

Estimators: IPS, SNIPS, DM and DR of ``looplab.ope.estimators``; DM/DR use the cross-fitted
per-action ridge reward model on user one-hot + position one-hot. Relative error
e = V_hat / V_on - 1, with a delta-method interval that adds the estimator's and the
on-policy mean's variances (independent logs):
    se(e)^2 = se(V_hat)^2 / V_on^2 + V_hat^2 se(V_on)^2 / V_on^4
Rows of one impression (its 3 positions) are treated as independent, as obp does.

Run: ``python -m looplab.ope.obd_eval [--n-sim N] [--policy prior|empirical]``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from looplab.data.obd import CAMPAIGNS, OBDLog, bts_prior, load_obd
from looplab.ope.estimators import ESTIMATORS, evaluate_policy, fit_outcome_model
from looplab.policies.bernoulli_ts import bts_position_probabilities

POLICIES = ("prior", "empirical")


def bts_distribution(
    campaign: str, policy: str, bts: OBDLog, n_sim: int = 100_000, seed: int = 0
) -> np.ndarray:
    """(K, n_positions) BTS's probability of each item at each position (module docstring)."""
    if policy == "prior":
        alpha, beta = bts_prior(campaign)
        return bts_position_probabilities(alpha, beta, bts.n_positions, n_sim, seed)
    if policy == "empirical":
        K, L = bts.n_items, bts.n_positions
        counts = np.zeros((K, L))
        np.add.at(counts, (bts.log.action, bts.position), 1.0)
        return counts / counts.sum(axis=0, keepdims=True)
    raise ValueError(f"policy must be one of {', '.join(POLICIES)}; got {policy!r}")


def evaluate_bts_from_random(
    campaigns: Sequence[str] = CAMPAIGNS,
    policy: str = "prior",
    n_sim: int = 100_000,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """One row per (campaign, estimator): the off-policy estimate of BTS's click rate from
    the random logs with its interval, BTS's on-policy click rate and the relative error
    with its interval."""
    z = float(stats.norm.ppf(0.5 + level / 2))
    rows = []
    for c in campaigns:
        rnd, bts = load_obd("random", c), load_obd("bts", c)
        dist = bts_distribution(c, policy, bts, n_sim, seed)
        target = dist[:, rnd.position].T  # (n, K): pi(a | position of row i)
        table = evaluate_policy(rnd.log, target, q=fit_outcome_model(rnd.log, seed=seed),
                                estimators=ESTIMATORS, level=level)
        v_on, se_on = bts.click_rate()
        for r in table.itertuples():
            rel = r.estimate / v_on - 1.0
            se_rel = float(np.sqrt((r.se / v_on) ** 2
                                   + (r.estimate * se_on / v_on**2) ** 2))
            rows.append({
                "campaign": c, "estimator": r.estimator, "estimate": r.estimate,
                "ci_low": r.low, "ci_high": r.high, "on_policy": v_on,
                "on_policy_se": se_on, "rel_error": rel, "rel_ci_low": rel - z * se_rel,
                "rel_ci_high": rel + z * se_rel, "abs_rel_error": abs(rel),
            })
    return pd.DataFrame(rows)


def format_table(frame: pd.DataFrame) -> str:
    """The relative-error table as fixed-width text."""
    lines = [f"{'campaign':8} {'estimator':9} {'estimate':>9} {'95% CI':>19} {'BTS on-policy':>16}"
             f" {'rel. error':>10} {'95% CI':>17}"]
    for r in frame.itertuples():
        lines.append(
            f"{r.campaign:8} {r.estimator:9} {r.estimate:9.5f} [{r.ci_low:8.5f},{r.ci_high:8.5f}]"
            f" {r.on_policy:8.5f}±{r.on_policy_se:.5f} {r.rel_error:+10.3f}"
            f" [{r.rel_ci_low:+7.3f},{r.rel_ci_high:+7.3f}]"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the OBD relative-error table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--campaigns", nargs="+", default=list(CAMPAIGNS), choices=CAMPAIGNS)
    ap.add_argument("--policy", default="prior", choices=POLICIES)
    ap.add_argument("--n-sim", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    frame = evaluate_bts_from_random(args.campaigns, args.policy, args.n_sim, args.seed)
    print(f"BTS click rate estimated from the random logs (evaluation policy: {args.policy})")
    print(format_table(frame))


if __name__ == "__main__":
    main()
