"""Mixed precision on machines without CUDA.

mmengine's ``AmpOptimWrapper`` asserts a CUDA/NPU/MLU device, so ``--amp`` on a CPU machine would
end in an assertion trace. CPU autocast supports bfloat16, whose exponent range equals float32's,
so no loss scaling is needed: this wrapper is a plain ``OptimWrapper`` whose forward context is
``torch.autocast('cpu', dtype=torch.bfloat16)``.
"""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUBf16AmpOptimWrapper(OptimWrapper):
    """``OptimWrapper`` running forward passes under CPU bfloat16 autocast."""

    @contextmanager
    def optim_context(self, model):
        with super().optim_context(model), torch.autocast('cpu', dtype=torch.bfloat16):
            yield
