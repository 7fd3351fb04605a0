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


def box_mask_and_lam(height, width, box, device):
    """(H, W) float mask (1 outside the pasted box, 0 inside) and its mean, computed on the host
    so that no device synchronisation is needed."""
    y1, y2, x1, x2 = box
    mask = torch.ones(height, width, device=device)
    mask[y1:y2, x1:x2] = 0
    return mask, 1.0 - (y2 - y1) * (x2 - x1) / float(height * width)


@BATCH_AUGMENTS.register_module()
class AlignedCutMix(CutMix):

    def mix(self, batch_inputs, batch_scores):
        lam = np.random.beta(self.alpha, self.alpha)
        batch_size = batch_inputs.size(0)
        height, width = batch_inputs.shape[-2:]
        index = torch.randperm(batch_size, device=batch_inputs.device)
        (y1, y2, x1, x2), lam = self.cutmix_bbox_and_lam((height, width), lam)
        batch_inputs[:, :, y1:y2, x1:x2] = batch_inputs[index, :, y1:y2, x1:x2]
        mask, lam = box_mask_and_lam(height, width, (y1, y2, x1, x2), batch_inputs.device)
        record = MixRecord.from_mix(index, lam, mask.expand(batch_size, -1, -1), batch_scores)
        return batch_inputs, record.mixed_score(), record

    def __call__(self, batch_inputs, batch_score):
        assert batch_score.ndim == 2, 'batch_score must be one-hot/soft (N, num_classes)'
        return self.mix(batch_inputs, batch_score.float())
