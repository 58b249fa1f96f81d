"""Benchmarks: `python -m bench …`. They print ratios against a baseline measured in the
same run; tests never assert on time."""
