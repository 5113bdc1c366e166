"""Benchmarks against peer tools: ``python -m bench [cardsort|a11y|all]`` (see bench/README.md)."""
