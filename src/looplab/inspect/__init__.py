"""Look inside a small language model for bias (white-box audits on SmolLM2-135M, CPU).

Experiments (each one file named for its paper, each returning per-seed rows and claim
verdicts decided with ``looplab.experiments.claims`` rules):

- ``steering``: probes per layer and difference-of-means steering (arXiv 2508.09019).
- ``biaslens``: concept activation vectors and a representational bias score (arXiv 2505.15524).
- ``negative_bias``: "no" too often in yes/no questions, by known / unknown (arXiv 2511.10881).
- ``cab``: adaptive bias-eliciting question search (arXiv 2510.12857).
- ``after_prompting``: intrinsic vs prompted bias correlation (arXiv 2509.08146).
- ``edge``: int8 dynamic-quantised copy vs fp32 and the detector-driven steering loop
  (arXiv 2502.11349).

``looplab.inspect.cli.main(argv)`` runs them from the command line (``inspect-model``).
Everything here imports torch lazily.
"""
