"""Checks, before any fixture is written, that the stand-in and the dense formula agree with PEFT."""

from __future__ import annotations

import torch
from peft import BOFTConfig, get_peft_model
from peft.tuners.boft.layer import BOFTLayer, FastBlockDiag

import boft_reference as ref

TOL_F64 = 1e-12


def _check_perms() -> None:
    # The worked example of shared/reference/peft-boft-semantics.md (d = 16, b = 2).
    assert ref.butterfly_perm(16, 8, 2, 4, 0) == list(range(16))
    assert ref.butterfly_perm(16, 8, 2, 4, 1)[:8] == [0, 2, 1, 3, 4, 6, 5, 7]
    assert ref.butterfly_perm(16, 8, 2, 4, 2)[:8] == [0, 2, 4, 6, 1, 3, 5, 7]
    assert ref.butterfly_perm(16, 8, 2, 4, 3) == list(range(0, 16, 2)) + list(range(1, 16, 2))


def _check_stand_in_grad() -> None:
    ref.use_stand_in()
    blocks = torch.randn(3, 4, 2, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(FastBlockDiag.apply, (blocks,))
    dense = torch.stack([torch.block_diag(*f.unbind(0)) for f in blocks.unbind(0)])
    assert torch.equal(FastBlockDiag.apply(blocks), dense)


def _max_abs(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a - b).abs().max().item()


def _check_layer(base: torch.nn.Module, config: dict, x: torch.Tensor) -> None:
    """PEFT (float64, stand-in) against the dense formula: forward, delta weight and gradients."""
    tree = ref.FixtureTree()
    tree.add("layer", base)
    pm = get_peft_model(tree, BOFTConfig(target_modules=["layer"], **config)).double()
    mod = pm.base_model.model.layer
    assert isinstance(mod, BOFTLayer)
    r, s = mod.boft_R["default"], mod.boft_s["default"]
    with torch.no_grad():
        r.copy_(0.3 * torch.randn(r.shape, dtype=torch.float64))
        s.copy_(1 + 0.1 * torch.randn(s.shape, dtype=torch.float64))
    assert r.shape[0] == config.get("boft_n_butterfly_factor", 1), "stand-in not in effect: PEFT forced m"
    w = mod.get_base_layer().weight
    rot, _ = mod.get_delta_weight("default")
    assert _max_abs(rot, ref.rotation(r)) < TOL_F64
    y = mod(x)
    w2 = ref.adapted_weight(w.reshape(w.shape[0], -1), [(r, s.reshape(-1))]).reshape(w.shape)
    y_dense = ref.layer_apply(mod.get_base_layer(), w2, mod.get_base_layer().bias, x)
    assert _max_abs(y, y_dense) < TOL_F64, _max_abs(y, y_dense)
    g_peft = torch.autograd.grad(y.sum(), [r, s])
    g_dense = torch.autograd.grad(y_dense.sum(), [r, s])
    for a, b in zip(g_peft, g_dense):
        assert _max_abs(a, b) < 1e-10, _max_abs(a, b)


def self_test() -> None:
    torch.manual_seed(0)
    _check_perms()
    _check_stand_in_grad()
    ref.use_stand_in()
    f64 = torch.float64
    for d, bs, bn, m in [(16, 4, 0, 1), (16, 4, 0, 2), (32, 0, 8, 3), (16, 2, 0, 4), (24, 0, 4, 2), (48, 6, 0, 3)]:
        cfg = {"boft_block_size": bs, "boft_block_num": bn, "boft_n_butterfly_factor": m}
        _check_layer(torch.nn.Linear(d, 7), cfg, torch.randn(3, 5, d, dtype=f64))
    _check_layer(torch.nn.Conv2d(16, 5, 3, padding=1), {"boft_block_size": 4, "boft_n_butterfly_factor": 3},
                 torch.randn(2, 16, 6, 5, dtype=f64))
    print("self-test: stand-in and dense formula agree with PEFT (float64, max error < 1e-12)")
