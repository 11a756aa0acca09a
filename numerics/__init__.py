"""Floating point: energies, paths, certificates, solvers (float64 by default).

* :mod:`sublevel.numerics.landscape` — the Landscape contract (energy, gradient, batched energies);
* :mod:`sublevel.numerics.paths` — Path pieces and the proofs' constructions;
* :mod:`sublevel.numerics.certify` — E ≤ b along a path: exact | bounded | sampled → Certificate;
* :mod:`sublevel.numerics.energies`, :mod:`sublevel.numerics.geodesic`, :mod:`sublevel.numerics.backends`, :mod:`sublevel.numerics.data`.
"""
