"""The stitching dataset never joins the two rooms in one trajectory; TD plans through
dataset transitions only; runs are deterministic."""

from __future__ import annotations

import numpy as np

from looplab.families.stitching import FAMILY
from looplab.policies.gc_td import GoalTD
from looplab.worlds.stitching import StitchConfig, StitchGrid


def test_no_trajectory_joins_the_left_and_right_rooms():
    grid = StitchGrid(StitchConfig(trajectories=30))
    data = grid.dataset(np.random.default_rng(0))
    for j in range(data.starts.size):
        cells = np.concatenate([data.s[data.starts[j]:data.ends[j]],
                                data.s2[data.starts[j]:data.ends[j]]])
        assert not (np.isin(cells, grid.left).any() and np.isin(cells, grid.right).any())
    assert not grid.wall[data.s2].any()  # nobody walks through the wall


def test_td_stitches_through_the_door_and_gives_up_where_data_has_no_actions():
    grid = StitchGrid(StitchConfig(width=5, trajectories=40, noise=0.0, test_pairs=20))
    rng = np.random.default_rng(1)
    data = grid.dataset(rng)
    td = GoalTD()
    model = td.fit(grid, data, rng)
    assert grid.success(td.policy(model, grid), grid.test_pairs(rng)) == 1.0
    unseen = np.setdiff1d(np.arange(grid.n_states), data.s)
    assert np.isneginf(model["Q"][unseen]).all()


def test_same_seed_same_table():
    cfg = FAMILY.scenario(name="t", replicates=1, seed=2,
                          world=StitchConfig(width=5, trajectories=20, test_pairs=20),
                          policies={"td": {"type": "td"},
                                    "aug": {"type": "gcbc", "augment_prob": 0.5,
                                            "max_iter": 20}})
    a, b = FAMILY.run(cfg, None), FAMILY.run(cfg, None)
    assert a.equals(b)
