"""Worlds: environments whose state moves with the learner's decisions."""
