"""Convex liftings Θ ↦ A(Θ) behind the landscape theorems (exact, sympy).

* :mod:`sublevel.theory.liftings.multilinear` — the product map (W_1..W_K) ↦ W_K⋯W_1;
* :mod:`sublevel.theory.liftings.quadratic` — ρ(z) = z², Σ_k u_k w_k w_kᵀ ∈ Sym(n), degree-2^k forms;
* :mod:`sublevel.theory.liftings.feature_map` — ρ(⟨w, x⟩) = ⟨A(w), Ψ(x)⟩ and the intrinsic dimension.

The submodules keep their names (``sublevel.theory.liftings.feature_map.feature_map`` is the function).
"""

from sublevel.theory.liftings.feature_map import (
    FeatureMap,
    empirical_intrinsic_dimension,
    intrinsic_dimension,
    intrinsic_dimension_closed_form,
    parse_activation,
)
from sublevel.theory.liftings.multilinear import (
    lifted_square_loss,
    lifted_square_loss_hessian,
    product_map,
    prove_hessian_is_kronecker,
    prove_invariance,
)
from sublevel.theory.liftings.quadratic import (
    lifted_dimension,
    lifted_parameter,
    quadratic_network_output,
)

__all__ = [
    "FeatureMap",
    "empirical_intrinsic_dimension",
    "intrinsic_dimension",
    "intrinsic_dimension_closed_form",
    "parse_activation",
    "lifted_square_loss",
    "lifted_square_loss_hessian",
    "product_map",
    "prove_hessian_is_kronecker",
    "prove_invariance",
    "lifted_dimension",
    "lifted_parameter",
    "quadratic_network_output",
]
