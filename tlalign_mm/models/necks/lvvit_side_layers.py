"""The LV-ViT authors' "side layers": the neck between LV-ViT's four stride-16 block outputs and
UperNet in their ADE20K code (``use_side_layer=True`` of their segmentation ViT).

Output strides 4, 8, 16, 16 (not mmseg's MultiLevelNeck 4/8/16/32): the first map is upsampled
×4 and the second ×2 by transposed convolutions, each followed by BN-ReLU, a 1×1 conv and
BN-ReLU; the third passes through a 1×1 conv-BN-ReLU; the fourth is widened by a 1×1
conv-BN-ReLU to ``last_channels`` (2048) at stride 16. No conv has a bias (each feeds a BN).
"""
from typing import List, Sequence, Tuple

import torch
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn


def _conv_norm_relu(conv: nn.Module, channels: int, norm_cfg: dict) -> List[nn.Module]:
    return [conv, build_norm_layer(norm_cfg, channels)[1], nn.ReLU(inplace=True)]


@MODELS.register_module()
class LVViTSideLayers(BaseModule):
    """Args:
        in_channels (int): width of the four block outputs (LV-ViT-S 384, M 512, L 768).
        last_channels (int): width of the fourth output. Defaults to 2048 (the authors').
        norm_cfg (dict): the norm after every conv. Defaults to SyncBN (the authors').
        init_cfg (dict, optional): initialisation.
    """

    def __init__(self, in_channels: int, last_channels: int = 2048,
                 norm_cfg: dict = dict(type='SyncBN', requires_grad=True), init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        width = in_channels

        def upsampled(factor):
            return nn.Sequential(
                *_conv_norm_relu(nn.ConvTranspose2d(width, width, factor, stride=factor,
                                                    bias=False), width, norm_cfg),
                *_conv_norm_relu(nn.Conv2d(width, width, 1, bias=False), width, norm_cfg))

        self.side_layers = nn.ModuleList([
            upsampled(4),
            upsampled(2),
            nn.Sequential(*_conv_norm_relu(nn.Conv2d(width, width, 1, bias=False), width,
                                           norm_cfg)),
            nn.Sequential(*_conv_norm_relu(nn.Conv2d(width, last_channels, 1, bias=False),
                                           last_channels, norm_cfg)),
        ])

    def forward(self, inputs: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        if len(inputs) != 4:
            raise ValueError(f'LVViTSideLayers takes 4 block outputs, got {len(inputs)}')
        return tuple(layer(x) for layer, x in zip(self.side_layers, inputs))
