"""LoRA on the q and the v row blocks of a fused qkv Linear (the KAdaptation paper's baseline).

mmpretrain's ``LoRALinear`` adapts a whole Linear, so on a ViT's fused ``qkv`` it gives one
rank-r update spanning q, k and v. The paper's LoRA (from the LoRA paper's best GPT-3 setting)
adapts W_q and W_v separately and leaves W_k alone: two rank-r pairs per layer.
"""
import math

import torch
from torch import nn

from .kronecker_qv_linear import AdapterShapeError


class QVLoRALinear(nn.Module):
    """``y = W₀x + (α/r)·[B_q A_q x; 0; B_v A_v x]`` on a fused qkv Linear.

    Parameter names start with ``lora_`` so mmpretrain's ``LoRAModel`` machinery (trainable
    flags, state-dict filtering) handles them unchanged. Initialisation follows the LoRA paper:
    the down projection random (Kaiming uniform), the up projection zero, so the update starts
    at zero and the first step already moves the up projection.

    Args:
        original_layer (nn.Linear): the fused qkv projection (out = 3·in).
        alpha (float): LoRA's α; the update is scaled by α / rank. Defaults to 1.
        rank (int): r of each of the two updates. Defaults to 4.
        drop_rate (float): dropout on the adapter's input. Defaults to 0.
    """

    def __init__(self, original_layer, alpha=1, rank=4, drop_rate=0.):
        super().__init__()
        dim = original_layer.in_features
        if original_layer.out_features != 3 * dim:
            raise AdapterShapeError(
                f'q/v LoRA needs a fused qkv Linear (out_features = 3 x in_features); got '
                f'{original_layer!r}; adapt it with mmpretrain LoRALinear instead')
        self.original_layer = original_layer
        self.dim = dim
        self.scaling = alpha / rank
        self.lora_dropout = nn.Dropout(drop_rate)
        for which in ('q', 'v'):
            down = nn.Linear(dim, rank, bias=False)
            up = nn.Linear(rank, dim, bias=False)
            nn.init.kaiming_uniform_(down.weight, a=math.sqrt(5))
            nn.init.zeros_(up.weight)
            setattr(self, f'lora_{which}_down', down)
            setattr(self, f'lora_{which}_up', up)

    def delta(self, which):
        """The (dim × dim) weight update of the q or the v rows."""
        up, down = getattr(self, f'lora_{which}_up'), getattr(self, f'lora_{which}_down')
        return self.scaling * up.weight @ down.weight

    def merged_weight_and_bias(self):
        zeros = self.original_layer.weight.new_zeros(self.dim, self.dim)
        delta = torch.cat([self.delta('q'), zeros, self.delta('v')], dim=0)
        return self.original_layer.weight + delta, self.original_layer.bias

    def forward(self, x):
        out = self.original_layer(x)
        lora_x = self.lora_dropout(x)
        q = self.lora_q_up(self.lora_q_down(lora_x)) * self.scaling
        v = self.lora_v_up(self.lora_v_down(lora_x)) * self.scaling
        return out + torch.cat([q, torch.zeros_like(q), v], dim=-1)
