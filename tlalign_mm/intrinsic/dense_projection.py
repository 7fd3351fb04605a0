"""Dense random projection R^d -> R^D with unit-norm columns (Li et al., 2018), for small D."""
import torch
from torch import nn
from ..errors import TLAlignError

# A D x d float32 matrix above this many entries (1 GiB) is refused: use the Fastfood one.
MAX_DENSE_ENTRIES = 2 ** 28


class ProjectionSizeError(TLAlignError, ValueError):
    """The requested projection does not fit (d > D, or a dense matrix too large)."""


class DenseProjection(nn.Module):
    """``θ_d ↦ P θ_d`` with P (D × d) Gaussian, each column scaled to unit norm.

    The matrix is a non-persistent buffer: it is regenerated from ``seed`` rather than saved.

    Args:
        full_dim (int): D, the number of re-parametrised weights.
        dim (int): d, the subspace dimension.
        seed (int): seed of the matrix. Defaults to 0.
        matrix (Tensor, optional): an explicit (D × d) matrix to use as is (e.g. another
            projection materialised, to compare the two).
    """

    def __init__(self, full_dim, dim, seed=0, matrix=None):
        super().__init__()
        if dim > full_dim:
            raise ProjectionSizeError(f'subspace dim d={dim} exceeds the model size D={full_dim}')
        if matrix is None:
            if full_dim * dim > MAX_DENSE_ENTRIES:
                raise ProjectionSizeError(
                    f'a dense {full_dim} x {dim} projection has more than {MAX_DENSE_ENTRIES} '
                    'entries; use the Fastfood projection (--projection fastfood)')
            gen = torch.Generator().manual_seed(seed)
            matrix = torch.randn(full_dim, dim, generator=gen)
            matrix = matrix / matrix.norm(dim=0, keepdim=True)
        elif tuple(matrix.shape) != (full_dim, dim):
            raise ProjectionSizeError(f'matrix of shape {tuple(matrix.shape)} is not '
                                      f'({full_dim}, {dim})')
        self.full_dim, self.dim = full_dim, dim
        self.register_buffer('matrix', matrix.float(), persistent=False)

    def forward(self, theta_d):
        return self.matrix @ theta_d
