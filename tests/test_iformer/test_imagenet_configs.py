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
from ..test_configs.one_step import train_one_iteration

# arch -> (head width, drop path, minimum lr, gradient clip, repeated augmentation)
RECIPES = {'small': (384, 0.2, 1e-6, None, None), 'base': (512, 0.4, 1e-5, 1.0, 3),
           'large': (640, 0.5, 1e-5, 1.0, 3)}
# arch -> (drop path, lr, minimum lr, repeated augmentation) of the 384 px fine-tune
# (checkpoint_384/iformer_*_384/args.yaml)
FINETUNE_384 = {'small': (0.3, 1e-5, 1e-6, None), 'base': (0.5, 5e-6, 5e-7, 3),
                'large': (0.6, 1e-5, 1e-6, 3)}
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


def repeated_augmentation(cfg):
    """How often the sampler repeats each image (None: no repeated augmentation)."""
    sampler = cfg.train_dataloader.sampler
    return sampler.num_repeats if sampler.type == 'RepeatAugSampler' else None


@pytest.mark.parametrize('arch', RECIPES)
def test_recipe_is_the_authors(arch, monkeypatch):
    monkeypatch.delenv('IMAGENET_ROOT', raising=False)
    width, drop_path, min_lr, clip, repeats = RECIPES[arch]
    cfg = load(arch, 'mixup-cutmix')
    assert (cfg.model.backbone.arch, cfg.model.backbone.drop_path_rate) == (arch, drop_path)
    assert cfg.model.head.in_channels == width
    assert cfg.model.head.loss == dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                                       mode='original')
    assert cfg.train_dataloader.batch_size * 8 == 1024 == cfg.auto_scale_lr.base_batch_size
    assert cfg.train_dataloader.dataset.data_root == 'data/imagenet'
    assert repeated_augmentation(cfg) == repeats
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


@pytest.mark.parametrize('arch', FINETUNE_384)
def test_384px_finetune_is_the_authors(arch, monkeypatch):
    monkeypatch.delenv('IMAGENET_ROOT', raising=False)
    drop_path, lr, min_lr, repeats = FINETUNE_384[arch]
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'pretrain', 'iformer',
                                   f'iformer-{arch}_finetune-384px_8xb64_in1k.py'))
    assert cfg.load_from == f'work_dirs/iformer-{arch}_mixup-cutmix_8xb128_in1k/epoch_310.pth'
    backbone = cfg.model.backbone
    assert (backbone.arch, backbone.img_size, backbone.drop_path_rate) == (arch, 384, drop_path)
    assert cfg.model.head.in_channels == RECIPES[arch][0]
    assert cfg.train_dataloader.batch_size * 8 == 512 == cfg.auto_scale_lr.base_batch_size
    assert repeated_augmentation(cfg) == repeats
    optim = cfg.optim_wrapper
    assert (optim.optimizer.lr, optim.optimizer.weight_decay, optim.clip_grad.max_norm) == (
        lr, 1e-8, 1.0)
    (cosine, ) = cfg.param_scheduler  # no warm-up
    assert (cosine.type, cosine.begin, cosine.end, cosine.eta_min) == (
        'CosineAnnealingLR', 0, 20, min_lr)
    assert cfg.train_cfg.max_epochs == 30  # + 10 cool-down epochs at the minimum lr
    train_cfg = cfg.model.train_cfg
    assert [(a.type, a.alpha) for a in train_cfg.augments] == [('Mixup', 0.1), ('CutMix', 0.1)]
    steps = {t.type: t for t in cfg.train_dataloader.dataset.pipeline}
    assert steps['RandomResizedCrop'].scale == 384
    assert (steps['RandAugment'].num_policies, steps['RandAugment'].magnitude_level) == (2, 9)
    test_steps = {t.type: t for t in cfg.val_dataloader.dataset.pipeline}
    assert (test_steps['ResizeEdge'].scale, test_steps['CenterCrop'].crop_size) == (384, 384)


def test_384px_finetune_loads_the_224px_classifier_and_trains(digits_root, tmp_path,
                                                             monkeypatch):
    """The whole 224 px classifier loads into the 384 px model (position embeddings resized
    from the 56x56 to the 96x96 stage-1 grid) and one iteration trains on an ImageNet folder
    (64 px crops for the CPU, the only change besides the loader size)."""
    from mmengine.runner.checkpoint import load_checkpoint
    monkeypatch.setenv('IMAGENET_ROOT', str(digits_root / 'digits_imagenet'))
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    classifier_224 = MODELS.build(load('small', 'mixup-cutmix').model)
    checkpoint = tmp_path / 'epoch_310.pth'
    torch.save(dict(state_dict=classifier_224.state_dict()), checkpoint)
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'pretrain', 'iformer',
                                   'iformer-small_finetune-384px_8xb64_in1k.py'))
    cfg.model.data_preprocessor = dict(cfg.data_preprocessor, num_classes=1000)
    model = MODELS.build(cfg.model)
    assert model.backbone.stages[0].pos_embed.shape[1:3] == (96, 96)
    load_checkpoint(model, str(checkpoint), map_location='cpu', strict=True)
    torch.testing.assert_close(model.head.fc.weight, classifier_224.head.fc.weight)
    for step in cfg.train_dataloader.dataset.pipeline:
        if step.type == 'RandomResizedCrop':
            step.scale = 64
    runner = train_one_iteration(cfg, model, tmp_path / 'run')
    assert runner.iter == 1
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert torch.isfinite(torch.tensor(loss)) and loss > 0
