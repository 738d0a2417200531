"""Benchmarks: Chronicle against a plain baseline, measured in the same run, as ratios."""
