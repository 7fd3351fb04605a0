"""What a mixing augment did to each sample, carried on the data samples.

TL-Align needs more than the mixed label: the partner of every sample, the area ratio and, per
pixel, how much of the sample's own image survived. Keeping this on the ``DataSample`` objects (not
in module state) keeps it correct under DDP, gradient accumulation and dataloader workers. Each
sample holds a reference to its batch's record and its row in it, so no per-sample tensors are
sliced and re-stacked on the hot path; a reordered or partial list of samples still resolves to
exactly its own rows.

A record keeps its type through every operation (:meth:`MixRecord.select`,
:meth:`MixRecord.concatenate`, :meth:`MixRecord.with_negative_views`): a subclass such as
MixToken's ``TokenMixRecord`` comes back with its own fields, so a head that checks for it never
misses it.
"""
import dataclasses
from dataclasses import dataclass, fields
from typing import List, Optional, Sequence

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
    def from_mix(cls, partner: torch.Tensor, lam, own_mask: torch.Tensor,
                 scores: torch.Tensor) -> 'MixRecord':
        """Args: ``lam`` a Python float (known on the host: no device sync) or a (B,) tensor."""
        batch, device = scores.size(0), scores.device
        partner = partner.to(device)
        if not torch.is_tensor(lam):
            lam = torch.full((batch, ), float(lam), device=device)
        scores = scores.float()
        return cls(partner=partner, lam=lam.to(device, torch.float32),
                   own_mask=own_mask.to(device, torch.float32), own_score=scores,
                   partner_score=scores[partner])

    def mixed_score(self) -> torch.Tensor:
        lam = self.lam[:, None]
        return lam * self.own_score + (1 - lam) * self.partner_score

    def _tensor_fields(self) -> List[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]

    def select(self, index) -> 'MixRecord':
        """The record of a subset of samples (``index`` into this batch), of this type."""
        return dataclasses.replace(self, **{name: getattr(self, name)[index]
                                            for name in self._tensor_fields()})

    @staticmethod
    def concatenate(records: Sequence['MixRecord']) -> 'MixRecord':
        """One record of the samples of ``records`` in order; they must be of one type."""
        kinds = {type(record) for record in records}
        if len(kinds) != 1:
            raise TypeError(f'cannot concatenate mix records of types '
                            f'{sorted(k.__name__ for k in kinds)}')
        first = records[0]
        return dataclasses.replace(first, **{
            name: torch.cat([getattr(record, name) for record in records])
            for name in first._tensor_fields()})

    def with_negative_views(self, own_mask: torch.Tensor) -> 'MixRecord':
        """The record of a 2B batch: these B samples, then a negative view of each.

        A negative view keeps its positive's partner (shifted to the negatives' half), area
        ratio and scores; ``own_mask`` (B, H, W) is the own-image share of its moved pixels.
        """
        extra = [f.name for f in fields(self) if f.name not in _BASE_FIELDS
                 and getattr(self, f.name) is not None]
        if extra:
            raise ValueError(f'negative views of a {type(self).__name__} would need {extra} '
                             'moved with the pixels; only pixel-level mixes are supported')
        views = dataclasses.replace(self, partner=self.partner + self.partner.numel(),
                                    own_mask=own_mask)
        return MixRecord.concatenate([self, views])

    def attach_to(self, data_samples: list) -> None:
        for i, sample in enumerate(data_samples):
            sample.set_field(self, 'mix_record', field_type='metainfo')
            sample.set_field(i, 'mix_row', field_type='metainfo')

    @classmethod
    def from_data_samples(cls, data_samples: list) -> Optional['MixRecord']:
        """The batch's record, or None when the batch was not mixed by an aligned augment."""
        if not data_samples or 'mix_record' not in data_samples[0]:
            return None
        record = data_samples[0].mix_record
        rows = [sample.mix_row for sample in data_samples]
        if all(s.mix_record is record for s in data_samples) and rows == list(
                range(record.lam.numel())):
            return record
        return MixRecord.concatenate([s.mix_record.select([s.mix_row]) for s in data_samples])


_BASE_FIELDS = tuple(f.name for f in fields(MixRecord))
