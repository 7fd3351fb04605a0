"""Pixel CutMix that also reports which pixels each sample kept.

Same box, λ correction and label mixing as mmpretrain's ``CutMix``; the only addition is the
mix record that the label tracer needs (a patch that straddles the box edge gets the fraction of
its pixels that are own-image, since patch embedding is linear in pixels).
"""
import numpy as np
import torch
from mmpretrain.models.utils.batch_augments import CutMix
from mmpretrain.registry import BATCH_AUGMENTS

from .aligned_batch_augment import AlignedBatchAugment
from .mix_record import MixRecord
from .partner import partner_permutation


def paste_box(batch_inputs, batch_scores, box):
    """Paste ``box`` (y1, y2, x1, x2) of a random partner into every image, in place.

    Returns the mixed images, mixed labels and the :class:`MixRecord`. λ is the kept area,
    computed on the host from the box so no device synchronisation is needed.
    """
    y1, y2, x1, x2 = box
    batch_size, height, width = batch_inputs.size(0), *batch_inputs.shape[-2:]
    index = partner_permutation(batch_size, batch_inputs.device)  # no self-pairs
    batch_inputs[:, :, y1:y2, x1:x2] = batch_inputs[index, :, y1:y2, x1:x2]
    mask = torch.ones(height, width, device=batch_inputs.device)
    mask[y1:y2, x1:x2] = 0
    lam = 1.0 - (y2 - y1) * (x2 - x1) / float(height * width)
    record = MixRecord.from_mix(index, lam, mask.expand(batch_size, -1, -1), batch_scores)
    return batch_inputs, record.mixed_score(), record


@BATCH_AUGMENTS.register_module()
class AlignedCutMix(AlignedBatchAugment, CutMix):
    """mmpretrain's ``CutMix`` (same arguments) with a mix record.

    Args:
        alpha (float): Beta(α, α) parameter of the sampled area ratio.
        cutmix_minmax (list[float], optional): min/max box side ratio, as in ``CutMix``.
        correct_lam (bool): must be True: the record's λ is the kept pixel area, because the
            token labels are built from the pixels actually kept; an uncorrected λ would
            contradict them. Defaults to True.
    """

    def __init__(self, alpha, cutmix_minmax=None, correct_lam=True):
        if not correct_lam:
            raise ValueError('AlignedCutMix always labels the kept pixel area (the token '
                             'labels are built from it); correct_lam=False cannot be honoured')
        super().__init__(alpha, cutmix_minmax=cutmix_minmax, correct_lam=True)

    def mix(self, batch_inputs: torch.Tensor, batch_scores: torch.Tensor) -> tuple:
        lam = np.random.beta(self.alpha, self.alpha)
        box, _ = self.cutmix_bbox_and_lam(batch_inputs.shape[-2:], lam)
        return paste_box(batch_inputs, batch_scores, box)
