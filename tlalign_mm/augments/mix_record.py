"""What a mixing augment did to each sample, carried on the data samples.

TL-Align needs more than the mixed label: the partner of every sample, the area ratio and, per
pixel, how much of the sample's own image survived. Keeping this on the ``DataSample`` objects (not
in module state) keeps it correct under DDP, gradient accumulation and dataloader workers. Each
sample holds a reference to its batch's record and its row in it, so no per-sample tensors are
sliced and re-stacked on the hot path; a reordered or partial list of samples still resolves to
exactly its own rows.
"""
from dataclasses import dataclass, fields

import torch


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
        """Args: ``lam`` a Python float (known on the host: no device sync) or a (B,) tensor."""
        batch, device = scores.size(0), scores.device
        partner = partner.to(device)
        if not torch.is_tensor(lam):
            lam = torch.full((batch, ), float(lam), device=device)
        scores = scores.float()
        return cls(partner=partner, lam=lam.to(device, torch.float32),
                   own_mask=own_mask.to(device, torch.float32), own_score=scores,
                   partner_score=scores[partner])

    def mixed_score(self):
        lam = self.lam[:, None]
        return lam * self.own_score + (1 - lam) * self.partner_score

    def rows(self, index):
        """The record of a subset of samples (``index`` into this batch)."""
        return MixRecord(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def attach_to(self, data_samples):
        for i, sample in enumerate(data_samples):
            sample.set_field(self, 'mix_record', field_type='metainfo')
            sample.set_field(i, 'mix_row', field_type='metainfo')

    @classmethod
    def from_data_samples(cls, data_samples):
        """The batch's record, or None when the batch was not mixed by an aligned augment."""
        if not data_samples or 'mix_record' not in data_samples[0]:
            return None
        record = data_samples[0].mix_record
        rows = [sample.mix_row for sample in data_samples]
        if all(s.mix_record is record for s in data_samples) and rows == list(
                range(record.lam.numel())):
            return record
        parts = [s.mix_record.rows([s.mix_row]) for s in data_samples]
        return cls(**{f.name: torch.cat([getattr(p, f.name) for p in parts])
                      for f in fields(cls)})
