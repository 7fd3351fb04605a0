"""Fuzz of the aligned augments: random batch sizes (1 included), image and patch sizes, α and
``probs``; mixed labels stay distributions, the record stays a share, nobody mixes with itself
when the batch has a partner to offer, and a batch of one is reported instead of silently
"mixed"."""
import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger
from mmpretrain.models.utils import RandomBatchAugment

from tlalign_mm.augments import AlignedCutMix, AlignedMixup, AlignedTokenCutMix
from tlalign_mm.augments import partner as partner_module
from tlalign_mm.augments.partner import partner_permutation


def random_augment(rng):
    alpha = float(rng.choice([0.05, 0.3, 1.0, 2.0, 10.0]))
    kind = rng.integers(4)
    if kind == 0:
        return AlignedCutMix(alpha), 1
    if kind == 1:
        return AlignedMixup(alpha), 1
    patch = int(rng.choice([1, 2, 4, 8]))
    if kind == 2:
        return AlignedTokenCutMix(alpha, patch), patch
    p = float(rng.uniform(0.05, 0.95))
    both = RandomBatchAugment([dict(type='AlignedTokenCutMix', alpha=alpha, patch_size=patch),
                               dict(type='AlignedMixup', alpha=alpha)], probs=[p, 1 - p])
    return both, patch


def check_one(rng, trial):
    augment, patch = random_augment(rng)
    batch = int(rng.choice([1, 1, 2, 3, 5, 8, 17]))
    height = patch * int(rng.integers(1, 6)) + int(rng.integers(0, patch))  # ragged edges too
    width = patch * int(rng.integers(1, 6)) + int(rng.integers(0, patch))
    classes = int(rng.integers(2, 12))
    images = torch.rand(batch, 3, height, width)
    soft = torch.rand(batch, classes) ** 4  # soft labels as well as one-hot
    scores = soft / soft.sum(1, keepdim=True) if trial % 2 else torch.nn.functional.one_hot(
        torch.randint(classes, (batch, )), classes).float()
    np.random.seed(trial)
    torch.manual_seed(trial)
    out = augment(images.clone(), scores)
    mixed, mixed_scores = out  # mmpretrain's pair ...
    record = out.record  # ... carrying the record
    assert mixed.shape == images.shape and torch.isfinite(mixed).all()
    torch.testing.assert_close(mixed_scores.sum(1), torch.ones(batch))
    assert (mixed_scores >= -1e-7).all()
    assert record.own_mask.shape == (batch, height, width)
    assert (record.own_mask >= 0).all() and (record.own_mask <= 1).all()
    assert (record.lam >= 0).all() and (record.lam <= 1).all()
    assert sorted(record.partner.tolist()) == list(range(batch))
    if batch >= 2:
        assert not (record.partner == torch.arange(batch)).any(), record.partner
    # the pixels are exactly the recorded blend
    expected = (record.own_mask[:, None] * images +
                (1 - record.own_mask[:, None]) * images[record.partner])
    torch.testing.assert_close(mixed, expected)


def test_fuzz_aligned_augments():
    rng = np.random.default_rng(0)
    for trial in range(150):
        check_one(rng, trial)


def test_partner_permutation_has_no_self_pairs_and_is_a_permutation():
    for batch in range(2, 10):
        for seed in range(60):
            torch.manual_seed(seed)
            stock = torch.randperm(batch)
            torch.manual_seed(seed)
            ours = partner_permutation(batch)
            assert sorted(ours.tolist()) == list(range(batch))
            assert not (ours == torch.arange(batch)).any()
            if not (stock == torch.arange(batch)).any():  # nothing to repair: stock's draw
                assert torch.equal(ours, stock)


def test_batch_of_one_is_reported(monkeypatch):
    logged = []
    logger = MMLogger.get_current_instance()
    monkeypatch.setattr(partner_module, '_warned_single', False)
    monkeypatch.setattr(logger, 'warning', lambda msg, *a, **k: logged.append(msg))
    monkeypatch.setattr(logger, 'log', lambda level, msg, *a, **k: logged.append(msg))
    images = torch.rand(1, 3, 8, 8)
    mixed, scores, record = AlignedCutMix(1.0).mix(images.clone(), torch.eye(3)[:1])
    assert record.partner.tolist() == [0]
    assert any('batch of one sample cannot be mixed' in m for m in logged), logged
    torch.testing.assert_close(scores, torch.eye(3)[:1])
