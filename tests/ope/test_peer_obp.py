"""looplab's IPS, SNIPS, DM and DR against Open Bandit Pipeline's (obp 0.4.1) on the same
arrays and the same reward matrix: the OBD random log with BTS as the evaluation policy
(position-aware, as in obp's own example), and a simulated log. obp is imported here only.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from looplab.data.obd import load_obd
from looplab.ope import direct_method, doubly_robust, fit_outcome_model, ips, snips
from looplab.ope.obd_eval import bts_distribution
from tests.ope.test_coverage import simulated_log

pytestmark = [
    pytest.mark.peer,
    pytest.mark.skipif(importlib.util.find_spec("obp") is None,
                       reason="pip install --no-deps obp==0.4.1"),
]


def _obp_values(reward, action, pscore, position, action_dist, q3) -> dict[str, float]:
    from obp.ope import (
        DirectMethod,
        DoublyRobust,
        InverseProbabilityWeighting,
        SelfNormalizedInverseProbabilityWeighting,
    )

    kw = {"reward": reward, "action": action, "position": position, "action_dist": action_dist}
    return {
        "ips": InverseProbabilityWeighting().estimate_policy_value(pscore=pscore, **kw),
        "snips": SelfNormalizedInverseProbabilityWeighting().estimate_policy_value(
            pscore=pscore, **kw),
        "dm": DirectMethod().estimate_policy_value(
            action_dist=action_dist, position=position, estimated_rewards_by_reg_model=q3),
        "dr": DoublyRobust().estimate_policy_value(
            pscore=pscore, estimated_rewards_by_reg_model=q3, **kw),
    }


def _compare(log, target, q, position, action_dist, q3) -> None:
    ours = {"ips": ips(log, target).estimate, "snips": snips(log, target).estimate,
            "dm": direct_method(log, target, q).estimate,
            "dr": doubly_robust(log, target, q).estimate}
    theirs = _obp_values(log.reward, log.action, log.propensity, position, action_dist, q3)
    for name in ours:
        assert ours[name] == pytest.approx(theirs[name], rel=1e-12, abs=1e-15), name


def test_same_values_as_obp_on_the_obd_random_log_with_bts_as_target():
    rnd, bts = load_obd("random", "all"), load_obd("bts", "all")
    dist = bts_distribution("all", "prior", bts, n_sim=20_000)  # (K, 3)
    n = len(rnd.log)
    action_dist = np.broadcast_to(dist, (n, *dist.shape)).copy()  # obp: (n, K, len_list)
    target = dist[:, rnd.position].T  # looplab: (n, K) at each row's position
    model = fit_outcome_model(rnd.log)
    q3 = np.repeat(model.q[:, :, None], 3, axis=2)  # the same reward matrix at every slot
    _compare(rnd.log, target, model, rnd.position, action_dist, q3)


def test_same_values_as_obp_on_a_simulated_log():
    log, target, _ = simulated_log(5000, 11, "logistic")
    q = fit_outcome_model(log).q
    _compare(log, target, q, np.zeros(len(log), dtype=int), target[:, :, None], q[:, :, None])
