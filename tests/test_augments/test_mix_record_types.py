"""A mix record keeps its type: selected, re-batched or extended with negative views, a
MixToken record comes back as a TokenMixRecord with its token ownership."""
import numpy as np
import pytest
import torch
from mmpretrain.structures import DataSample

from tlalign_mm.augments import AlignedCutMix, MixRecord, MixToken, TokenMixRecord


def token_record(batch=4):
    np.random.seed(3)
    scores = torch.eye(batch)
    _, _, record = MixToken(token_size=8).mix(torch.rand(batch, 3, 32, 32), scores)
    return record


def test_a_reordered_partial_batch_keeps_the_token_record():
    record = token_record()
    assert type(record) is TokenMixRecord and record.token_own.shape == (4, 16)
    samples = [DataSample() for _ in range(4)]
    record.attach_to(samples)
    picked = [samples[2], samples[0]]  # reordered and partial: rows are re-stacked
    again = MixRecord.from_data_samples(picked)
    assert type(again) is TokenMixRecord
    assert torch.equal(again.token_own, record.token_own[[2, 0]])
    assert torch.equal(again.partner, record.partner[[2, 0]])
    assert torch.equal(again.own_mask, record.own_mask[[2, 0]])
    selected = record.select(torch.tensor([1, 3]))
    assert type(selected) is TokenMixRecord
    assert torch.equal(selected.token_own, record.token_own[[1, 3]])


def test_records_of_two_types_are_not_concatenated():
    np.random.seed(0)
    _, _, pixel = AlignedCutMix(1.0).mix(torch.rand(4, 3, 32, 32), torch.eye(4))
    with pytest.raises(TypeError, match=r"\['MixRecord', 'TokenMixRecord'\]"):
        MixRecord.concatenate([pixel, token_record()])


def test_negative_views_extend_a_pixel_record_by_hand():
    np.random.seed(1)
    _, _, record = AlignedCutMix(1.0).mix(torch.rand(3, 3, 8, 8), torch.eye(3))
    moved = torch.rand(3, 8, 8)
    both = record.with_negative_views(moved)
    assert type(both) is MixRecord
    assert both.partner.tolist() == record.partner.tolist() + [p + 3 for p in
                                                                record.partner.tolist()]
    assert torch.equal(both.own_mask[3:], moved) and torch.equal(both.own_mask[:3],
                                                                  record.own_mask)
    assert torch.equal(both.lam, torch.cat([record.lam, record.lam]))
    assert torch.equal(both.partner_score[3:], record.partner_score)
    with pytest.raises(ValueError, match=r"TokenMixRecord would need \['token_own'\]"):
        token_record().with_negative_views(torch.rand(4, 32, 32))
