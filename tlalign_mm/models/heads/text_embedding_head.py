"""A linear head that starts as CLIP's zero-shot classifier: the KAdaptation authors' few-shot
head (``Classifier`` of their ELEVATER toolkit).

Its weights start as the class names' text embeddings (L2-normalised rows, zero bias), read from
a file that ``tools/peft/make_text_embeddings.py`` writes with CLIP's text tower; in front of it
a ``BatchNorm1d(affine=False)`` over the image embedding (``channel_norm``) and, optionally,
L2 normalisation of that embedding (``normalize_features``: then the initial logits are exactly
the cosine similarities of image and class-name embeddings, CLIP's zero-shot scores without the
temperature). The authors train with the channel norm and without the normalisation.
"""
import os.path as osp
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS
from torch import nn

from ...errors import TLAlignError


class TextEmbeddingError(TLAlignError, ValueError):
    """The class-name embedding file is missing or does not fit the head."""


def read_text_embeddings(path: str, num_classes: int, in_channels: int) -> torch.Tensor:
    """The (num_classes, in_channels) float embeddings saved at ``path`` (``torch.save`` of a
    tensor, or of a dict holding it under ``embeddings``; read with ``weights_only=True``)."""
    if not osp.isfile(path):
        raise TextEmbeddingError(
            f'text embeddings not found: {path}; write them with tools/peft/'
            'make_text_embeddings.py, or set text_embeddings=None for a random head')
    data = torch.load(path, map_location='cpu', weights_only=True)
    embeddings = data.get('embeddings') if isinstance(data, dict) else data
    if not torch.is_tensor(embeddings) or tuple(embeddings.shape) != (num_classes, in_channels):
        shape = tuple(embeddings.shape) if torch.is_tensor(embeddings) else type(data).__name__
        raise TextEmbeddingError(
            f'{path} holds {shape}, not the ({num_classes}, {in_channels}) class-name '
            'embeddings this head needs (one row per class, in the dataset\'s class order)')
    return embeddings.float()


@MODELS.register_module()
class TextEmbeddingClsHead(ClsHead):
    """Args:
        num_classes (int): classes of the dataset.
        in_channels (int): width of the image embedding (512 for CLIP ViT-B/32's projection).
        text_embeddings (str, optional): file of the (num_classes, in_channels) class-name
            embeddings the weights start from; None starts from a random head.
        channel_norm (bool): ``BatchNorm1d(in_channels, affine=False)`` before the linear layer
            (the authors' ``USE_CHANNEL_BN``). Defaults to True.
        normalize_features (bool): L2-normalise the (normed) image embedding (the authors'
            ``NORMALIZE_VISUAL_FEATURE``, off in their runs). Defaults to False.
        loss (dict): classification loss. Defaults to cross entropy.
    """

    def __init__(self, num_classes: int, in_channels: int,
                 text_embeddings: Optional[str] = None, channel_norm: bool = True,
                 normalize_features: bool = False,
                 loss: dict = dict(type='CrossEntropyLoss', loss_weight=1.0),
                 init_cfg: Optional[dict] = None, **kwargs):
        super().__init__(loss=loss, init_cfg=init_cfg, **kwargs)
        self.num_classes, self.in_channels = num_classes, in_channels
        # read (and checked) when the config is built, not after data loading
        self.initial_weights = (None if text_embeddings is None else
                                read_text_embeddings(text_embeddings, num_classes, in_channels))
        self.channel_norm = (nn.BatchNorm1d(in_channels, affine=False) if channel_norm
                             else nn.Identity())
        self.normalize_features = normalize_features
        self.fc = nn.Linear(in_channels, num_classes)

    def init_weights(self):
        super().init_weights()
        if self.initial_weights is None:
            nn.init.normal_(self.fc.weight, std=0.01)
            nn.init.zeros_(self.fc.bias)
            return
        with torch.no_grad():
            self.fc.weight.copy_(F.normalize(self.initial_weights, dim=-1))
            self.fc.bias.zero_()

    def pre_logits(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        features = self.channel_norm(feats[-1])
        return F.normalize(features, dim=-1) if self.normalize_features else features

    def forward(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        return self.fc(self.pre_logits(feats))
