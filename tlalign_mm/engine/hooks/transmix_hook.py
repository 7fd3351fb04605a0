"""TransMix during training: the baseline arm that re-weights CutMix labels by class attention.

For each training iteration the hook
1. reads the mix record that ``MixRecordingDataPreprocessor`` put on the data samples (the inputs
   are stock CutMix/Mixup: ``AlignedCutMix`` / ``AlignedMixup`` only add the record),
2. captures the last block's head-averaged class-token attention to the patches during the
   forward pass, and
3. before the head computes its loss, replaces each CutMix sample's ``gt_score`` by the TransMix
   label, own-image share ½(λ_area + λ_attn) (detached; the head's loss smooths it once).
Mixup samples keep their label bit for bit. Capture is attached only inside training iterations:
validation and inference run the stock backbone. The math is in
:mod:`tlalign_mm.alignment.transmix`; ``train/transmix_shift`` logs mean |λ_target − λ_area|.
"""
import dataclasses

from mmengine.registry import HOOKS

from ...alignment.class_attention import LastBlockClassAttention
from ...alignment.transmix import attention_own_share, cut_rows, transmix_lambda
from .mixed_label_hook import MixedLabelHook
from .tl_align_hook import TLAlignConfigError


class TransMixConfigError(TLAlignConfigError):
    """The model is not set up so that TransMix can see the mix (a TLAlignConfigError, so the
    tools report it the same way)."""


@HOOKS.register_module()
class TransMixHook(MixedLabelHook):
    """TransMix label re-weighting (Chen et al., CVPR 2022) on mmpretrain ViT/DeiT; no arguments."""
    log_key = 'train/transmix_shift'
    config_error = TransMixConfigError

    def __init__(self):
        super().__init__()
        self.capture = None

    def _setup(self, model):
        self.capture = LastBlockClassAttention(model.backbone)

    def _start(self, record):
        self.capture.attach()

    def _finish(self, record):
        own = self.capture.own_fraction(record.own_mask)
        lam_attn = attention_own_share(self.capture.attention, own)
        lam = transmix_lambda(record.lam, lam_attn, cut_rows(record.own_mask))
        # Same arithmetic as the augment's own label, so Mixup rows come out bit-identical.
        scores = dataclasses.replace(record, lam=lam.detach()).mixed_score()
        return scores, lam - record.lam

    def _release(self):
        self.capture.detach()
