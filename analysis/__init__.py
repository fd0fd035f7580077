"""Biomechanics from landmark or marker trajectories: pure numpy/scipy, no framework imports."""
