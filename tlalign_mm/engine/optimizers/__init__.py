from .cpu_bf16_optim_wrapper import CPUBf16AmpOptimWrapper

__all__ = ['CPUBf16AmpOptimWrapper']
