"""fp32 linear layers computed by oneDNN, for PyTorch inference on the CPU.

PyTorch's fp32 ``nn.Linear`` calls the BLAS its build links (MKL).  On a 2-core AMD EPYC
(AVX-512), MKL ran a BERT-sized product at 202-222 GFLOP/s and oneDNN at 413-477
(``benchmarks/throughput.py`` measures both), so :func:`onednn_linears` routes inference
through ``torch.ops.mkldnn._linear_pointwise``.  Only the class of each layer changes: weights,
state dict, saving, pickling and training stay those of ``nn.Linear``.
"""

from __future__ import annotations

import torch


class OneDnnLinear(torch.nn.Linear):
    """An ``nn.Linear`` whose fp32 CPU inference runs oneDNN's matrix product; with autograd,
    autocast, while compiling, exporting or tracing, or on other devices and dtypes it is
    ``nn.Linear``."""

    def forward(self, x):
        if (x.device.type == "cpu" and x.dtype == torch.float32 and self.weight.dtype == torch.float32
                and torch.backends.mkldnn.enabled and not torch.is_grad_enabled()
                and not torch.is_autocast_enabled("cpu") and not torch.compiler.is_compiling()
                and not torch.jit.is_tracing()):
            return torch.ops.mkldnn._linear_pointwise(x, self.weight, self.bias, "none", [None], "")
        return super().forward(x)


def onednn_linears(model: torch.nn.Module) -> torch.nn.Module:
    """``model`` with every plain ``nn.Linear`` made a :class:`OneDnnLinear` (in place); unchanged
    where this PyTorch build has no oneDNN."""
    if not (torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_linear_pointwise")):
        return model
    for module in model.modules():
        if type(module) is torch.nn.Linear:
            module.__class__ = OneDnnLinear
    return model
