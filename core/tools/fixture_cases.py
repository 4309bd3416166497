"""The golden fixture cases: small modules, one BOFT setting each (see core/testing/fixtures/README.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass
class Layer:
    path: str
    type: Literal["Linear", "Conv2d", "Conv1D"]
    # Linear: in_features, out_features, bias. Conv1D: nx, nf, bias.
    # Conv2d: in_channels, out_channels, kernel_size, stride, padding, dilation, groups, padding_mode, bias.
    args: dict[str, Any]


@dataclass
class Adapter:
    name: str
    config: dict[str, Any]
    # Simulate a trained adapter (boft_R ~ N(0, 0.2), boft_s ~ N(1, 0.1)); False keeps PEFT's init.
    perturb: bool = True


@dataclass
class Case:
    name: str
    description: str
    layers: list[Layer]
    adapters: list[Adapter]
    active: list[str]
    reference: Literal["peft", "torch-dense"] = "peft"
    notes: str = ""
    # 'stand-in': PEFT runs m > 1 through our block-diagonal stand-in; 'none': PEFT as on a CPU-only machine.
    extension: Literal["stand-in", "none"] = "stand-in"
    perturb_bias: bool = False
    perturb_modules_to_save: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def lin(path: str, i: int, o: int, bias: bool = True) -> Layer:
    return Layer(path, "Linear", {"in_features": i, "out_features": o, "bias": bias})


def conv(path: str, ci: int, co: int, k: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
         groups: int = 1, padding_mode: str = "zeros", bias: bool = True) -> Layer:
    return Layer(path, "Conv2d", {"in_channels": ci, "out_channels": co, "kernel_size": k, "stride": stride,
                                  "padding": padding, "dilation": dilation, "groups": groups,
                                  "padding_mode": padding_mode, "bias": bias})


def c1d(path: str, nx: int, nf: int, bias: bool = True) -> Layer:
    return Layer(path, "Conv1D", {"nx": nx, "nf": nf, "bias": bias})


QV = ["query", "value"]


def cfg(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"boft_block_size": 4, "boft_block_num": 0, "boft_n_butterfly_factor": 1,
                            "target_modules": QV, "boft_dropout": 0.0}
    base.update(kw)
    return base


def one(config: dict[str, Any], perturb: bool = True) -> list[Adapter]:
    return [Adapter("default", config, perturb)]


QV_16 = [lin("blocks.0.query", 16, 12), lin("blocks.0.value", 16, 8, bias=False)]

CASES: list[Case] = [
    Case("linear_m1_blocksize", "Linear, boft_block_size=4, m=1 (plain OFT); with and without bias",
         QV_16, one(cfg()), ["default"]),
    Case("linear_m2_blocksize", "Linear, boft_block_size=4, m=2 (k=4 blocks, d=16)",
         QV_16, one(cfg(boft_n_butterfly_factor=2)), ["default"]),
    Case("linear_m3_blocknum", "Linear, boft_block_num=8, m=3 (b=4, d=32)",
         [lin("blocks.0.query", 32, 16), lin("blocks.0.value", 32, 12, bias=False)],
         one(cfg(boft_block_size=0, boft_block_num=8, boft_n_butterfly_factor=3)), ["default"]),
    Case("linear_m4_blocksize", "Linear, boft_block_size=2, m=4 (k=8, d=16: the deepest butterfly for d=16)",
         [lin("blocks.0.query", 16, 8), lin("blocks.0.value", 16, 12, bias=False)],
         one(cfg(boft_block_size=2, boft_n_butterfly_factor=4)), ["default"]),
    Case("linear_m2_blocknum_b6", "Linear, boft_block_num=4, m=2 on d=24: block size 6 (not a power of two)",
         [lin("blocks.0.query", 24, 16), lin("blocks.0.value", 24, 8, bias=False)],
         one(cfg(boft_block_size=0, boft_block_num=4, boft_n_butterfly_factor=2)), ["default"]),
    Case("linear_two_adapters", "Two BOFT adapters (same b and m) active at once, in the order second, first",
         [lin("blocks.0.query", 16, 12), lin("blocks.0.value", 16, 16)],
         [Adapter("first", cfg(boft_n_butterfly_factor=2)), Adapter("second", cfg(boft_n_butterfly_factor=2))],
         ["second", "first"],
         notes="Forward uses x @ (M_first @ M_second) ... i.e. rotation = M_last_active ... M_first_active with "
               "active=['second','first']; merged weights are merge_and_unload() in that same order. PEFT shares "
               "one permutation buffer per layer, so both adapters use the same b and m here."),
    Case("linear_bias_all", "bias='all': every bias in the model is trainable and saved; biases perturbed",
         [lin("blocks.0.query", 16, 12), lin("blocks.0.dense", 16, 8)],
         one(cfg(target_modules=["query"], bias="all")), ["default"], perturb_bias=True,
         notes="Biases were perturbed after injection (as training would). They live in the base layers, so "
               "y_disabled also uses the perturbed biases (PEFT documents this). base.* holds the originals."),
    Case("linear_bias_boft_only", "bias='boft_only': only biases of BOFT layers are trainable and saved; perturbed",
         [lin("blocks.0.query", 16, 12), lin("blocks.0.dense", 16, 8)],
         one(cfg(target_modules=["query"], bias="boft_only")), ["default"], perturb_bias=True,
         notes="The saved file holds the query bias as '<path>.base_layer.bias'. y_disabled uses the perturbed "
               "bias (it lives in the base layer); the non-BOFT layer's bias is untouched."),
    Case("linear_modules_to_save", "modules_to_save=['classifier'] with a perturbed trained copy",
         [lin("blocks.0.query", 16, 8), lin("classifier", 8, 3)],
         one(cfg(target_modules=["query"], modules_to_save=["classifier"])), ["default"],
         perturb_modules_to_save=True,
         notes="y.classifier is the trained copy's output, y_disabled.classifier the original's; the copy's "
               "weights are in the adapter file as base_model.model.classifier.{weight,bias}; "
               "grad.classifier.{weight,bias} are the copy's gradients; merged.classifier.* is the copy."),
    Case("linear_init_random", "init_weights=false: PEFT's random init (boft_R ~ N(0,0.1), boft_s ~ N(1,0.1)), m=2",
         QV_16, one(cfg(boft_n_butterfly_factor=2, init_weights=False), perturb=False), ["default"]),
    Case("linear_init_identity", "init_weights=true untouched: boft_R = 0, boft_s = 1, so y == y_disabled",
         QV_16, one(cfg(boft_n_butterfly_factor=2), perturb=False), ["default"]),
    Case("linear_layers_to_transform", "layers_to_transform=[0, 2] with layers_pattern='blocks'",
         [lin("blocks.0.query", 16, 8), lin("blocks.1.query", 16, 8), lin("blocks.2.query", 16, 8)],
         one(cfg(target_modules=["query"], layers_to_transform=[0, 2], layers_pattern="blocks")), ["default"],
         notes="blocks.1.query is not adapted (no boft_R/boft_s keys, y == y_disabled there)."),
    Case("linear_target_regex", "target_modules as a regex string (full match)",
         [lin("blocks.0.query", 16, 8), lin("blocks.0.value", 16, 8), lin("blocks.1.query", 16, 8),
          lin("blocks.0.key", 16, 8)],
         one(cfg(target_modules=r"blocks\.1\..*|.*\.value")), ["default"],
         notes="Adapted: blocks.0.value, blocks.1.query. Not adapted: blocks.0.query, blocks.0.key."),
    Case("linear_exclude_modules", "exclude_modules (list) removes one of the target matches",
         [lin("blocks.0.query", 16, 8), lin("blocks.1.query", 16, 8), lin("blocks.0.key", 16, 8)],
         one(cfg(target_modules=["query", "key"], exclude_modules=["blocks.1.query"])), ["default"],
         notes="Adapted: blocks.0.query, blocks.0.key. Excluded: blocks.1.query."),
    Case("linear_peft_cpu_forced_m1", "Config says boft_n_butterfly_factor=3, PEFT without its CUDA extension",
         [lin("blocks.0.query", 32, 16), lin("blocks.0.value", 32, 8, bias=False)],
         one(cfg(boft_n_butterfly_factor=3)), ["default"], extension="none",
         notes="PEFT forced m to 1: boft_R has shape (1, 8, 4, 4) while adapter_config.json says 3. The outputs "
               "are what PEFT computes with that m=1 tensor. A loader must go by the tensor's shape, and say so."),
    Case("conv2d_peft_m1", "Conv2d through PEFT: square kernels, int stride/padding, groups=1, b=4, m=1",
         [conv("features.0", 4, 6, 3, 1, 1), conv("features.1", 4, 5, 3, 2, 1, bias=False),
          conv("features.2", 8, 4, 1)],
         one(cfg(target_modules=["features.0", "features.1", "features.2"])), ["default"],
         notes="d = C_in*kh*kw, the filter flattened C-major; boft_s has shape (1, out)."),
    Case("conv2d_peft_m2", "Conv2d through PEFT with m=2: d=72 (k=18, b=4) and a 1x1 conv (d=16)",
         [conv("features.0", 8, 6, 3, 2, 1), conv("features.1", 16, 4, 1, bias=False)],
         one(cfg(target_modules=["features.0", "features.1"], boft_n_butterfly_factor=2)), ["default"]),
    Case("conv2d_dense_m1", "Conv2d settings PEFT gets wrong or refuses; reference = base conv with merged weight",
         [conv("convs.nonsquare", 4, 6, (3, 2), (2, 1), (1, 0)),
          conv("convs.dilated", 4, 5, 3, 1, (2, 1), dilation=(2, 1)),
          conv("convs.same", 4, 4, (3, 2), 1, "same"),
          conv("convs.valid", 4, 3, 3, 1, "valid", bias=False),
          conv("convs.reflect", 4, 4, 3, 1, 1, padding_mode="reflect"),
          conv("convs.circular", 4, 4, 3, 1, (1, 2), padding_mode="circular"),
          conv("convs.grouped", 8, 6, 3, 1, 1, groups=2)],
         one(cfg(target_modules=["nonsquare", "dilated", "same", "valid", "reflect", "circular", "grouped"])),
         ["default"], reference="torch-dense",
         notes="PEFT would run kernel_size[0]**2, stride[0], padding[0], no dilation/groups/padding_mode. Here the "
               "flattened filter (out, C_in/groups*kh*kw) is rotated and the base conv runs with all its settings."),
    Case("conv2d_dense_m2", "Conv2d beyond PEFT with boft_block_num=6, m=2 (b=4 for d=24, b=6 for d=36)",
         [conv("convs.nonsquare", 4, 6, (3, 2), (2, 1), (1, 0)),
          conv("convs.same", 4, 4, (3, 2), 1, "same"),
          conv("convs.reflect", 4, 4, 3, 1, 1, padding_mode="reflect", bias=False),
          conv("convs.grouped", 8, 6, 3, 1, 1, groups=2)],
         one(cfg(target_modules=["nonsquare", "same", "reflect", "grouped"], boft_block_size=0, boft_block_num=6, boft_n_butterfly_factor=2)),
         ["default"], reference="torch-dense"),
    Case("conv1d_gpt2", "GPT-2 Conv1D (weight (nx, nf)), fan_in_fan_out=true, b=4, m=2",
         [c1d("h.0.attn.c_attn", 16, 48), c1d("h.0.mlp.c_proj", 32, 16)],
         one(cfg(target_modules=["c_attn", "c_proj"], boft_n_butterfly_factor=2, fan_in_fan_out=True)),
         ["default"], reference="torch-dense",
         notes="PEFT refuses Conv1D. Computed by PEFT on a twin nn.Linear holding W^T (and checked against the "
               "dense float64 formula); weights, merged weights and the config are written in Conv1D terms."),
]

