"""Floating point: energies, paths, certificates, solvers (float64 by default).

* :mod:`numerics.landscape` — the Landscape contract (energy, gradient, batched energies);
* :mod:`numerics.paths` — Path pieces and the proofs' constructions;
* :mod:`numerics.certify` — E ≤ b along a path: exact | bounded | sampled → Certificate;
* :mod:`numerics.energies`, :mod:`numerics.geodesic`, :mod:`numerics.backends`, :mod:`numerics.data`.
"""
