"""The iFormer ImageNet-1k recipes (the authors' released args, written out here as literals),
and one real training iteration of each iFormer-S arm on the digits written as an ImageNet
folder (64 px crops instead of 224, the only override besides the loader size). B/L are built on
the meta device: their recipes differ from S only in the pinned values below.
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS

import tlalign_mm  # noqa: F401

from ..conftest import ROOT
from .one_iteration import train_one_iteration

# arch -> (head width, drop path, minimum lr, gradient clip)
RECIPES = {'small': (384, 0.2, 1e-6, None), 'base': (512, 0.4, 1e-5, 1.0),
           'large': (640, 0.5, 1e-5, 1.0)}
ARMS = {'mixup-cutmix': ['Mixup', 'CutMix'], 'tlalign': ['AlignedMixup', 'AlignedCutMix']}


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def load(arch, arm):
    return Config.fromfile(osp.join(ROOT, 'configs', 'pretrain', 'iformer',
                                    f'iformer-{arch}_{arm}_8xb128_in1k.py'))


def without_mixing(cfg):
    flat = cfg.to_dict()
    flat['model'] = {k: v for k, v in flat['model'].items() if k != 'train_cfg'}
    for key in ('data_preprocessor', 'custom_hooks', 'filename'):
        flat.pop(key, None)
    return flat


@pytest.mark.parametrize('arch', RECIPES)
def test_recipe_is_the_authors(arch, monkeypatch):
    monkeypatch.delenv('IMAGENET_ROOT', raising=False)
    width, drop_path, min_lr, clip = RECIPES[arch]
    cfg = load(arch, 'mixup-cutmix')
    assert (cfg.model.backbone.arch, cfg.model.backbone.drop_path_rate) == (arch, drop_path)
    assert cfg.model.head.in_channels == width
    assert cfg.model.head.loss == dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                                       mode='original')
    assert cfg.train_dataloader.batch_size * 8 == 1024 == cfg.auto_scale_lr.base_batch_size
    assert cfg.train_dataloader.dataset.data_root == 'data/imagenet'
    optim = cfg.optim_wrapper
    assert (optim.type, optim.optimizer.type, optim.optimizer.lr,
            optim.optimizer.weight_decay) == ('AmpOptimWrapper', 'AdamW', 1e-3, 0.05)
    assert optim.paramwise_cfg == dict(flat_decay_mult=0.0)  # timm: no decay on 1-D params
    assert (optim.get('clip_grad') or {}).get('max_norm') == clip
    warmup, cosine = cfg.param_scheduler
    assert (warmup.type, warmup.start_factor, warmup.end) == ('LinearLR', 1e-3, 5)
    assert (cosine.type, cosine.begin, cosine.end, cosine.eta_min) == (
        'CosineAnnealingLR', 5, 300, min_lr)
    assert cfg.train_cfg.max_epochs == 310  # + 10 cool-down epochs at the minimum lr
    steps = {t.type: t for t in cfg.train_dataloader.dataset.pipeline}
    assert (steps['RandAugment'].magnitude_level, steps['RandAugment'].magnitude_std) == (9, 0.5)
    assert (steps['RandomErasing'].erase_prob, steps['RandomErasing'].mode) == (0.25, 'rand')
    assert steps['RandomResizedCrop'].scale == 224
    test_steps = {t.type: t for t in cfg.val_dataloader.dataset.pipeline}
    assert (test_steps['ResizeEdge'].scale, test_steps['CenterCrop'].crop_size) == (248, 224)
    tlalign = load(arch, 'tlalign')
    assert without_mixing(tlalign) == without_mixing(cfg)
    for arm, augments in ARMS.items():
        train_cfg = load(arch, arm).model.train_cfg
        assert [a.type for a in train_cfg.augments] == augments
        assert ([a.alpha for a in train_cfg.augments], train_cfg.probs) == ([0.8, 1.0],
                                                                            [0.5, 0.5])
    assert tlalign.data_preprocessor.type == 'MixRecordingDataPreprocessor'
    assert tlalign.custom_hooks == [dict(type='TLAlignHook', label_mode='scalar')]
    with torch.device('meta'):
        init_default_scope('mmpretrain')
        model = MODELS.build(cfg.model)
    params = sum(p.numel() for p in model.parameters())
    assert abs(params / {'small': 20e6, 'base': 48e6, 'large': 87e6}[arch] - 1) < 0.01


@pytest.mark.parametrize('arm', ARMS)
def test_small_arm_trains_an_iteration_on_an_imagenet_folder(arm, digits_root, tmp_path,
                                                            monkeypatch):
    monkeypatch.setenv('IMAGENET_ROOT', str(digits_root / 'digits_imagenet'))
    cfg = load('small', arm)
    assert cfg.train_dataloader.dataset.data_root == str(digits_root / 'digits_imagenet')
    for step in cfg.train_dataloader.dataset.pipeline:
        if step.type == 'RandomResizedCrop':
            step.scale = 64
    cfg.model.data_preprocessor = cfg.data_preprocessor
    cfg.model.data_preprocessor.num_classes = 1000
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    before = model.backbone.stages[0].blocks[0].mixer.low_mixer.qkv.weight.detach().clone()
    runner = train_one_iteration(cfg, model, tmp_path)
    assert type(runner.optim_wrapper).__name__ == 'CPUBf16AmpOptimWrapper'
    assert runner.iter == 1
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert torch.isfinite(torch.tensor(loss)) and loss > 0
    after = model.backbone.stages[0].blocks[0].mixer.low_mixer.qkv.weight
    assert not torch.equal(before, after.detach())
    logged = runner.message_hub.log_scalars
    assert ('train/align_gap' in logged) is (arm == 'tlalign')
