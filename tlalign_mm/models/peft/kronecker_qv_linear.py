"""KAdaptation's layer: a fused qkv Linear whose q and v row blocks get a Kronecker-sum delta.

``ΔW = s · dropout(Σ_i A_i ⊗ B_i)`` with rank-1 factors ``A_i = l_i r_iᵀ`` (n×n, shared by
every layer, one set for q and one for v) and ``B_i = u_i v_iᵀ`` ((dim/n)×(dim/n), per layer).
The delta is added to the *weight* of the q and v rows, never to activations, so
:meth:`KroneckerQVLinear.merged_weight_and_bias` folds it into a plain ``nn.Linear`` with no
inference cost, and the q scaling of the attention applies to it exactly as to the frozen
weight.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn
from ...errors import TLAlignError


class AdapterShapeError(TLAlignError, ValueError):
    """A layer cannot carry the requested adapter (not a fused qkv, or dims do not divide)."""


def kronecker_sum(a_mats, b_mats):
    """``Σ_i A_i ⊗ B_i`` for stacks ``a_mats`` (n, p, p) and ``b_mats`` (n, m, m): (p·m, p·m).

    Row ``a·m + c`` and column ``b·m + d`` hold ``Σ_i A_i[a, b] · B_i[c, d]``, the layout of
    ``torch.kron``, so A's entries pick the (m×m) block that B fills.
    """
    n, p, _ = a_mats.shape
    m = b_mats.shape[-1]
    return torch.einsum('iab,icd->acbd', a_mats, b_mats).reshape(p * m, p * m)


class SharedKroneckerFactors(nn.Module):
    """The A_i factors every adapted layer shares: ``l_i, r_i ∈ R^n`` for q and for v.

    Parameter names start with ``lora_`` (``lora_q_left`` ...) because mmpretrain's
    ``LoRAModel`` trains and saves exactly the parameters whose names hold ``.lora_``.

    Initialised at random (uniform ±1/√n): with B's right factor at zero, ΔW starts at zero and
    the first backward step still reaches that factor; after one update every factor receives
    gradient (LoRA's one-random-one-zero rule, lifted to four factors).

    Args:
        num_terms (int): n, the number of Kronecker terms and the side of each A_i.
    """

    def __init__(self, num_terms):
        super().__init__()
        self.num_terms = num_terms
        bound = 1.0 / math.sqrt(num_terms)
        for which in ('q', 'v'):
            for side in ('left', 'right'):
                factor = torch.empty(num_terms, num_terms).uniform_(-bound, bound)
                self.register_parameter(f'lora_{which}_{side}', nn.Parameter(factor))

    def a_matrices(self, which):
        """The stack of A_i (n, n, n) for ``which`` in ``('q', 'v')``."""
        left, right = getattr(self, f'lora_{which}_left'), getattr(self, f'lora_{which}_right')
        return left[:, :, None] * right[:, None, :]


class KroneckerQVLinear(nn.Module):
    """A fused qkv ``nn.Linear`` (out = 3·dim, rows ordered q, k, v) adapted on q and v.

    The frozen layer is kept as ``original_layer`` (the key name mmpretrain's ``LoRALinear``
    uses). Per layer: ``u``/``v`` factors of the B_i for q and for v (``lora_q_u``, ``lora_q_v``,
    ``lora_v_u``, ``lora_v_v``), and one bias added to the q and the v outputs (``lora_bias``, the
    paper's per-layer bias; it merges into the qkv bias). The ``lora_`` prefix is
    ``LoRAModel``'s contract for what trains and what is saved.

    Args:
        original_layer (nn.Linear): the fused qkv projection to adapt.
        shared (SharedKroneckerFactors): the A_i factors, owned by the model wrapper; kept as a
            plain reference so that the state dict and the parameter list hold them once.
        scale (float): s, the factor on the Kronecker sum. Defaults to 160 (the paper's).
        drop_rate (float): dropout on the Kronecker sum while training. Defaults to 0.5.
    """

    def __init__(self, original_layer, shared, scale=160.0, drop_rate=0.5):
        super().__init__()
        dim = original_layer.in_features
        if not isinstance(original_layer, nn.Linear) or original_layer.out_features != 3 * dim:
            raise AdapterShapeError(
                f'KAdaptation needs a fused qkv nn.Linear with out_features = 3 x in_features; '
                f'got {original_layer!r}')
        n = shared.num_terms
        if dim % n:
            raise AdapterShapeError(f'embedding dim {dim} is not divisible by num_terms={n}; '
                                    'choose num_terms dividing every adapted layer\'s dim')
        self.original_layer = original_layer
        object.__setattr__(self, 'shared', shared)  # not a submodule: registered once, above
        self.dim, self.block = dim, dim // n
        self.scale = scale
        self.lora_dropout = nn.Dropout(drop_rate)
        bound = 1.0 / math.sqrt(self.block)
        for which in ('q', 'v'):
            self.register_parameter(
                f'lora_{which}_u', nn.Parameter(torch.empty(n, self.block).uniform_(-bound, bound)))
            self.register_parameter(f'lora_{which}_v', nn.Parameter(torch.zeros(n, self.block)))
        self.lora_bias = nn.Parameter(torch.zeros(dim))

    def delta(self, which):
        """ΔW for the q or the v rows (dim × dim), dropout included while training."""
        u, v = getattr(self, f'lora_{which}_u'), getattr(self, f'lora_{which}_v')
        b_mats = u[:, :, None] * v[:, None, :]
        return self.scale * self.lora_dropout(kronecker_sum(self.shared.a_matrices(which), b_mats))

    def delta_weight_and_bias(self):
        """The (3·dim × dim) weight delta and (3·dim) bias delta; the k rows stay zero."""
        zeros = self.lora_bias.new_zeros(self.dim, self.dim)
        weight = torch.cat([self.delta('q'), zeros, self.delta('v')], dim=0)
        bias = torch.cat([self.lora_bias, torch.zeros_like(self.lora_bias), self.lora_bias])
        return weight, bias

    def merged_weight_and_bias(self):
        """Weight and bias of the equivalent plain Linear (call in eval mode: no dropout)."""
        d_weight, d_bias = self.delta_weight_and_bias()
        bias = self.original_layer.bias
        return (self.original_layer.weight + d_weight,
                d_bias if bias is None else bias + d_bias)

    def forward(self, x):
        weight, bias = self.merged_weight_and_bias()
        return F.linear(x, weight, bias)
