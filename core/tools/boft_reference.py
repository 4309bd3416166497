"""Independent float64 BOFT math and the pure-PyTorch stand-in for PEFT's CUDA extension.

Written from the paper's definitions (arXiv 2311.06243) and the facts in
shared/reference/peft-boft-semantics.md, not from PEFT's code, so that checking PEFT against
it is a real cross-check.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

import peft.tuners.boft.layer as boft_layer


# ---------------------------------------------------------------------------------------------
# Stand-in for the `fbd_cuda` extension: PEFT calls `.forward(blocks)[0]` and
# `.backward(grad, blocks)[0]` on whatever `get_fbd_cuda()` returns.


class BlockDiagStandIn:
    """blocks: [m, k, b, b] -> [m, k*b, k*b] block-diagonal matrices, one per factor."""

    @staticmethod
    def forward(blocks: torch.Tensor) -> list[torch.Tensor]:
        m, k, b, _ = blocks.shape
        out = blocks.new_zeros(m, k * b, k * b)
        for j in range(k):
            out[:, j * b : (j + 1) * b, j * b : (j + 1) * b] = blocks[:, j]
        return [out]

    @staticmethod
    def backward(grad: torch.Tensor, blocks: torch.Tensor) -> list[torch.Tensor]:
        m, k, b, _ = blocks.shape
        # Only the diagonal blocks of the output depend on the input.
        g = torch.stack([grad[:, j * b : (j + 1) * b, j * b : (j + 1) * b] for j in range(k)], dim=1)
        return [g.contiguous()]


def use_stand_in() -> None:
    boft_layer.get_fbd_cuda = lambda: BlockDiagStandIn


def use_cuda_extension() -> str:
    """PEFT's real `fbd_cuda` extension (a CUDA machine); returns how it was built.

    PEFT 0.21's kernel source passes `Tensor.type()` to AT_DISPATCH_FLOATING_TYPES, which
    torch 2.11 no longer accepts, so PEFT's own build fails there and PEFT falls back to m = 1.
    Then this builds PEFT's sources with that one call spelled `Tensor.scalar_type()` (the
    kernels themselves untouched) and makes PEFT use the result.
    """
    import shutil
    import tempfile

    from torch.utils.cpp_extension import load

    if boft_layer.get_fbd_cuda() is not None:
        return "PEFT's own build"
    src = Path(boft_layer.__file__).parent / "fbd"
    tmp = Path(tempfile.mkdtemp(prefix="fbd_cuda_"))
    shutil.copy(src / "fbd_cuda.cpp", tmp / "fbd_cuda.cpp")
    cu = (src / "fbd_cuda_kernel.cu").read_text()
    n = cu.count(".type(),")
    if n == 0:
        raise RuntimeError("PEFT could not build fbd_cuda, and its source has no Tensor.type() dispatch to respell")
    (tmp / "fbd_cuda_kernel.cu").write_text(cu.replace(".type(),", ".scalar_type(),"))
    ext = load(name="fbd_cuda_scalar_type", sources=[str(tmp / "fbd_cuda.cpp"), str(tmp / "fbd_cuda_kernel.cu")])
    boft_layer.get_fbd_cuda = lambda: ext
    return f"PEFT's build failed under torch {torch.__version__}; built its sources with {n} Tensor.type() dispatches respelled scalar_type()"


def use_no_extension() -> None:
    """What PEFT sees on a machine where compiling the extension fails (it then forces m = 1).

    Returning None directly skips the compile attempt (minutes of futile nvcc/ninja work)
    while taking exactly the code path a failed compile takes.
    """
    boft_layer.get_fbd_cuda = lambda: None


# ---------------------------------------------------------------------------------------------
# Dense float64 reference.


def butterfly_perm(d: int, k: int, b: int, m: int, i: int) -> list[int]:
    """Index vector of butterfly factor i: perm[r] is the source index of output row r.

    Factor 0 (and every factor when m == 1) is the identity. For i >= 1 the d indices fall
    into k / 2^i groups; inside a group, chunks of b/2 indices are reordered even chunks
    first, then odd ones.
    """
    if m == 1 or i == 0:
        return list(range(d))
    groups = k // 2**i
    g = d // groups
    r = b // 2
    chunks = g // r
    order = list(range(0, chunks, 2)) + list(range(1, chunks, 2))
    perm: list[int] = []
    for start in range(0, d, g):
        for c in order:
            perm.extend(range(start + c * r, start + c * r + r))
    return perm


def perm_matrix(perm: list[int]) -> torch.Tensor:
    d = len(perm)
    p = torch.zeros(d, d, dtype=torch.float64)
    p[torch.arange(d), torch.tensor(perm)] = 1.0
    return p


def cayley(r: torch.Tensor) -> torch.Tensor:
    """r: [..., b, b] -> Q = (I - S)(I + S)^-1 with S = (r - r^T)/2, via a linear solve."""
    s = 0.5 * (r - r.transpose(-1, -2))
    eye = torch.eye(r.shape[-1], dtype=r.dtype).expand_as(s)
    # Q (I + S) = I - S  <=>  (I + S)^T Q^T = (I - S)^T
    return torch.linalg.solve((eye + s).transpose(-1, -2), (eye - s).transpose(-1, -2)).transpose(-1, -2)


def rotation(boft_r: torch.Tensor) -> torch.Tensor:
    """boft_r: [m, k, b, b] -> M = B_{m-1} ... B_0, B_i = P_i blockdiag(Q_i) P_i^T; [d, d]."""
    m, k, b, _ = boft_r.shape
    d = k * b
    q = cayley(boft_r.to(torch.float64))
    mat = torch.eye(d, dtype=torch.float64)
    for i in range(m):
        p = perm_matrix(butterfly_perm(d, k, b, m, i))
        mat = p @ torch.block_diag(*q[i].unbind(0)) @ p.T @ mat
    return mat


def adapted_weight(w2d: torch.Tensor, adapters: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
    """w2d: [out, d]; adapters: (boft_R [m,k,b,b], scale [out]) in active order.

    Applying them one after another is the merge; it equals the forward's
    x @ (M_last ... M_first) with the product of the scales.
    """
    w = w2d.to(torch.float64)
    for boft_r, scale in adapters:
        w = (w @ rotation(boft_r).T) * scale.to(torch.float64).reshape(-1, 1)
    return w


class FixtureTree(torch.nn.Module):
    """A model whose leaves are independent layers at the given dotted paths (ModuleDict nesting)."""

    def add(self, path: str, layer: torch.nn.Module) -> None:
        parts = path.split(".")
        parent: torch.nn.Module = self
        for part in parts[:-1]:
            if part not in parent._modules:
                parent.add_module(part, torch.nn.ModuleDict())
            parent = parent._modules[part]
        parent.add_module(parts[-1], layer)


def layer_apply(layer: torch.nn.Module, weight: torch.Tensor, bias: torch.Tensor | None, x: torch.Tensor) -> torch.Tensor:
    """The base layer's own op (all conv settings included) run with the given weight and bias."""
    params = {"weight": weight}
    if bias is not None:
        params["bias"] = bias
    return torch.func.functional_call(layer, params, (x,))
