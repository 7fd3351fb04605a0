"""Fastfood projection R^d -> R^D (Le et al., 2013; used by Li et al., 2018 and Aghajanyan et
al., 2021 for intrinsic dimension): ``θ_d ↦ c · (H G Π H B [θ_d; 0])[:D]``.

No D × d matrix exists: B (random signs), Π (a permutation) and G (Gaussian diagonal) are
vectors of length L = 2^⌈log2 D⌉ and H is the Walsh-Hadamard transform, applied in
O(L log L). Every column of the L × L operator H G Π H B has norm √L·‖g‖ exactly, so
c = 1 / (‖g‖ √D) gives the D kept rows unit squared column norm in expectation (exactly when
D = L), the counterpart of the dense projection's unit-norm columns.
"""
import math

import torch
from torch import nn

from .dense_projection import ProjectionSizeError


def fwht(x):
    """Unnormalised Walsh-Hadamard transform of a length-2^k vector (Sylvester order), i.e.
    ``H @ x`` with ``H = [[1, 1], [1, -1]]^{⊗k}``; differentiable."""
    n = x.shape[-1]
    if n & (n - 1):
        raise ProjectionSizeError(f'Walsh-Hadamard length {n} is not a power of two')
    h = 1
    while h < n:
        x = x.reshape(n // (2 * h), 2, h)
        x = torch.stack((x[:, 0] + x[:, 1], x[:, 0] - x[:, 1]), dim=1)
        h *= 2
    return x.reshape(n)


class FastfoodProjection(nn.Module):
    """Structured random projection with O(L) memory.

    Args:
        full_dim (int): D, the number of re-parametrised weights.
        dim (int): d, the subspace dimension (d <= D).
        seed (int): seed of B, Π and G. Defaults to 0.
    """

    def __init__(self, full_dim, dim, seed=0):
        super().__init__()
        if dim > full_dim:
            raise ProjectionSizeError(f'subspace dim d={dim} exceeds the model size D={full_dim}')
        self.full_dim, self.dim = full_dim, dim
        self.length = 2 ** math.ceil(math.log2(max(full_dim, 2)))
        gen = torch.Generator().manual_seed(seed)
        signs = torch.randint(0, 2, (self.length, ), generator=gen).float() * 2 - 1
        perm = torch.randperm(self.length, generator=gen)
        gauss = torch.randn(self.length, generator=gen)
        for name, value in (('signs', signs), ('perm', perm), ('gauss', gauss)):
            self.register_buffer(name, value, persistent=False)
        self.scale = 1.0 / (gauss.norm().item() * math.sqrt(full_dim))

    def forward(self, theta_d):
        x = theta_d.new_zeros(self.length)
        x = torch.cat([theta_d, x[self.dim:]]) * self.signs
        x = fwht(x)[self.perm] * self.gauss
        return fwht(x)[:self.full_dim] * self.scale

    @torch.no_grad()
    def matrix(self):
        """The implied (D × d) matrix, column by column (for small D: tests, comparisons)."""
        eye = torch.eye(self.dim, device=self.signs.device)
        return torch.stack([self(col) for col in eye], dim=1)
