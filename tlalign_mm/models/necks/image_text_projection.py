"""CLIP's image-to-text projection as an mmpretrain neck: the 512-d embedding that CLIP's text
tower shares, which the KAdaptation authors classify (not the 768-d class token).

mmpretrain's own ``CLIPProjection`` lives in its multimodal package, which does not import
without ``transformers``; this neck has the same parameter (``proj``, in × out, no bias), so the
same checkpoint keys load into either.
"""
from typing import Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn


@MODELS.register_module()
class ImageTextProjection(BaseModule):
    """``x @ proj`` on the backbone's last output.

    Args:
        in_channels (int): the image tower's width (768 for ViT-B).
        out_channels (int): the joint embedding's width (512 for CLIP ViT-B/32).
        frozen (bool): keep ``proj`` fixed, as a frozen image tower does (linear probe and
            adapters); a full fine-tune trains it. Defaults to False.
        init_cfg (dict, optional): e.g. ``Pretrained`` with ``prefix='neck.'``.
    """

    def __init__(self, in_channels: int, out_channels: int, frozen: bool = False,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.proj = nn.Parameter(torch.randn(in_channels, out_channels) * in_channels**-0.5)
        self.proj.requires_grad = not frozen

    def forward(self, inputs: Union[torch.Tensor, Sequence[torch.Tensor]]
                ) -> Tuple[torch.Tensor]:
        features = inputs[-1] if isinstance(inputs, (tuple, list)) else inputs
        return (features @ self.proj, )
