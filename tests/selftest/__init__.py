"""Tests of the self-test: the variant catalogue, each variant's bug, the kill-rate logic."""
