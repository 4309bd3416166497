"""A small file written by the Python `safetensors` library, for byte-exact reader/writer tests."""

from __future__ import annotations

import math
from pathlib import Path

import torch
from safetensors.torch import save_file

SPECIAL = [0.0, -0.0, 1.0, -2.5, 1 / 3, math.inf, -math.inf, math.nan]


def write_safetensors_sample(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(7)
    f16 = torch.tensor(SPECIAL + [65504.0, 6.103515625e-05, 5.960464477539063e-08, 3.0e-6, -4.5e-7, 1000.5],
                       dtype=torch.float16)
    bf16 = torch.tensor(SPECIAL + [3.0e38, 1.0e-39, -9.2e-41, 1.17549435e-38, 123.456, -7.0e-3],
                        dtype=torch.bfloat16)
    f64 = torch.tensor([0.1, -1.0 / 3.0, 1.0e-40, 3.4028235677973366e38, 1 + 2.0**-24, 1 + 3 * 2.0**-24],
                       dtype=torch.float64)
    tensors = {
        "f32": torch.randn(2, 3, generator=g),
        "f16": f16.reshape(2, 7),
        "f16_as_f32": f16.float().reshape(2, 7),
        "bf16": bf16.reshape(7, 2),
        "bf16_as_f32": bf16.float().reshape(7, 2),
        "f64": f64,
        "f64_as_f32": f64.float(),
        "i64": torch.tensor([[0, -1, 2**31 - 1], [-(2**31), 42, 7]], dtype=torch.int64),
        "i64_big": torch.tensor([2**40], dtype=torch.int64),
        "empty": torch.zeros(0, 3),
        "scalar": torch.tensor(1.5),
    }
    save_file(tensors, str(out_dir / "python_mixed.safetensors"), metadata={"format": "pt"})
