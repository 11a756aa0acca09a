from __future__ import annotations

import math

import pytest
from sublevel.theory.certificate import Certificate, combine


def test_margin_and_roundtrip():
    c = Certificate(True, 1.0, 0.5, 2.0, "exact", tolerances={"absolute": 0.0})
    assert c.margin == 1.0 and c.is_proof
    assert Certificate.from_dict(c.to_dict()) == c


def test_nonfinite_values_survive_json():
    c = Certificate(False, math.inf, 0.3, 1.0, "sampled")
    d = c.to_dict()
    assert d["max_energy"] == "inf"
    back = Certificate.from_dict(d)
    assert back.max_energy == math.inf and not back.is_proof


def test_combine_takes_the_worst_and_the_weakest_method():
    a = Certificate(True, 1.0, 0.1, 2.0, "exact", label="a")
    b = Certificate(True, 1.9, 0.7, 2.0, "sampled", label="b")
    c = combine([a, b])
    assert c.holds and c.method == "sampled" and c.max_energy == 1.9
    assert c.details["worst_piece"] == "b"
    assert not combine([a, Certificate(False, 3.0, 0.2, 2.0, "bounded")]).holds


def test_unknown_method_rejected():
    with pytest.raises(ValueError, match="method"):
        Certificate(True, 0.0, 0.0, 1.0, "guessed")
