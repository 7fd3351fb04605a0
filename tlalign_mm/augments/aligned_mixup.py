"""Mixup with a mix record. Every pixel is λ own-image, so alignment leaves the label at λ
(attention rows sum to 1) — the tracer must accept such batches, not crash on them."""
import numpy as np
import torch
from mmpretrain.models.utils.batch_augments import Mixup
from mmpretrain.registry import BATCH_AUGMENTS

from .aligned_batch_augment import AlignedBatchAugment
from .mix_record import MixRecord
from .partner import partner_permutation


@BATCH_AUGMENTS.register_module()
class AlignedMixup(AlignedBatchAugment, Mixup):
    """mmpretrain's ``Mixup`` (same arguments) with a mix record."""

    def mix(self, batch_inputs: torch.Tensor, batch_scores: torch.Tensor) -> tuple:
        lam = float(np.random.beta(self.alpha, self.alpha))
        batch_size = batch_inputs.size(0)
        index = partner_permutation(batch_size, batch_inputs.device)  # no self-pairs
        mixed = lam * batch_inputs + (1 - lam) * batch_inputs[index]
        mask = torch.full(batch_inputs.shape[-2:], lam, device=batch_inputs.device)
        record = MixRecord.from_mix(index, lam, mask.expand(batch_size, -1, -1), batch_scores)
        return mixed, record.mixed_score(), record
