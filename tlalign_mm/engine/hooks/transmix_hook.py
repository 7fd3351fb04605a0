"""TransMix during training: the baseline arm that re-weights CutMix labels by class attention.

For each training iteration the hook
1. reads the mix record that ``MixRecordingDataPreprocessor`` put on the data samples (the inputs
   are stock CutMix/Mixup: ``AlignedCutMix`` / ``AlignedMixup`` only add the record),
2. captures the last block's head-averaged class-token attention to the patches during the
   forward pass, and
3. before the head computes its loss, replaces each CutMix sample's ``gt_score`` by the TransMix
   label, own-image share ½(λ_area + λ_attn) (detached; the head's loss smooths it once).
Mixup samples keep their label bit for bit. Capture is attached only inside training iterations:
validation and inference run the stock backbone. It is :class:`MixedLabelHook` with the
:class:`~tlalign_mm.alignment.ClassAttentionLabels` rewriter; ``train/transmix_shift`` logs mean
|λ_target − λ_area|.
"""
from mmengine.registry import HOOKS

from ...alignment.class_attention_labels import (ClassAttentionLabels,  # noqa: F401
                                                 TransMixConfigError)
from .mixed_label_hook import MixedLabelHook


@HOOKS.register_module()
class TransMixHook(MixedLabelHook):
    """TransMix label re-weighting (Chen et al., CVPR 2022) on mmpretrain ViT/DeiT; no arguments."""

    def __init__(self):
        super().__init__(ClassAttentionLabels())
