"""The ImageNet pre-training recipes behind every published number we claim to reproduce.

For each family (DeiT-T/S/B, Swin-T/S/B) three arms exist: the published baseline
(``mixup-cutmix``: Mixup 0.8 / CutMix 1.0 switched 50/50 per batch), the controlled ablation
(``cutmix``: CutMix on every batch) and TL-Align (token-CutMix on every batch, labels traced).
The recipes are pinned here to the published values, written out as literals (not read from
mmpretrain), so an edit of a base config cannot drift silently; each arm must differ from the
ablation only in its mixing. Then every config runs one real training iteration on the digits
written as an ImageNet folder, through its own dataset class, sampler, pipeline, optimiser
wrapper (the AMP one, swapped for CPU bf16 autocast as the tools do) and hooks. The arms of a
family share one built model (32 px instead of 224, and for Swin windows padded at that size: the
only overrides), which only changes its data preprocessor per arm.
"""
import copy
import functools
import os

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import tlalign_mm  # noqa: F401  (registers the package, as custom_imports does)
from mmpretrain.registry import MODELS

from ..conftest import ROOT, config_path
from .one_step import (gradient_norms, moved, on_this_device, train_one_iteration,
                       with_preprocessor)
from .test_paper_scale_seg_det_configs import one_thread  # noqa

ARMS = ('mixup-cutmix', 'cutmix', 'tlalign')
# family -> (folder, embed dims, drop path, warm-up epochs, grad clip, repeated augmentation,
#            published baseline top-1, published TL-Align top-1)
FAMILIES = {
    'deit-tiny': ('deit', 192, 0.1, 5, None, True, 72.2, 73.2),
    'deit-small': ('deit', 384, 0.1, 5, None, True, 79.8, 80.6),
    'deit-base': ('deit', 768, 0.1, 5, None, True, 81.8, 82.3),
    'swin-tiny': ('swin', 96, 0.2, 20, 5.0, False, 81.2, 81.4),
    'swin-small': ('swin', 96, 0.3, 20, 5.0, False, 83.0, 83.4),
    'swin-base': ('swin', 128, 0.5, 20, 5.0, False, 83.5, 83.7),
}
MIXUP_CUTMIX = [dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)]
SIZE = 32  # px of the one training iteration (the recipes train at 224)


@pytest.fixture(scope='module', autouse=True)
def imagenet_root(digits_root):
    """The digits ImageNet folder (train/, val/, meta/*.txt) as $IMAGENET_ROOT."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv('IMAGENET_ROOT', str(digits_root / 'digits_imagenet'))
        yield digits_root / 'digits_imagenet'


def path(family, arm):
    return config_path('pretrain', FAMILIES[family][0], f'{family}_{arm}_8xb128_in1k.py')


@functools.lru_cache(maxsize=None)
def _parse(family, arm, root):
    return Config.fromfile(path(family, arm))


def load(family, arm):
    return _parse(family, arm, os.environ.get('IMAGENET_ROOT'))


def transforms(cfg):
    return {t['type']: t for t in cfg.train_dataloader.dataset.pipeline}


@pytest.mark.parametrize('family', FAMILIES)
def test_recipe_is_the_published_one(family):
    folder, dims, drop_path, warmup, clip, repeated, *_ = FAMILIES[family]
    cfg = load(family, 'cutmix')
    assert cfg.model.backbone.drop_path_rate == drop_path
    assert cfg.model.head.in_channels == dims * (1 if folder == 'deit' else 8)
    assert cfg.model.head.loss == dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                                       mode='original')
    assert (cfg.train_cfg.max_epochs, cfg.train_cfg.val_interval) == (300, 1)
    assert cfg.train_dataloader.batch_size * 8 == 1024 == cfg.auto_scale_lr.base_batch_size
    sampler = cfg.train_dataloader.sampler
    assert (sampler.type == 'RepeatAugSampler') is repeated
    assert sampler.get('num_repeats', 3) == 3
    optim = cfg.optim_wrapper
    assert (optim.optimizer.type, optim.optimizer.lr, optim.optimizer.weight_decay) == (
        'AdamW', 1e-3, 0.05)
    assert (optim.get('clip_grad') or {}).get('max_norm') == clip
    linear, cosine = cfg.param_scheduler
    assert (linear.type, linear.start_factor, linear.end) == ('LinearLR', 1e-3, warmup)
    assert (cosine.type, cosine.begin, cosine.eta_min) == ('CosineAnnealingLR', warmup, 1e-5)
    steps = transforms(cfg)
    rand_augment = steps['RandAugment']
    assert (rand_augment.policies, rand_augment.num_policies, rand_augment.magnitude_level,
            rand_augment.magnitude_std, rand_augment.total_level) == (
                'timm_increasing', 2, 9, 0.5, 10)
    assert steps['RandomErasing'].erase_prob == 0.25
    assert steps['RandomResizedCrop'].scale == 224
    # paper-scale runs: fp16 AMP, 3 checkpoints kept, the best by validation top-1 kept too
    assert optim.type == 'AmpOptimWrapper' and 'loss_scale' not in optim  # its default: dynamic
    checkpoint = cfg.default_hooks.checkpoint
    assert (checkpoint.interval, checkpoint.max_keep_ckpts, checkpoint.save_best,
            checkpoint.rule) == (1, 3, 'accuracy/top1', 'greater')


def without_mixing(cfg):
    """The resolved config minus what an arm may change: batch mixing and label rewriting."""
    flat = cfg.to_dict()
    flat['model'] = {k: v for k, v in flat['model'].items() if k != 'train_cfg'}
    for key in ('data_preprocessor', 'custom_hooks', 'filename'):
        flat.pop(key, None)
    flat['data_preprocessor_rest'] = {k: v for k, v in cfg.data_preprocessor.items()
                                      if k != 'type'}
    return flat


@pytest.mark.parametrize('family', FAMILIES)
def test_arms_differ_from_the_ablation_only_in_mixing(family):
    patch = 16 if family.startswith('deit') else 4
    ablation = load(family, 'cutmix')
    baseline, tlalign = load(family, 'mixup-cutmix'), load(family, 'tlalign')
    assert without_mixing(baseline) == without_mixing(ablation) == without_mixing(tlalign)

    assert ablation.model.train_cfg == dict(augments=[dict(type='CutMix', alpha=1.0)])
    assert baseline.model.train_cfg == dict(augments=MIXUP_CUTMIX, probs=[0.5, 0.5])
    assert tlalign.model.train_cfg == dict(
        augments=[dict(type='AlignedTokenCutMix', alpha=1.0, patch_size=patch)])
    assert [cfg.get('custom_hooks', []) for cfg in (ablation, baseline, tlalign)] == [
        [], [], [dict(type='TLAlignHook', label_mode='scalar')]]
    assert 'type' not in ablation.data_preprocessor and 'type' not in baseline.data_preprocessor
    assert tlalign.data_preprocessor.type == 'MixRecordingDataPreprocessor'


def test_headers_and_benchmarks_name_the_published_numbers():
    """Each baseline config names the number it reproduces; each benchmark labels its rows."""
    for family, (*_, baseline, _) in FAMILIES.items():
        assert f': {baseline} top-1)' in open(path(family, 'mixup-cutmix')).read(), family
    for bench, family in (('deit-small', 'deit-small'), ('swin-tiny', 'swin-tiny')):
        arms = Config.fromfile(config_path('benchmarks', f'{bench}_in1k_transfer.py')).arms
        *_, baseline, tlalign = FAMILIES[family]
        assert arms['mixup-cutmix'].label == f'Mixup+CutMix (published {baseline})'
        assert arms['tlalign'].label == f'TL-Align (published {tlalign})'
        assert arms['cutmix'].label == 'CutMix only (ablation)'
    table = open(os.path.join(ROOT, 'docs', 'reproduction.md')).read()
    for family, (folder, *_, baseline, tlalign) in FAMILIES.items():
        for arm, value in (('mixup-cutmix', baseline), ('tlalign', tlalign)):
            row = next((line for line in table.splitlines()
                        if f'`configs/pretrain/{folder}/{family}_{arm}_8xb128_in1k.py`' in line),
                       None)
            assert row is not None and f'| {value} |' in row, (family, arm)


@functools.lru_cache(maxsize=1)  # the arms of one family run one after the other
def shared_model(family):
    """The family's model and optimiser wrapper, shared by its arms: their model and
    optim_wrapper configs are identical (test_arms_differ_from_the_ablation_only_in_mixing)."""
    cfg = copy.deepcopy(load(family, 'cutmix'))
    init_default_scope('mmpretrain')
    backbone = dict(cfg.model.backbone, img_size=SIZE)
    if family.startswith('swin'):  # 32 px leaves the stages smaller than a 7x7 window
        backbone['pad_small_map'] = True
    model = MODELS.build(dict(cfg.model, backbone=backbone,
                              data_preprocessor=cfg.data_preprocessor))
    # what the tools do: AMP becomes CPU bf16 autocast here
    return model, build_optim_wrapper(model, on_this_device(cfg).optim_wrapper)


def small_copy(cfg):
    """The config at SIZE px: the random crop's output size is the only change."""
    cfg = copy.deepcopy(cfg)
    for step in cfg.train_dataloader.dataset.pipeline:
        if step['type'] == 'RandomResizedCrop':
            step['scale'] = SIZE
    return cfg


@pytest.mark.parametrize('family,arm', [(f, a) for f in FAMILIES for a in ARMS])
def test_one_training_iteration_on_an_imagenet_folder(family, arm, tmp_path):
    torch.manual_seed(0)
    cfg = small_copy(load(family, arm))
    model, optim_wrapper = shared_model(family)
    model = with_preprocessor(model, cfg, MODELS)
    first = 'backbone.patch_embed.projection.weight'
    last = 'head.layers.head.weight' if family.startswith('deit') else 'head.fc.weight'
    with gradient_norms(model, [first, last]) as norms:
        runner, updated = moved(model, [last], lambda: train_one_iteration(
            cfg, model, tmp_path, samples=1, optim_wrapper=optim_wrapper))

    assert type(runner.optim_wrapper).__name__ == 'CPUBf16AmpOptimWrapper'  # CPU side of AMP
    assert runner.iter == 1
    assert torch.isfinite(torch.tensor(runner.message_hub.get_scalar('train/loss').current()))
    # The backward pass reached the patch embedding (a DeiT's first step gives it a zero
    # gradient: mmpretrain's ViT head starts at zero).
    assert sorted(norms) == sorted([first, last]) and norms[last] > 0
    assert updated == {last}
    if arm == 'tlalign':  # the hook traced this iteration's labels (KeyError otherwise)
        assert len(runner.message_hub.get_scalar('train/align_gap').data[0]) == 1
