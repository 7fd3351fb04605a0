"""Token-CutMix: a CutMix box cut along patch edges (TL-Align's default input mixing).

Cutting on the patch grid makes every token pure (own image or partner), so each token's initial
label is exact; λ is the kept fraction of the image, which on a divisible image equals the kept
fraction of patches.
"""
import numpy as np
import torch
from mmpretrain.registry import BATCH_AUGMENTS

from .aligned_batch_augment import AlignedBatchAugment
from .aligned_cutmix import paste_box


@BATCH_AUGMENTS.register_module()
class AlignedTokenCutMix(AlignedBatchAugment):
    """Args:
        alpha (float): Beta(α, α) parameter of the sampled area ratio.
        patch_size (int): side of the grid cells the box snaps to — the backbone's patch size
            (16 for DeiT/ViT-B/16, 4 for Swin; 32 snaps Swin boxes to its last-stage tokens).
    """

    def __init__(self, alpha=1.0, patch_size=16):
        if alpha <= 0:
            raise ValueError(f'alpha must be > 0, got {alpha}')
        if patch_size < 1:
            raise ValueError(f'patch_size must be >= 1, got {patch_size}')
        self.alpha = float(alpha)
        self.patch_size = int(patch_size)

    def sample_box(self, grid_h: int, grid_w: int, lam: float) -> tuple:
        """Box (y1, y2, x1, x2) in grid cells, sampled as both source papers sample it
        (TL-Align's ``rand_token_bbox``, LV-ViT's ``rand_bbox``; mmpretrain's and timm's CutMix
        alike): sides ``int(side·√(1−λ))``, cut ``±side//2`` around a uniform centre, clipped to
        the grid. The pasted area, not ``lam``, sets the label (see ``paste_box``)."""
        ratio = np.sqrt(1.0 - lam)
        cut_h, cut_w = int(grid_h * ratio), int(grid_w * ratio)
        cy, cx = np.random.randint(grid_h), np.random.randint(grid_w)
        y1, y2 = np.clip([cy - cut_h // 2, cy + cut_h // 2], 0, grid_h)
        x1, x2 = np.clip([cx - cut_w // 2, cx + cut_w // 2], 0, grid_w)
        return int(y1), int(y2), int(x1), int(x2)

    def mix(self, batch_inputs: torch.Tensor, batch_scores: torch.Tensor) -> tuple:
        height, width = batch_inputs.shape[-2:]
        grid_h, grid_w = height // self.patch_size, width // self.patch_size
        if grid_h == 0 or grid_w == 0:
            raise ValueError(f'image {height}x{width} is smaller than one '
                             f'{self.patch_size}px patch')
        lam = np.random.beta(self.alpha, self.alpha)
        box = tuple(v * self.patch_size for v in self.sample_box(grid_h, grid_w, lam))
        return paste_box(batch_inputs, batch_scores, box)
