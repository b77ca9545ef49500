"""Benchmarks: data generators and scripts that print figures (ratios measured in one run).

Each module is run as `python -m benchmarks.<name>`; README.md lists the figures.
"""
