"""The Open Bandit Dataset (OBD) small sample, read by path out of the ``obp==0.4.1`` wheel.

Saito, Aihara, Matsutani & Narita, "Open Bandit Dataset and Pipeline: Towards Realistic and
Reproducible Off-Policy Evaluation", NeurIPS 2021 Datasets and Benchmarks (CC BY 4.0).
ZOZOTOWN fashion recommendations logged by two policies running at the same time --
uniform ``random`` and Bernoulli Thompson sampling ``bts`` -- on three campaigns (``all``:
80 items, ``men``: 34, ``women``: 46). Each campaign file holds 10,000 rows; a row is one
item shown at one of 3 positions, with the click and the logging policy's probability of
showing that item at that position (``propensity_score``).

The package is never imported (``import obp`` pulls in torch and old pins): the files are
located with ``importlib.util.find_spec``, which does not execute the package. Rows are
sorted by timestamp and positions mapped 1, 2, 3 -> 0, 1, 2, as obp's ``OpenBanditDataset``
does; the user context is obp's default feature engineering (one-hot of the four hashed
user features, first level dropped), optionally with the 3 position indicators (first
dropped) so a reward model can learn the position effect.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from looplab.data.fairness import DataMissingError
from looplab.ope.log import BanditLog

INSTALL_HINT = "pip install --no-deps obp==0.4.1"
BEHAVIORS = ("random", "bts")
CAMPAIGNS = ("all", "men", "women")


def obp_root() -> Path:
    """The installed obp package folder (not imported); a one-line error if missing."""
    spec = importlib.util.find_spec("obp")
    if spec is None or not spec.submodule_search_locations:
        raise DataMissingError(
            f"the Open Bandit Dataset needs the obp wheel; install it with: {INSTALL_HINT}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _file(*parts: str) -> Path:
    path = obp_root().joinpath(*parts)
    if not path.exists():
        raise DataMissingError(f"{path} is missing; reinstall it with: {INSTALL_HINT}")
    return path


def _check(behavior: str, campaign: str) -> None:
    if behavior not in BEHAVIORS:
        raise ValueError(f"behavior must be one of {', '.join(BEHAVIORS)}; got {behavior!r}")
    if campaign not in CAMPAIGNS:
        raise ValueError(f"campaign must be one of {', '.join(CAMPAIGNS)}; got {campaign!r}")


@dataclass(frozen=True)
class OBDLog:
    """One OBD file as looplab logged feedback plus what the log format has no slot for.

    ``log``: action = item id, propensity = the logging policy's probability of that item
    at that position, reward = click, context = user one-hot (+ position one-hot).
    ``position`` (n,) in 0..n_positions-1; ``affinity`` (n, K) the user-item affinity
    columns; ``item_context`` the item feature table.
    """

    behavior: str
    campaign: str
    log: BanditLog
    position: np.ndarray
    n_positions: int
    user_features: np.ndarray
    affinity: np.ndarray
    item_context: pd.DataFrame

    @property
    def n_items(self) -> int:
        return self.log.n_actions

    def click_rate(self) -> tuple[float, float]:
        """The logging policy's on-policy click rate and its standard error."""
        r = self.log.reward
        return float(r.mean()), float(r.std(ddof=1) / np.sqrt(r.shape[0]))


def load_obd(
    behavior: str = "random", campaign: str = "all", position_context: bool = True
) -> OBDLog:
    """Read ``obp/dataset/obd/<behavior>/<campaign>/<campaign>.csv`` and its
    ``item_context.csv`` into an ``OBDLog`` (module docstring)."""
    _check(behavior, campaign)
    folder = ("dataset", "obd", behavior, campaign)
    data = pd.read_csv(_file(*folder, f"{campaign}.csv"), index_col=0)
    items = pd.read_csv(_file(*folder, "item_context.csv"), index_col=0)
    data = data.sort_values("timestamp", kind="stable")
    K = int(items["item_id"].max()) + 1
    positions = np.sort(data["position"].unique())
    position = np.searchsorted(positions, data["position"].to_numpy())
    user_cols = [c for c in data.columns if c.startswith("user_feature")]
    users = pd.get_dummies(data[user_cols], drop_first=True).to_numpy(dtype=np.float64)
    ctx = users
    if position_context:
        ctx = np.hstack([users, (position[:, None] == np.arange(1, len(positions)))
                         .astype(np.float64)])
    aff = data[[f"user-item_affinity_{a}" for a in range(K)]].to_numpy(dtype=np.float64)
    log = BanditLog(
        action=data["item_id"].to_numpy(dtype=np.int64),
        propensity=data["propensity_score"].to_numpy(dtype=np.float64),
        reward=data["click"].to_numpy(dtype=np.float64),
        n_actions=K,
        context=ctx,
    )
    return OBDLog(behavior, campaign, log, position.astype(np.int64), len(positions), users,
                  aff, items)


def bts_prior(campaign: str = "all") -> tuple[np.ndarray, np.ndarray]:
    """The Beta(alpha, beta) parameters per item of the production Bernoulli TS policy at
    the start of the data collection (obp's ``policy/conf/prior_bts.yaml``), parsed here
    (a two-level list of floats) so that no YAML library is needed."""
    _check("bts", campaign)
    text = _file("policy", "conf", "prior_bts.yaml").read_text()
    out: dict[str, dict[str, list[float]]] = {}
    top = key = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        item = line.strip()
        if indent == 0:
            top = item.rstrip(":")
            out[top] = {}
        elif item.startswith("-"):
            out[top][key].append(float(item[1:]))  # type: ignore[index]
        else:
            key = item.rstrip(":")
            out[top][key] = []  # type: ignore[index]
    alpha = np.asarray(out[campaign]["alpha"], dtype=np.float64)
    beta = np.asarray(out[campaign]["beta"], dtype=np.float64)
    return alpha, beta
