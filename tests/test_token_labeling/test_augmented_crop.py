"""``ScoreMapAugmentedCrop`` against the two transforms it stands for: ``ScoreMapRandAugment``
on the whole image, then ``ScoreMapRandomResizedCrop``, run on the same seed.

The picture is noise on a gradient, so a region one pixel off, a kernel cut at a region's edge
or a look-up table one level off shows in the pixels.
"""
import numpy as np
import pytest
from mmcv.transforms import Compose
from mmpretrain.datasets.transforms.auto_augment import RANDAUG_POLICIES
from mmpretrain.registry import TRANSFORMS

import tlalign_mm  # noqa: F401  (registers the transforms)

from ..conftest import config_path

HPARAMS = dict(pad_val=[104, 116, 124])
CROP = dict(scale=32, backend='pillow', interpolation='bicubic')
TIMM = RANDAUG_POLICIES['timm_increasing']
WARPS_ROUNDED_PER_PIXEL = ('Rotate', 'Shear')


def picture(seed=0, height=72, width=96):
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width]
    smooth = np.stack([128 + 90 * np.sin(0.11 * xs + 0.07 * ys + c) for c in range(3)], -1)
    return np.clip(smooth + rng.normal(0, 25, smooth.shape), 0, 255).astype(np.uint8)


def score_map(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(3, 6, 8)).astype(np.float32), rng.integers(0, 50, (3, 6, 8))


def both(policies, num_policies=2, interpolation='bicubic'):
    augment = dict(policies=policies, num_policies=num_policies, total_level=10,
                   magnitude_level=9, magnitude_std=0.5,
                   hparams=dict(HPARAMS, interpolation=interpolation))
    two_steps = Compose([TRANSFORMS.build(dict(type='ScoreMapRandAugment', **augment)),
                         TRANSFORMS.build(dict(type='ScoreMapRandomResizedCrop', **CROP))])
    one_step = TRANSFORMS.build(dict(type='ScoreMapAugmentedCrop', rand_augment=augment,
                                     crop=CROP))
    return two_steps, one_step


def run(transform, seed, flipped=False):
    np.random.seed(seed)
    img = picture()[:, ::-1] if flipped else picture()  # mmcv's flip hands on such a view
    out = transform(dict(img=img, score_map=score_map()))
    return out, np.random.get_state()[1].copy()


def chosen_ops(transform, seed):
    np.random.seed(seed)
    return [type(transform.rand_augment.transforms[i]).__name__
            for i in transform.rand_augment.random_policy_indices()]


def assert_same_draws_box_and_map(a, b):
    (out_a, state_a), (out_b, state_b) = a, b
    assert (state_a == state_b).all(), 'the random stream moved differently'
    assert out_a['crop_box'] == out_b['crop_box']
    for x, y in zip(out_a['score_map'], out_b['score_map']):
        np.testing.assert_array_equal(x, y)
    assert out_a['img'].shape == out_b['img'].shape == (32, 32, 3)


def test_equals_augment_then_crop_pixel_for_pixel():
    """Every op but rotate and shear: point ops, the whole-image ops (auto-contrast, equalize,
    contrast) in either place of the pair, sharpness, translate, an op drawn twice."""
    policies = [p for p in TIMM if p['type'] not in WARPS_ROUNDED_PER_PIXEL]
    two_steps, one_step = both(policies)
    pairs = set()
    for seed in range(120):
        a, b = run(two_steps, seed), run(one_step, seed)
        assert_same_draws_box_and_map(a, b)
        np.testing.assert_array_equal(a[0]['img'], b[0]['img'], err_msg=f'seed {seed}')
        pairs.add(tuple(chosen_ops(one_step, seed)))
    assert ('Translate', 'Translate') in pairs and ('Translate', 'Sharpness') in pairs
    assert {('Equalize', 'Translate'), ('Translate', 'AutoContrast')} & pairs


@pytest.mark.parametrize('flipped', [False, True])
def test_three_ops_with_the_whole_image_op_in_the_middle(flipped):
    policies = [dict(type='Translate', magnitude_range=(0, 0.45), direction='horizontal',
                     prob=1.0),
                dict(type='Sharpness', magnitude_range=(0, 0.9), prob=1.0),
                dict(type='Contrast', magnitude_range=(0, 0.9), prob=1.0),
                dict(type='Equalize', prob=1.0)]
    two_steps, one_step = both(policies, num_policies=3)
    for seed in range(40):
        a, b = run(two_steps, seed, flipped), run(one_step, seed, flipped)
        assert_same_draws_box_and_map(a, b)
        np.testing.assert_array_equal(a[0]['img'], b[0]['img'], err_msg=f'seed {seed}')


@pytest.mark.parametrize('interpolation', ['nearest', 'bilinear', 'lanczos'])
def test_each_interpolation_kernel_reads_inside_the_region(interpolation):
    policies = [dict(type='Translate', magnitude_range=(0, 0.45), direction=d, prob=1.0)
                for d in ('horizontal', 'vertical')]
    two_steps, one_step = both(policies, interpolation=interpolation)
    for seed in range(12):
        a, b = run(two_steps, seed), run(one_step, seed)
        assert_same_draws_box_and_map(a, b)
        np.testing.assert_array_equal(a[0]['img'], b[0]['img'], err_msg=f'seed {seed}')


def test_an_op_of_unknown_reach_runs_on_the_whole_image():
    policies = [dict(type='Cutout', magnitude_range=(0, 20), prob=1.0),
                dict(type='Translate', magnitude_range=(0, 0.45), direction='vertical')]
    two_steps, one_step = both(policies)
    for seed in range(20):
        a, b = run(two_steps, seed), run(one_step, seed)
        assert_same_draws_box_and_map(a, b)
        np.testing.assert_array_equal(a[0]['img'], b[0]['img'], err_msg=f'seed {seed}')


def test_rotate_and_shear_differ_only_by_the_warp_coordinate_rounding():
    """OpenCV rounds each output pixel's source point to 1/32 pixel from its own column and row,
    so a warp into a region can land on the neighbouring 1/32 step: a few pixels move by a few
    levels. A region one pixel off would change nearly every pixel of the noisy picture."""
    policies = [dict(p, prob=1.0) for p in TIMM if p['type'] in WARPS_ROUNDED_PER_PIXEL]
    policies.append(dict(type='Brightness', magnitude_range=(0, 0.9)))
    two_steps, one_step = both(policies)
    changed, pixels = 0, 0
    for seed in range(40):
        a, b = run(two_steps, seed), run(one_step, seed)
        assert_same_draws_box_and_map(a, b)
        diff = np.abs(a[0]['img'].astype(int) - b[0]['img'].astype(int))
        assert diff.max() <= 12, f'seed {seed}'
        changed, pixels = changed + np.count_nonzero(diff), pixels + diff.size
    assert changed / pixels < 0.01
    shifted = picture()
    assert np.count_nonzero(shifted[1:] != shifted[:-1]) > 0.9 * shifted[1:].size


@pytest.mark.parametrize('config', ['lvvit-s_token-labeling_8xb128_in1k',
                                    'lvvit-l_token-labeling_8xb128_in1k'])
def test_token_labeling_configs_augment_then_crop_in_one_step(config):
    from mmengine.config import Config
    steps = [t['type'] for t in Config.fromfile(config_path('pretrain', 'lvvit', config + '.py'))
             .train_dataloader.dataset.pipeline]
    assert steps[:5] == ['LoadImageFromFile', 'LoadScoreMap', 'ScoreMapRandomFlip',
                         'ScoreMapAugmentedCrop', 'RandomErasing']
