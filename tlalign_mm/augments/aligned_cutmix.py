"""Pixel CutMix that also reports which pixels each sample kept.

Same box, λ correction and label mixing as mmpretrain's ``CutMix``; the only addition is the
mix record that the label tracer needs (a patch that straddles the box edge gets the fraction of
its pixels that are own-image, since patch embedding is linear in pixels).
"""
import numpy as np
import torch
from mmpretrain.models.utils.batch_augments import CutMix
from mmpretrain.registry import BATCH_AUGMENTS

from .mix_record import MixRecord


def paste_box(batch_inputs, batch_scores, box):
    """Paste ``box`` (y1, y2, x1, x2) of a random partner into every image, in place.

    Returns the mixed images, mixed labels and the :class:`MixRecord`. λ is the kept area,
    computed on the host from the box so no device synchronisation is needed.
    """
    y1, y2, x1, x2 = box
    batch_size, height, width = batch_inputs.size(0), *batch_inputs.shape[-2:]
    index = torch.randperm(batch_size, device=batch_inputs.device)
    batch_inputs[:, :, y1:y2, x1:x2] = batch_inputs[index, :, y1:y2, x1:x2]
    mask = torch.ones(height, width, device=batch_inputs.device)
    mask[y1:y2, x1:x2] = 0
    lam = 1.0 - (y2 - y1) * (x2 - x1) / float(height * width)
    record = MixRecord.from_mix(index, lam, mask.expand(batch_size, -1, -1), batch_scores)
    return batch_inputs, record.mixed_score(), record


@BATCH_AUGMENTS.register_module()
class AlignedCutMix(CutMix):

    def mix(self, batch_inputs, batch_scores):
        lam = np.random.beta(self.alpha, self.alpha)
        box, _ = self.cutmix_bbox_and_lam(batch_inputs.shape[-2:], lam)
        return paste_box(batch_inputs, batch_scores, box)

    def __call__(self, batch_inputs, batch_score):
        assert batch_score.ndim == 2, 'batch_score must be one-hot/soft (N, num_classes)'
        return self.mix(batch_inputs, batch_score.float())
