"""Token-labeling head: a class head on the class token and an auxiliary head on every patch token.

Training: ``w_cls · H(head(x_cls), y_cls) + w_dense · mean_{b,i} H(aux(x_i), y_{b,i})`` with H the
configured soft-target loss (label smoothing included) and the mean over all B·N patch tokens.
Inference (``predict`` and ``model(x, mode='tensor')``): ``head(x_cls) + 0.5 · max_i aux(x_i)``.

The head reads all tokens: ``(B, 1+N, C)`` after the final norm — LV-ViT's ``out_type='raw'`` or
mmpretrain ``VisionTransformer(out_type='raw')`` (DeiT + token labeling).
"""
import torch
from mmpretrain.models.heads import ClsHead
from mmpretrain.registry import MODELS
from torch import nn

from ...augments.mix_record import MixRecord
from ...augments.mix_token import TokenMixRecord, swap_back
from .token_targets import dense_token_targets


@MODELS.register_module()
class TokenLabelingHead(ClsHead):
    """Args:
        num_classes (int): K.
        in_channels (int): token width.
        cls_weight (float): w_cls, weight of the class-token term. Defaults to 1.
        dense_weight (float): w_dense, weight of the per-token term (the authors' 1.0; their
            VOLO code uses 0.5). Defaults to 1.
        aux_weight_in_inference (float): weight of ``max_i aux(x_i)`` at inference.
            Defaults to 0.5.
        num_extra_tokens (int): leading non-patch tokens (1: the class token).
        loss (dict): soft-target loss of both terms. Defaults to label smoothing 0.1.
    """

    def __init__(self, num_classes, in_channels, cls_weight=1.0, dense_weight=1.0,
                 aux_weight_in_inference=0.5, num_extra_tokens=1,
                 loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
                 init_cfg=dict(type='TruncNormal', layer='Linear', std=0.02), **kwargs):
        super().__init__(loss=loss, init_cfg=init_cfg, **kwargs)
        if num_classes <= 0:
            raise ValueError(f'num_classes must be > 0, got {num_classes}')
        if num_extra_tokens < 1:
            raise ValueError('TokenLabelingHead reads the class token: num_extra_tokens >= 1')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.cls_weight = float(cls_weight)
        self.dense_weight = float(dense_weight)
        self.aux_weight_in_inference = float(aux_weight_in_inference)
        self.num_extra_tokens = num_extra_tokens
        self.fc_cls = nn.Linear(in_channels, num_classes)
        self.fc_aux = nn.Linear(in_channels, num_classes)

    def _tokens(self, feats):
        tokens = feats[-1]
        if tokens.dim() != 3:
            raise ValueError('TokenLabelingHead needs all tokens (B, 1+N, C): use the '
                             "backbone's out_type='raw', got shape "
                             f'{tuple(tokens.shape)}')
        return tokens

    def pre_logits(self, feats):
        return self._tokens(feats)

    def forward_both(self, feats):
        """``(class logits (B, K), per-token logits (B, N, K))``."""
        tokens = self.pre_logits(feats)
        return (self.fc_cls(tokens[:, 0]),
                self.fc_aux(tokens[:, self.num_extra_tokens:]))

    def forward(self, feats):
        cls_score, aux_score = self.forward_both(feats)
        return cls_score + self.aux_weight_in_inference * aux_score.max(dim=1).values

    def loss(self, feats, data_samples, **kwargs):
        cls_score, aux_score = self.forward_both(feats)
        batch, num_tokens, num_classes = aux_score.shape
        if 'gt_score' in data_samples[0]:
            cls_target = torch.stack([s.gt_score for s in data_samples]).to(cls_score)
        else:
            labels = torch.cat([s.gt_label for s in data_samples]).to(cls_score.device)
            cls_target = nn.functional.one_hot(labels, num_classes).to(cls_score)
        record = MixRecord.from_data_samples(data_samples)
        token_mix = isinstance(record, TokenMixRecord)
        own_labels = record.own_score.to(cls_score) if token_mix else cls_target
        dense_target, own_frame = dense_token_targets(data_samples, num_tokens, num_classes,
                                                      own_labels)
        if token_mix and own_frame:
            aux_score = swap_back(aux_score, record)
        loss_cls = self.loss_module(cls_score, cls_target, avg_factor=batch, **kwargs)
        loss_dense = self.loss_module(aux_score.reshape(-1, num_classes),
                                      dense_target.reshape(-1, num_classes),
                                      avg_factor=batch * num_tokens, **kwargs)
        return dict(loss_cls=self.cls_weight * loss_cls,
                    loss_dense=self.dense_weight * loss_dense)
