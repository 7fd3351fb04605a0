"""Public entry point: the aligned label of each image, traced exactly as in training."""
from typing import Optional

import torch
from torch import nn

from .label_sources import ExplicitSource
from .tracer import build_tracer


def align_labels(backbone: nn.Module, images: torch.Tensor, patch_labels: torch.Tensor,
                 cls_label: Optional[torch.Tensor] = None,
                 kernel: str = 'auto') -> torch.Tensor:
    """Propagate token labels through ``backbone``'s attention and return image labels.

    Args:
        backbone: mmpretrain ``VisionTransformer`` (any arch, incl. ``deit-*``) or
            ``SwinTransformer`` (any arch and image size, window padding included).
        images: (B, 3, H, W) input batch.
        patch_labels: (B, Hp*Wp, K) initial label of each patch token, row-major over the
            patch grid the backbone computes for this image size.
        cls_label: (B, K) initial label of the class token; defaults to the patch mean.
            Ignored by Swin, which has no class token.
        kernel: how ViT attention is formed while tracing (see :mod:`.vit`); Swin always
            reuses its stock window attention.

    Returns:
        (B, K): ViT — the class token's aligned label (the mean patch label when the backbone
        pools patch tokens instead); Swin — the mean of the final-stage token labels, traced
        through every (shifted) window attention and patch merging. Same code path as the
        training hook.
    """
    tracer = build_tracer(backbone, kernel=kernel)
    tracer.attach(ExplicitSource(patch_labels, cls_label))
    try:
        with torch.no_grad():
            backbone(images)
        return tracer.summary_label()
    finally:
        tracer.detach()
