"""MixToken (token labeling's mixing): one box on the *token grid* is taken from the batch-flipped
partner, on the token embeddings right after the patch embedding.

Unlike CutMix the images are not touched: every token is computed from clean pixels of one image,
so its own-image share is exactly 0 or 1. The work is split over the three places that see it:

- :class:`MixToken` (a batch augment, run by the data preprocessor) samples λ and the box, sets
  the class target ``λ'·y_a + (1−λ')·y_b`` with λ' = 1 − box/N the kept token fraction, and
  writes a :class:`TokenMixRecord` — a :class:`MixRecord` whose pixel mask is the box's pixel
  footprint, so TL-Align's tracers start from the exact 0/1 token shares.
- :func:`mix_tokens` (called by ``TokenLabelingClassifier`` on the patch embedding's output)
  swaps the box's token embeddings with the partner's.
- :func:`swap_back` (called by the token-labeling head) puts the box's token outputs back, so
  each token is scored against its own source image's dense target.
"""
from dataclasses import dataclass

import numpy as np
import torch
from mmpretrain.registry import BATCH_AUGMENTS

from .aligned_token_cutmix import AlignedTokenCutMix
from .mix_record import MixRecord


@dataclass
class TokenMixRecord(MixRecord):
    """A :class:`MixRecord` of a token-level mix.

    Attributes:
        token_own: (B, N) 1 where a token keeps its own embedding, 0 where it holds the
            partner's (row-major over the token grid).
    """
    token_own: torch.Tensor = None


def flip_partner(batch_size):
    """The batch flip: an involution, which is what makes the swap-back a second swap."""
    return torch.arange(batch_size - 1, -1, -1)


@BATCH_AUGMENTS.register_module()
class MixToken(AlignedTokenCutMix):
    """Args:
        alpha (float): Beta(α, α) parameter of λ. Defaults to 1 (the authors').
        token_size (int): pixel side of one token of the backbone's token grid (its overall
            stride: 16 for LV-ViT and DeiT at 16 px patches). Defaults to 16.
    """

    def __init__(self, alpha=1.0, token_size=16):
        super().__init__(alpha=alpha, patch_size=token_size)

    def mix(self, batch_inputs: torch.Tensor, batch_scores: torch.Tensor) -> tuple:
        batch, _, height, width = batch_inputs.shape
        size = self.patch_size
        if height % size or width % size:
            raise ValueError(f'MixToken needs image sides divisible by token_size {size}, got '
                             f'{height}x{width}')
        grid_h, grid_w = height // size, width // size
        y1, y2, x1, x2 = self.sample_box(grid_h, grid_w, np.random.beta(self.alpha, self.alpha))
        own = torch.ones(grid_h, grid_w, device=batch_scores.device)
        own[y1:y2, x1:x2] = 0
        kept = float(own.mean())  # λ' = 1 − box/N
        own_mask = own.repeat_interleave(size, 0).repeat_interleave(size, 1)
        record = TokenMixRecord.from_mix(flip_partner(batch), kept,
                                         own_mask.expand(batch, -1, -1), batch_scores)
        record.token_own = own.flatten().expand(batch, -1)
        return batch_inputs, record.mixed_score(), record


def _check_tokens(tokens, record):
    if record.token_own.size(1) != tokens.size(1):
        raise ValueError(f'MixToken box was drawn on {record.token_own.size(1)} tokens but the '
                         f'backbone made {tokens.size(1)}; set MixToken token_size to the '
                         "backbone's overall stride")


def mix_tokens(tokens: torch.Tensor, record: TokenMixRecord) -> torch.Tensor:
    """(B, N, C) embeddings with the box's tokens taken from each sample's partner."""
    _check_tokens(tokens, record)
    own = record.token_own.to(tokens.device, torch.bool)[..., None]
    return torch.where(own, tokens, tokens[record.partner])


def swap_back(token_outputs: torch.Tensor, record: TokenMixRecord) -> torch.Tensor:
    """Undo :func:`mix_tokens` on (B, N, K) per-token outputs: the partner flip is an
    involution and the box is shared, so the box outputs of sample ``partner[b]`` are the ones
    computed from sample b's content."""
    return mix_tokens(token_outputs, record)
