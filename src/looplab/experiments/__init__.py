"""Experiments: validated scenario configs, the scenario registry and the result store."""
