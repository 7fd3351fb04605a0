"""Aligned batch augments: same mixing as mmpretrain's, plus an exact mix record."""
import numpy as np
import pytest
import torch
from mmpretrain.models.utils import RandomBatchAugment
from mmpretrain.models.utils.batch_augments import CutMix, Mixup
from mmpretrain.structures import DataSample

from tlalign_mm.augments import AlignedCutMix, AlignedMixup, AlignedTokenCutMix, MixRecord


def batch(n=6, classes=5, size=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    images = torch.rand(n, 3, size, size, generator=g)
    scores = torch.nn.functional.one_hot(torch.arange(n) % classes, classes).float()
    return images, scores


@pytest.mark.parametrize('aligned,stock', [(AlignedCutMix(alpha=1.0), CutMix(alpha=1.0)),
                                           (AlignedMixup(alpha=0.8), Mixup(alpha=0.8))])
def test_same_images_and_labels_as_mmpretrain(aligned, stock):
    images, scores = batch()
    # torch seed 4: randperm(6) pairs no sample with itself, where the aligned augments re-pair
    # (tlalign_mm/augments/partner.py); everything else is mmpretrain's draw for draw.
    np.random.seed(3)
    torch.manual_seed(4)
    ours, our_scores, record = aligned.mix(images.clone(), scores.float())
    np.random.seed(3)
    torch.manual_seed(4)
    theirs, their_scores = stock(images.clone(), scores)
    torch.testing.assert_close(ours, theirs)
    torch.testing.assert_close(our_scores, their_scores)
    torch.testing.assert_close(record.mixed_score(), their_scores)


@pytest.mark.parametrize('augment', [AlignedCutMix(1.0), AlignedTokenCutMix(1.0, 8),
                                     AlignedMixup(0.8)])
def test_record_describes_the_mix_exactly(augment):
    images, scores = batch()
    for seed in range(5):
        np.random.seed(seed)
        mixed, mixed_scores, rec = augment.mix(images.clone(), scores.float())
        # Each pixel is the recorded blend of the sample and its partner.
        expected = (rec.own_mask[:, None] * images +
                    (1 - rec.own_mask[:, None]) * images[rec.partner])
        torch.testing.assert_close(mixed, expected)
        # λ (computed on the host) is the own-image area of the mask.
        torch.testing.assert_close(rec.lam, rec.own_mask.flatten(1).mean(1))
        torch.testing.assert_close(mixed_scores, rec.mixed_score())


def test_token_cutmix_cuts_along_patch_edges():
    images, scores = batch(n=4, size=48)
    for seed in range(10):
        np.random.seed(seed)
        _, _, rec = AlignedTokenCutMix(alpha=1.0, patch_size=16).mix(images.clone(),
                                                                     scores.float())
        per_patch = torch.nn.functional.avg_pool2d(rec.own_mask[:, None], 16)
        assert set(per_patch.unique().tolist()) <= {0.0, 1.0}


def authors_token_box(grid, lam):
    """TL-Align's ``rand_token_bbox`` (and LV-ViT's ``rand_bbox``) on a square grid, written
    out: floor of the side, ``±cut//2`` around a uniform centre, clipped."""
    cut = int(grid * np.sqrt(1 - lam))
    cy, cx = np.random.randint(grid), np.random.randint(grid)
    return (min(max(cy - cut // 2, 0), grid), min(max(cy + cut // 2, 0), grid),
            min(max(cx - cut // 2, 0), grid), min(max(cx + cut // 2, 0), grid))


def test_token_box_is_sampled_as_the_authors_sample_it():
    """On DeiT's 14x14 grid the authors' box keeps 0.729 of the tokens on average (Beta(1, 1));
    rounding the side instead cuts more (0.68) and mixes harder than the published recipe."""
    augment, grid, draws = AlignedTokenCutMix(alpha=1.0, patch_size=16), 14, 20000
    lams = np.random.default_rng(0).beta(1.0, 1.0, draws)
    kept = []
    for i, lam in enumerate(lams):
        np.random.seed(i)
        y1, y2, x1, x2 = augment.sample_box(grid, grid, lam)
        np.random.seed(i)
        assert (y1, y2, x1, x2) == authors_token_box(grid, lam)
        kept.append(1 - (y2 - y1) * (x2 - x1) / grid**2)
    assert abs(np.mean(kept) - 0.729) < 0.01


def test_record_round_trips_through_data_samples_in_any_order():
    images, scores = batch()
    _, _, rec = AlignedTokenCutMix(1.0, 8).mix(images.clone(), scores.float())
    samples = [DataSample() for _ in range(6)]
    rec.attach_to(samples)
    assert MixRecord.from_data_samples(samples) is rec
    subset = [samples[4], samples[1]]
    got = MixRecord.from_data_samples(subset)
    torch.testing.assert_close(got.own_mask, rec.own_mask[[4, 1]])
    torch.testing.assert_close(got.partner_score, rec.partner_score[[4, 1]])
    assert MixRecord.from_data_samples([DataSample()]) is None


def test_compose_in_random_batch_augment_with_probs():
    augment = RandomBatchAugment([dict(type='AlignedTokenCutMix', patch_size=8),
                                  dict(type='AlignedMixup', alpha=0.8)], probs=[0.5, 0.3])
    images, scores = batch()
    kinds = set()
    np.random.seed(0)
    for _ in range(40):
        out = augment(images.clone(), scores)
        assert len(out) == 2  # mmpretrain's pair, mixed or not
        kinds.add(type(out).__name__)
    assert kinds == {'MixedBatch', 'tuple'}  # the unmixed remainder carries no record


def test_bad_arguments():
    with pytest.raises(ValueError, match='alpha'):
        AlignedTokenCutMix(alpha=0)
    with pytest.raises(ValueError, match='smaller than one 64px patch'):
        AlignedTokenCutMix(patch_size=64)(*batch())
    with pytest.raises(ValueError, match='correct_lam=False cannot be honoured'):
        AlignedCutMix(alpha=1.0, correct_lam=False)
    with pytest.raises(ValueError, match=r'AlignedMixup needs one-hot/soft scores .*\(6,\)'):
        AlignedMixup(alpha=0.8)(batch()[0], torch.zeros(6))


def test_every_aligned_augment_shares_the_base_class():
    from tlalign_mm.augments import AlignedBatchAugment
    for augment in (AlignedCutMix(1.0), AlignedTokenCutMix(1.0, 8), AlignedMixup(0.8)):
        assert isinstance(augment, AlignedBatchAugment)


def test_preprocessor_keeps_recording_after_the_augment_is_replaced():
    """mmpretrain's SwitchRecipeHook assigns ``model.data_preprocessor.batch_augments`` a new
    ``RandomBatchAugment`` mid-training; the assignment below is that switch."""
    from tlalign_mm.models.data_preprocessors import MixRecordingDataPreprocessor
    preprocessor = MixRecordingDataPreprocessor(
        num_classes=5, batch_augments=dict(augments=[dict(type='AlignedMixup', alpha=0.8)]))
    preprocessor.batch_augments = RandomBatchAugment(
        [dict(type='AlignedTokenCutMix', patch_size=8)])
    images, _ = batch()
    samples = [DataSample().set_gt_label(i % 5) for i in range(6)]
    np.random.seed(0)
    out = preprocessor(dict(inputs=list(images), data_samples=samples), training=True)
    record = MixRecord.from_data_samples(out['data_samples'])
    assert set(record.own_mask.unique().tolist()) <= {0.0, 1.0}  # token-CutMix, recorded
    torch.testing.assert_close(torch.stack([s.gt_score for s in out['data_samples']]),
                               record.mixed_score())
