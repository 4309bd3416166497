#!/usr/bin/env python3
"""Writes the golden fixtures under core/testing/fixtures/ from PEFT 0.21 BOFT (see core/tools/README.md).

Run from the repository root:  .venv-ref/bin/python core/tools/make-fixtures.py
Deterministic: fixed seeds, one thread, PYTHONHASHSEED=0 (PEFT turns target lists into sets).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

if __name__ == "__main__" and os.environ.get("PYTHONHASHSEED") != "0":
    os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})

sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

import peft  # noqa: E402
from peft import BOFTConfig, get_peft_model  # noqa: E402
from peft.tuners.boft.layer import BOFTLayer  # noqa: E402
from peft.utils.other import ModulesToSaveWrapper  # noqa: E402

import boft_reference as ref  # noqa: E402
from fixture_cases import CASES, Case, Layer  # noqa: E402
from fixture_selftest import self_test  # noqa: E402
from fixture_safetensors import write_safetensors_sample  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "core" / "testing" / "fixtures"
# fp32 results against the float64 dense formula: relative to the tensor's largest magnitude.
TOL_FP32 = 2e-6
N, T, H, W = 2, 3, 6, 5

torch.set_num_threads(1)
assert peft.__version__ == "0.21.0", peft.__version__
assert torch.__version__.startswith("2.13.0"), torch.__version__


def install_fbd_standin() -> None:
    """For other fixture scripts that load this file: PEFT runs m > 1 through the checked stand-in."""
    ref.use_stand_in()


def build_layer(layer: Layer) -> torch.nn.Module:
    a = layer.args
    if layer.type == "Linear":
        return torch.nn.Linear(a["in_features"], a["out_features"], bias=a["bias"])
    if layer.type == "Conv1D":  # the twin nn.Linear holding W^T
        return torch.nn.Linear(a["nx"], a["nf"], bias=a["bias"])
    return torch.nn.Conv2d(a["in_channels"], a["out_channels"], a["kernel_size"], a["stride"], a["padding"],
                           a["dilation"], a["groups"], a["bias"], a["padding_mode"])


def layer_json(layer: Layer, m: torch.nn.Module) -> dict[str, Any]:
    out: dict[str, Any] = {"path": layer.path, "type": layer.type}
    if layer.type == "Linear":
        out.update(in_features=m.in_features, out_features=m.out_features)
    elif layer.type == "Conv1D":
        out.update(nx=m.in_features, nf=m.out_features)
    else:
        pad = m.padding if isinstance(m.padding, str) else list(m.padding)
        out.update(in_channels=m.in_channels, out_channels=m.out_channels, kernel_size=list(m.kernel_size),
                   stride=list(m.stride), padding=pad, dilation=list(m.dilation), groups=m.groups,
                   padding_mode=m.padding_mode)
    out["bias"] = m.bias is not None
    return out


def make_input(layer: Layer, gen: torch.Generator) -> torch.Tensor:
    if layer.type == "Conv2d":
        return torch.randn(N, layer.args["in_channels"], H, W, generator=gen)
    d = layer.args["in_features"] if layer.type == "Linear" else layer.args["nx"]
    return torch.randn(N, T, d, generator=gen)


def conv1d_layout(layer: Layer, key: str, t: torch.Tensor) -> torch.Tensor:
    """Twin-Linear weights (nf, nx) are written in GPT-2 Conv1D layout (nx, nf)."""
    return t.T.contiguous() if layer.type == "Conv1D" and key.endswith(".weight") else t


class Recorder:
    def __init__(self, case: Case) -> None:
        self.case = case
        self.tensors: dict[str, torch.Tensor] = {}
        self.by_path = {layer.path: layer for layer in case.layers}

    def put(self, key: str, t: torch.Tensor, path: str | None = None) -> None:
        t = t.detach().to(torch.float32).clone()
        if path is not None:
            t = conv1d_layout(self.by_path[path], key, t)
        self.tensors[key] = t.contiguous()


# ----------------------------------------------------------------------------------------------
# Dense float64 evaluation, shared by the check of PEFT's cases and the torch-dense cases.


class DenseLayer:
    def __init__(self, module: torch.nn.Module, weight: torch.Tensor, bias: torch.Tensor | None,
                 adapters: list[tuple[str, torch.Tensor, torch.Tensor]], trainable_bias: bool,
                 trainable_weight: bool = False) -> None:
        self.module, self.weight, self.bias, self.adapters = module, weight, bias, adapters
        self.trainable_bias, self.trainable_weight = trainable_bias, trainable_weight


def dense_eval(layers: dict[str, DenseLayer], xs: dict[str, torch.Tensor], dys: dict[str, torch.Tensor]
               ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Returns float64 outputs, merged weights/biases and gradients of sum(y * dy), keyed as in the fixture."""
    leaves: dict[str, torch.Tensor] = {}

    def leaf(key: str, t: torch.Tensor) -> torch.Tensor:
        leaves[key] = t.detach().to(torch.float64).requires_grad_(True)
        return leaves[key]

    ys: dict[str, torch.Tensor] = {}
    merged: dict[str, torch.Tensor] = {}
    loss = torch.zeros((), dtype=torch.float64)
    for path, dl in layers.items():
        x = leaf(f"grad.x.{path}", xs[path])
        w = leaf(f"grad.{path}.weight", dl.weight) if dl.trainable_weight else dl.weight.double()
        b = None if dl.bias is None else (leaf(f"grad.{path}.bias", dl.bias) if dl.trainable_bias else dl.bias.double())
        ads = [(leaf(f"grad.{path}.boft_R.{n}", r), leaf(f"grad.{path}.boft_s.{n}", s).reshape(-1))
               for n, r, s in dl.adapters]
        w2 = ref.adapted_weight(w.reshape(w.shape[0], -1), ads).reshape(w.shape)
        y = ref.layer_apply(dl.module, w2, b, x)
        loss = loss + (y * dys[path].double()).sum()
        ys[path] = y.detach()
        merged[f"merged.{path}.weight"] = w2.detach()
        if b is not None:
            merged[f"merged.{path}.bias"] = b.detach()
    grads = dict(zip(leaves.keys(), torch.autograd.grad(loss, list(leaves.values()))))
    return ys, merged, grads


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    scale = b.double().abs().max().item()
    return (a.double() - b.double()).abs().max().item() / max(scale, 1e-30)


def check(name: str, got: dict[str, torch.Tensor], want: dict[str, torch.Tensor], tol: float) -> float:
    worst = 0.0
    for k, t in want.items():
        e = rel_err(got[k], t)
        assert e < tol, f"{name}: {k} differs from the dense float64 formula by {e:.3g} (> {tol})"
        worst = max(worst, e)
    return worst


# ----------------------------------------------------------------------------------------------
# PEFT cases.


def perturb(pm: torch.nn.Module, case: Case, gen: torch.Generator) -> None:
    """Simulates training so that the fixtures exercise non-identity adapters and trained biases."""
    to_perturb = {a.name for a in case.adapters if a.perturb}
    with torch.no_grad():
        for _, mod in pm.named_modules():
            if isinstance(mod, BOFTLayer):
                for n in sorted(to_perturb & set(mod.boft_R.keys())):
                    mod.boft_R[n].copy_(0.2 * torch.randn(mod.boft_R[n].shape, generator=gen))
                    mod.boft_s[n].copy_(1 + 0.1 * torch.randn(mod.boft_s[n].shape, generator=gen))
            if isinstance(mod, ModulesToSaveWrapper) and case.perturb_modules_to_save:
                for p in mod.modules_to_save[case.active[0]].parameters():
                    p.add_(0.1 * torch.randn(p.shape, generator=gen))
        if case.perturb_bias:
            for name, p in pm.named_parameters():
                if name.endswith("bias") and p.requires_grad and "modules_to_save" not in name:
                    p.add_(0.1 * torch.randn(p.shape, generator=gen))


def dense_layers_from_peft(pm: torch.nn.Module, case: Case) -> dict[str, DenseLayer]:
    out: dict[str, DenseLayer] = {}
    for layer in case.layers:
        mod = pm.base_model.model.get_submodule(layer.path)
        if isinstance(mod, BOFTLayer):
            base = mod.get_base_layer()
            ads = [(n, mod.boft_R[n], mod.boft_s[n]) for n in case.active if n in mod.boft_R]
            trainable = base.bias is not None and base.bias.requires_grad
            out[layer.path] = DenseLayer(base, base.weight, base.bias, ads, trainable)
        elif isinstance(mod, ModulesToSaveWrapper):
            copy = mod.modules_to_save[case.active[0]]
            out[layer.path] = DenseLayer(copy, copy.weight, copy.bias, [], copy.bias is not None, True)
        else:
            trainable = mod.bias is not None and mod.bias.requires_grad
            out[layer.path] = DenseLayer(mod, mod.weight, mod.bias, [], trainable)
    return out


def peft_grads(pm: torch.nn.Module, case: Case, dense: dict[str, DenseLayer], xs: dict[str, torch.Tensor],
               dys: dict[str, torch.Tensor]) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """PEFT's outputs (eval mode, active adapters) and its autograd gradients of sum(y * dy)."""
    wrt: dict[str, torch.Tensor] = {}
    xg = {p: x.clone().requires_grad_(True) for p, x in xs.items()}
    for path, dl in dense.items():
        wrt[f"grad.x.{path}"] = xg[path]
        for n, r, s in dl.adapters:
            wrt[f"grad.{path}.boft_R.{n}"] = r.requires_grad_(True)
            wrt[f"grad.{path}.boft_s.{n}"] = s.requires_grad_(True)
        if dl.trainable_bias:
            wrt[f"grad.{path}.bias"] = dl.bias
        if dl.trainable_weight:
            wrt[f"grad.{path}.weight"] = dl.weight
    ys = {p: pm.base_model.model.get_submodule(p)(xg[p]) for p in xs}
    loss = sum((ys[p] * dys[p]).sum() for p in ys)
    grads = dict(zip(wrt.keys(), torch.autograd.grad(loss, list(wrt.values()))))
    return {p: y.detach() for p, y in ys.items()}, grads


def save_peft_adapters(pm: torch.nn.Module, case: Case, case_dir: Path) -> None:
    for a in case.adapters:
        with tempfile.TemporaryDirectory() as tmp:
            pm.save_pretrained(tmp, selected_adapters=[a.name])
            src = Path(tmp) if a.name == "default" else Path(tmp) / a.name
            dst = case_dir / f"adapter_{a.name}"
            dst.mkdir(parents=True)
            for f in ("adapter_config.json", "adapter_model.safetensors"):
                shutil.copy(src / f, dst / f)
        if any(layer.type == "Conv1D" for layer in case.layers):
            # PEFT only ran the twin nn.Linear (and reset fan_in_fan_out for it); the adapter is for Conv1D.
            cfg_path = dst / "adapter_config.json"
            cfg = json.loads(cfg_path.read_text())
            cfg["fan_in_fan_out"] = True
            cfg_path.write_text(json.dumps(cfg, indent=2, sort_keys=True))


def check_effect(case: Case, dense: dict[str, DenseLayer], ys: dict[str, torch.Tensor], rec: Recorder) -> None:
    """Adapted layers (non-identity adapters) and trained modules_to_save copies must change the output."""
    nontrivial = any(a.perturb or a.config.get("init_weights") is False for a in case.adapters)
    for p, dl in dense.items():
        differs = rel_err(ys[p], rec.tensors[f"y_disabled.{p}"]) > 1e-3
        expected = (bool(dl.adapters) and nontrivial) or dl.trainable_weight
        assert differs == expected, f"{case.name}: {p} output differs from disabled: {differs}, expected {expected}"


def run_peft_case(case: Case, tree: ref.FixtureTree, xs: dict[str, torch.Tensor], dys: dict[str, torch.Tensor],
                  rec: Recorder, case_dir: Path, gen: torch.Generator) -> float:
    ref.use_stand_in() if case.extension == "stand-in" else ref.use_no_extension()
    first = case.adapters[0]
    pm = get_peft_model(tree, BOFTConfig(**first.config), adapter_name=first.name)
    for a in case.adapters[1:]:
        pm.add_adapter(a.name, BOFTConfig(**a.config))
    pm.base_model.set_adapter(case.active)
    perturb(pm, case, gen)
    pm.eval()
    dense = dense_layers_from_peft(pm, case)
    ys, grads = peft_grads(pm, case, dense, xs, dys)
    with torch.no_grad(), pm.disable_adapter():
        for p, x in xs.items():
            rec.put(f"y_disabled.{p}", pm.base_model.model.get_submodule(p)(x), p)
    check_effect(case, dense, ys, rec)
    dys_, dmerged, dgrads = dense_eval(dense, xs, dys)
    worst = check(case.name, ys, dys_, TOL_FP32)
    worst = max(worst, check(case.name, grads, dgrads, TOL_FP32 * 5))
    for p, y in ys.items():
        rec.put(f"y.{p}", y, p)
    for k, g in grads.items():
        rec.put(k, g, k.split(".", 1)[1].rsplit(".", 1)[0] if k.endswith((".weight", ".bias")) else None)
    save_peft_adapters(pm, case, case_dir)
    merged_model = pm.merge_and_unload()
    with torch.no_grad():
        for p, x in xs.items():
            mod = merged_model.get_submodule(p)
            rec.put(f"merged.{p}.weight", mod.weight, p)
            if mod.bias is not None:
                rec.put(f"merged.{p}.bias", mod.bias, p)
            y_m = mod(x)
            worst = max(worst, check(case.name, {p: y_m}, {p: dys_[p]}, TOL_FP32))
            rec.put(f"y_merged.{p}", y_m, p)
        worst = max(worst, check(case.name, {k: rec.tensors[k] for k in dmerged},
                                 {k: conv1d_layout(rec.by_path[k.split(".", 1)[1].rsplit(".", 1)[0]], k, v)
                                  for k, v in dmerged.items()}, TOL_FP32))
    return worst


# ----------------------------------------------------------------------------------------------
# torch-dense cases (settings PEFT gets wrong or refuses): float64 dense formula, stored as fp32.


def blocks_for(config: dict[str, Any], d: int, path: str) -> tuple[int, int, int]:
    """(m, k, b) for a layer of rotated dimension d, with BOFT's validity rules."""
    m, bs, bn = config["boft_n_butterfly_factor"], config["boft_block_size"], config["boft_block_num"]
    b, k = (bs, d // bs) if bs else (d // bn, bn)
    assert k * b == d, f"{path}: d={d} not divisible into blocks (b={bs}, k={bn})"
    if m > 1:
        assert k % 2 ** (m - 1) == 0 and b % 2 == 0 and k % 2 == 0, f"{path}: m={m} invalid for k={k}, b={b}"
    return m, k, b


def run_dense_case(case: Case, tree: ref.FixtureTree, xs: dict[str, torch.Tensor], dys: dict[str, torch.Tensor],
                   rec: Recorder, case_dir: Path, gen: torch.Generator) -> float:
    (adapter,) = case.adapters
    layers: dict[str, DenseLayer] = {}
    saved: dict[str, torch.Tensor] = {}
    for layer in case.layers:
        conv = tree.get_submodule(layer.path)
        assert isinstance(conv, torch.nn.Conv2d)
        out_c, d = conv.weight.shape[0], conv.weight[0].numel()  # d = C_in/groups * kh * kw
        m, k, b = blocks_for(adapter.config, d, layer.path)
        r = 0.2 * torch.randn(m, k, b, b, generator=gen)
        s = 1 + 0.1 * torch.randn(1, out_c, generator=gen)
        saved[f"base_model.model.{layer.path}.boft_R"] = r
        saved[f"base_model.model.{layer.path}.boft_s"] = s
        layers[layer.path] = DenseLayer(conv, conv.weight, conv.bias, [(adapter.name, r, s)], False)
    ys, merged, grads = dense_eval(layers, xs, dys)
    with torch.no_grad():
        for p, x in xs.items():
            dl = layers[p]
            rec.put(f"y.{p}", ys[p])
            rec.put(f"y_disabled.{p}", dl.module(x))
            mw = merged[f"merged.{p}.weight"].float()
            rec.put(f"merged.{p}.weight", mw)
            if dl.bias is not None:
                rec.put(f"merged.{p}.bias", dl.bias)
            rec.put(f"y_merged.{p}", ref.layer_apply(dl.module, mw.double(), None if dl.bias is None else dl.bias.double(),
                                                      x.double()))
    for key, g in grads.items():
        rec.put(key, g)
    dst = case_dir / f"adapter_{adapter.name}"
    config = BOFTConfig(**adapter.config)
    config.inference_mode = True
    config.save_pretrained(str(dst), auto_mapping_dict={"base_model_class": "FixtureTree",
                                                          "parent_library": "boft_reference"})
    save_file(saved, str(dst / "adapter_model.safetensors"), metadata={"format": "pt"})
    return 0.0


# ----------------------------------------------------------------------------------------------


def write_case(case: Case, index: int) -> tuple[float, int]:
    case_dir = OUT / "boft" / case.name
    shutil.rmtree(case_dir, ignore_errors=True)
    case_dir.mkdir(parents=True)
    torch.manual_seed(1000 + index)
    gen = torch.Generator().manual_seed(2000 + index)
    tree = ref.FixtureTree()
    for layer in case.layers:
        tree.add(layer.path, build_layer(layer))
    rec = Recorder(case)
    xs: dict[str, torch.Tensor] = {}
    dys: dict[str, torch.Tensor] = {}
    for layer in case.layers:
        mod = tree.get_submodule(layer.path)
        rec.put(f"base.{layer.path}.weight", mod.weight, layer.path)
        if mod.bias is not None:
            rec.put(f"base.{layer.path}.bias", mod.bias, layer.path)
        xs[layer.path] = make_input(layer, gen)
        with torch.no_grad():
            dys[layer.path] = torch.randn(mod(xs[layer.path]).shape, generator=gen)
        rec.put(f"x.{layer.path}", xs[layer.path])
        rec.put(f"dy.{layer.path}", dys[layer.path])
    spec = {
        "name": case.name,
        "description": case.description,
        "layers": [layer_json(layer, tree.get_submodule(layer.path)) for layer in case.layers],
        "adapters": [{"name": a.name, "dir": f"adapter_{a.name}"} for a in case.adapters],
        "active": case.active,
        "reference": case.reference,
        "notes": case.notes,
    }
    run = run_peft_case if case.reference == "peft" or case.layers[0].type == "Conv1D" else run_dense_case
    worst = run(case, tree, xs, dys, rec, case_dir, gen)
    save_file(dict(sorted(rec.tensors.items())), str(case_dir / "tensors.safetensors"), metadata={"format": "pt"})
    (case_dir / "case.json").write_text(json.dumps(spec, indent=2) + "\n")
    size = sum(f.stat().st_size for f in case_dir.rglob("*") if f.is_file())
    return worst, size


def main() -> None:
    warnings.filterwarnings("ignore")
    self_test()
    write_safetensors_sample(OUT / "safetensors")
    total = 0
    for i, case in enumerate(CASES):
        worst, size = write_case(case, i)
        total += size
        print(f"{case.name:32s} {case.reference:12s} {size / 1024:7.1f} KiB  max rel err vs float64 dense {worst:.2e}")
    print(f"total {total / 1024:.1f} KiB in {len(CASES)} cases")


if __name__ == "__main__":
    main()
