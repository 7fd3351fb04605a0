"""What a mixing augment did to each sample, carried on the data samples.

TL-Align needs more than the mixed label: the partner of every sample, the area ratio and, per
pixel, how much of the sample's own image survived. Keeping this on the ``DataSample`` objects (not
in module state) keeps it correct under DDP, gradient accumulation and dataloader workers.
"""
from dataclasses import dataclass

import torch

_FIELDS = ('partner', 'lam', 'own_mask', 'own_score', 'partner_score')


@dataclass
class MixRecord:
    """Per-batch mix description.

    Attributes:
        partner: (B,) index of the image each sample was mixed with.
        lam: (B,) area ratio — the own-image share of the mixed label.
        own_mask: (B, H, W) fraction of each pixel that comes from the sample's own image
            (1/0 for CutMix, the constant λ for Mixup).
        own_score: (B, K) the sample's label before mixing.
        partner_score: (B, K) the partner's label before mixing.
    """
    partner: torch.Tensor
    lam: torch.Tensor
    own_mask: torch.Tensor
    own_score: torch.Tensor
    partner_score: torch.Tensor

    @classmethod
    def from_mix(cls, partner, lam, own_mask, scores):
        batch = scores.size(0)
        lam = torch.as_tensor(lam, dtype=torch.float32, device=scores.device)
        return cls(
            partner=partner.to(scores.device),
            lam=lam.expand(batch).clone() if lam.dim() == 0 else lam,
            own_mask=own_mask.to(scores.device, torch.float32),
            own_score=scores.float(),
            partner_score=scores.float()[partner.to(scores.device)])

    def mixed_score(self):
        lam = self.lam[:, None]
        return lam * self.own_score + (1 - lam) * self.partner_score

    def attach_to(self, data_samples):
        for i, sample in enumerate(data_samples):
            for name in _FIELDS:
                sample.set_field(getattr(self, name)[i], f'mix_{name}', field_type='metainfo')

    @classmethod
    def from_data_samples(cls, data_samples):
        """The batch's record, or None when the batch was not mixed by an aligned augment."""
        if not data_samples or 'mix_lam' not in data_samples[0]:
            return None
        values = {
            name: torch.stack([sample.get(f'mix_{name}') for sample in data_samples])
            for name in _FIELDS
        }
        return cls(**values)
