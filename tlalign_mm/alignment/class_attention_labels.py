"""TransMix's label rewriter: the CutMix label re-weighted by the last block's class attention.

For a CutMix sample the own-image share becomes ½(λ_area + λ_attn), where λ_attn is the share of
the class token's head-averaged attention that falls on the sample's own patches; Mixup samples
keep their label bit for bit. The math is in :mod:`.transmix`, the capture in
:mod:`.class_attention`.
"""
import dataclasses

from ..errors import TLAlignError
from .class_attention import LastBlockClassAttention
from .label_rewriter import LabelRewriter, RewrittenLabels, register_rewriter
from .transmix import attention_own_share, cut_rows, transmix_lambda


class TransMixConfigError(TLAlignError, ValueError):
    """The model is not set up so that TransMix can see the mix."""


@register_rewriter
class ClassAttentionLabels(LabelRewriter):
    """TransMix (Chen et al., CVPR 2022) on mmpretrain ViT/DeiT; no arguments."""
    log_key = 'train/transmix_shift'
    config_error = TransMixConfigError

    def __init__(self):
        self.capture = None
        self.record = None

    def prepare(self, model):
        self.capture = LastBlockClassAttention(model.backbone)

    def begin(self, record):
        self.record = record
        self.capture.attach()

    def finish(self):
        record = self.record
        own = self.capture.own_fraction(record.own_mask)
        lam_attn = attention_own_share(self.capture.attention, own)
        lam = transmix_lambda(record.lam, lam_attn, cut_rows(record.own_mask))
        # Same arithmetic as the augment's own label, so Mixup rows come out bit-identical.
        scores = dataclasses.replace(record, lam=lam.detach()).mixed_score()
        self.capture.detach()
        self.record = None
        return RewrittenLabels(scores, None, lam - record.lam)

    def close(self):
        if self.capture is not None:
            self.capture.detach()
        self.record = None
