"""The 30 paper-scale fine-grained transfer configs build and behave as their names say.

Every leaf in configs/fgvc/ ({deit-small, swin-tiny} x {finetune (the short 100-epoch recipe),
finetune-1000e (DeiT's transfer protocol), linear} x five datasets) is
parsed, its model built from mmpretrain's registry (no weights loaded) and run on one 224 px
image pushed through the config's own data pipeline and preprocessor; its datasets are built
through mmpretrain's classes with lazy initialisation (no data needed). Linear probing must
leave exactly the head trainable, fine-tuning every parameter; each config must read its data
root from its environment variable and take its checkpoint from the one `pretrained` variable.
A backward pass at 224 px costs seconds on CPU, so it runs once per (backbone, mode): the
leaves of one pair differ only in their dataset, which the per-leaf tests cover.
"""
import copy
import functools
import glob
import os
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper

import tlalign_mm  # noqa: F401  (registers the package, as custom_imports does)
from mmpretrain.datasets import CIFAR100, CUB, FGVCAircraft, Flowers102, StanfordCars
from mmpretrain.models.backbones import SwinTransformer, VisionTransformer
from mmpretrain.registry import DATASETS, MODELS

from ..conftest import config_path
from .one_step import on_this_device

# dataset tag in the leaf name -> mmpretrain class, root variable, default root, splits
DATASETS_BY_TAG = {
    'cub-224': (CUB, 'CUB_ROOT', 'data/CUB_200_2011', 'train', 'test'),
    'stanford-cars-224': (StanfordCars, 'STANFORD_CARS_ROOT', 'data/Stanford_Cars', 'train',
                          'test'),
    'flowers102-224': (Flowers102, 'FLOWERS102_ROOT', 'data/Flowers102', 'trainval', 'test'),
    'fgvc-aircraft-224': (FGVCAircraft, 'FGVC_AIRCRAFT_ROOT', 'data/fgvc-aircraft-2013b',
                          'trainval', 'test'),
    'cifar100-224': (CIFAR100, 'CIFAR100_ROOT', 'data/cifar100', 'train', 'test'),
}
# arch in the leaf name -> backbone class, its arch_zoo entry, pre-training config folder
ARCHS = {
    'deit-small': (VisionTransformer, 'deit-small', 'deit'),
    'swin-tiny': (SwinTransformer, 'tiny', 'swin'),
}
MODES = ('finetune', 'linear', 'finetune-1000e')
LEAVES = [(arch, mode, tag) for arch in ARCHS for mode in MODES for tag in DATASETS_BY_TAG]
IDS = [f'{arch}_{mode}_{tag}' for arch, mode, tag in LEAVES]
PROTOCOL_MIXING = dict(augments=[dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)],
                       probs=[0.5, 0.5])
IMAGENET_MEAN, IMAGENET_STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]


def num_classes_of(dataset_cls):
    """The class count the dataset itself declares; Flowers102 has no class names in
    mmpretrain, and the Oxford 102 Flowers dataset has, by its name, 102."""
    classes = dataset_cls.METAINFO.get('classes')
    return len(classes) if classes else 102


def leaf_path(arch, mode, tag):
    return config_path('fgvc', f'{arch}_{mode}_{tag}.py')


@pytest.fixture(scope='module')
def roots(tmp_path_factory):
    """One empty root per dataset, exported in its variable for this module's tests. Stanford
    Cars checks for its annotation file at construction, so that one holds an empty stub."""
    made = {}
    with pytest.MonkeyPatch.context() as patch:
        for tag, (_, env, *_) in DATASETS_BY_TAG.items():
            made[tag] = tmp_path_factory.mktemp(tag)
            patch.setenv(env, str(made[tag]))
        (made['stanford-cars-224'] / 'cars_annos.mat').write_bytes(b'')
        yield made


@functools.lru_cache(maxsize=None)
def _parse(path, env_items):
    return Config.fromfile(path)


def load(arch, mode, tag):
    """A leaf parsed under the current environment (cached: parsing costs ~0.3 s)."""
    env = DATASETS_BY_TAG[tag][1]
    return _parse(leaf_path(arch, mode, tag), (env, os.environ.get(env)))


@functools.lru_cache(maxsize=None)
def pretrain_config(arch, arm):
    path = config_path('pretrain', ARCHS[arch][2], f'{arch}_{arm}_8xb128_in1k.py')
    assert osp.isfile(path), f'no pre-training config {path}'
    return Config.fromfile(path)


def build(cfg):
    """The classifier as the runner builds it (its data preprocessor from the config's
    top-level one), without init_weights: no checkpoint is read."""
    # a copy: RandomBatchAugment appends the no-mixing probability to the `probs` it is given
    return MODELS.build(copy.deepcopy(dict(cfg.model, data_preprocessor=cfg.data_preprocessor)))


def raw_sample(tag, tmp_path):
    """One raw sample as the dataset class yields it: an image file, or CIFAR's RGB array."""
    rng = np.random.default_rng(0)
    if tag == 'cifar100-224':
        return dict(img=rng.integers(0, 256, (32, 32, 3), dtype=np.uint8), gt_label=1)
    path = str(tmp_path / 'img.jpg')
    mmcv.imwrite(rng.integers(0, 256, (300, 400, 3), dtype=np.uint8), path)
    return dict(img_path=path, gt_label=1)


def packed_sample(cfg, split, tag, tmp_path):
    """The raw sample through the pipeline of the config's own (lazily built) dataset."""
    dataset = DATASETS.build(dict(cfg[f'{split}_dataloader'].dataset, lazy_init=True))
    return dataset.pipeline(raw_sample(tag, tmp_path))


def test_the_paper_scale_leaves_are_exactly_the_thirty():
    found = sorted(osp.basename(p)[:-3] for pattern in ('deit-small_*', 'swin-tiny_*')
                   for p in glob.glob(config_path('fgvc', pattern + '.py')))
    assert found == sorted(IDS)


@pytest.mark.parametrize('arch,mode,tag', LEAVES, ids=IDS)
def test_data_roots_follow_the_environment(arch, mode, tag, roots, monkeypatch):
    dataset_cls, env, default, train_split, test_split = DATASETS_BY_TAG[tag]
    text = open(leaf_path(arch, mode, tag)).read()
    assert f'${env} (default {default})' in text, 'header must name the data root variable'
    assert f'bash tools/dist_train.sh configs/fgvc/{arch}_{mode}_{tag}.py 8' in text

    cfg = load(arch, mode, tag)
    splits = (train_split, test_split, test_split)
    loaders = (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader)
    for loader, split in zip(loaders, splits):
        assert loader.dataset.data_root == str(roots[tag])
        assert loader.dataset.split == split
        dataset = DATASETS.build(dict(loader.dataset, lazy_init=True))
        assert type(dataset) is dataset_cls
        assert dataset.data_root == str(roots[tag]) and dataset.split == split
    assert cfg.test_dataloader.batch_size == cfg.val_dataloader.batch_size == 96
    assert cfg.test_dataloader.sampler.shuffle is False

    monkeypatch.delenv(env)
    cfg = load(arch, mode, tag)
    loaders = (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader)
    assert [loader.dataset.data_root for loader in loaders] == [default] * 3


@pytest.mark.parametrize('arch,mode,tag', LEAVES, ids=IDS)
def test_pretrained_is_the_one_checkpoint_knob(arch, mode, tag, roots):
    cfg = load(arch, mode, tag)
    assert cfg.pretrained == f'work_dirs/{arch}_cutmix_8xb128_in1k/epoch_300.pth'
    assert cfg.model.backbone.init_cfg == dict(type='Pretrained', checkpoint=cfg.pretrained,
                                               prefix='backbone.')
    # The default is the last checkpoint of a real pre-training config; both arms exist ...
    baseline, _ = pretrain_config(arch, 'cutmix'), pretrain_config(arch, 'tlalign')
    assert baseline.train_cfg.max_epochs == 300
    # ... and the transfer normalises its inputs exactly as that pre-training did.
    assert cfg.data_preprocessor.mean == baseline.data_preprocessor.mean == IMAGENET_MEAN
    assert cfg.data_preprocessor.std == baseline.data_preprocessor.std == IMAGENET_STD


@pytest.mark.parametrize('arch,mode,tag', LEAVES, ids=IDS)
def test_model_builds_and_classifies(arch, mode, tag, roots, tmp_path):
    torch.manual_seed(0)
    backbone_cls, arch_name, _ = ARCHS[arch]
    num_classes = num_classes_of(DATASETS_BY_TAG[tag][0])
    cfg = load(arch, mode, tag)
    if mode == 'finetune-1000e':  # DeiT's protocol keeps the ImageNet recipe's batch mixing
        assert cfg.model.train_cfg == PROTOCOL_MIXING
    else:
        assert 'augments' not in (cfg.model.get('train_cfg') or {}), 'no batch mixing downstream'

    model = build(cfg)
    # Before any train()/eval() call: SwinTransformer freezes only inside train(mode).
    frozen_at_build = not any(p.requires_grad for p in model.backbone.parameters())
    assert type(model.backbone) is backbone_cls
    assert model.backbone.arch_settings == backbone_cls.arch_zoo[arch_name]
    assert model.head.num_classes == num_classes == cfg.data_preprocessor.num_classes

    # One image through the config's own pipelines, preprocessor and model, at 224 px.
    assert tuple(packed_sample(cfg, 'train', tag, tmp_path)['inputs'].shape) == (3, 224, 224)
    packed = packed_sample(cfg, 'test', tag, tmp_path)
    assert tuple(packed['inputs'].shape) == (3, 224, 224)
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(pseudo_collate([packed]), training=False)
        logits = model(data['inputs'], mode='tensor')
    assert logits.shape == (1, num_classes) and torch.isfinite(logits).all()

    # Which parameters train: mmpretrain's frozen_stages for linear probing, all for fine-tuning.
    model.train()
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    if mode == 'linear':
        assert trainable == {n for n, _ in model.named_parameters() if n.startswith('head.')}
        # A backbone frozen only in train() was registered by DDP before then.
        assert frozen_at_build or cfg.get('find_unused_parameters') is True
    else:
        assert trainable == {n for n, _ in model.named_parameters()}
        assert not cfg.get('find_unused_parameters', False)

    # The optimiser the runner would build (after the tools' device defaults, which turn the
    # DeiT protocol's AMP wrapper into CPU bf16 autocast here): its lr and which parameters decay.
    optim = build_optim_wrapper(model, on_this_device(cfg).optim_wrapper).optimizer
    assert type(optim) is torch.optim.SGD
    names = {id(p): n for n, p in model.named_parameters()}
    decay = {names[id(p)]: g['weight_decay'] for g in optim.param_groups for p in g['params']}
    if mode == 'linear':
        assert {g['lr'] for g in optim.param_groups} == {0.003}
        assert set(decay.values()) == {0.0}
    else:
        assert {g['lr'] for g in optim.param_groups} == {0.01}
        no_decay = {n for n, wd in decay.items() if wd == 0.0}
        expected = {n for n, p in model.named_parameters()
                    if p.ndim == 1 or n.endswith(('cls_token', 'pos_embed',
                                                  'relative_position_bias_table'))}
        assert no_decay == expected
        assert {wd for n, wd in decay.items() if n not in no_decay} == {1e-4}


@pytest.mark.parametrize('arch,tag', [(a, t) for a in ARCHS for t in DATASETS_BY_TAG],
                         ids=[f'{a}_{t}' for a in ARCHS for t in DATASETS_BY_TAG])
def test_deit_transfer_protocol_values(arch, tag, roots):
    """DeiT's protocol (batch 768, SGD lr 0.01, wd 1e-4, 1000 epochs, the ImageNet recipe's
    other elements kept, random erasing and stochastic depth removed) as literals; the cheaper
    100-epoch recipe stays under the name the header gives."""
    cfg = load(arch, 'finetune-1000e', tag)
    assert (cfg.train_cfg.max_epochs, cfg.train_cfg.val_interval) == (1000, 50)
    assert cfg.train_dataloader.batch_size * 8 == 768 == cfg.auto_scale_lr.base_batch_size
    assert cfg.train_dataloader.sampler == dict(type='RepeatAugSampler', shuffle=True,
                                                num_repeats=3)
    optim = cfg.optim_wrapper
    assert optim.type == 'AmpOptimWrapper'
    assert {k: optim.optimizer[k] for k in ('type', 'lr', 'momentum', 'nesterov',
                                            'weight_decay')} == dict(
        type='SGD', lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4)
    warmup, cosine = cfg.param_scheduler
    assert (warmup.type, warmup.begin, warmup.end) == ('LinearLR', 0, 5)
    assert warmup.start_factor * optim.optimizer.lr == pytest.approx(1e-6, rel=1e-9)
    assert (cosine.type, cosine.begin, cosine.eta_min) == ('CosineAnnealingLR', 5, 1e-5)

    assert cfg.model.train_cfg == PROTOCOL_MIXING
    assert cfg.model.head.loss == dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                                       mode='original')
    assert cfg.model.backbone.drop_path_rate == 0.0  # stochastic depth removed
    steps = cfg.train_dataloader.dataset.pipeline
    cifar = tag == 'cifar100-224'
    expected = ['RandomResizedCrop', 'RandomFlip', 'RandAugment', 'PackInputs']
    assert [s.type for s in steps] == (expected if cifar else ['LoadImageFromFile', *expected])
    rand_augment = steps[-2]
    assert (rand_augment.policies, rand_augment.num_policies, rand_augment.total_level,
            rand_augment.magnitude_level, rand_augment.magnitude_std) == (
                'timm_increasing', 2, 10, 9, 0.5)
    # the exposed-pixel fill is the ImageNet mean in the images' channel order
    assert rand_augment.hparams.pad_val == ([124, 116, 104] if cifar else [104, 116, 124])
    assert steps[-4].scale == 224

    # the cheaper recipe is kept under the name the header gives, and is the short one
    text = open(config_path('fgvc', f'{arch}_finetune-1000e_{tag}.py')).read()
    assert f'The cheaper 100-epoch variant without the ImageNet\n# augmentation is ' \
           f'{arch}_finetune_{tag}.py.' in text
    short = load(arch, 'finetune', tag)
    assert short.train_cfg.max_epochs == 100
    assert 'RandAugment' not in [s.type for s in short.train_dataloader.dataset.pipeline]
    assert short.optim_wrapper.get('type', 'OptimWrapper') == 'OptimWrapper'


@pytest.mark.parametrize('arch,mode', [(a, m) for a in ARCHS for m in MODES[:2]],
                         ids=[f'{a}_{m}' for a in ARCHS for m in MODES[:2]])
def test_training_step_reaches_exactly_the_trainable_parameters(arch, mode, roots, tmp_path):
    """One training-mode loss on a train-pipeline image: the gradient reaches every parameter
    in fine-tuning (so DDP needs no unused-parameter search) and only the head in linear
    probing, whose frozen features are deterministic (no dropout or drop path)."""
    torch.manual_seed(0)
    cfg = load(arch, mode, 'cub-224')
    model = build(cfg).train()
    data = model.data_preprocessor(
        pseudo_collate([packed_sample(cfg, 'train', 'cub-224', tmp_path)]), training=True)
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss'])
    losses['loss'].backward()
    got_grad = {n for n, p in model.named_parameters() if p.grad is not None}
    if mode == 'linear':
        assert got_grad == {n for n, _ in model.named_parameters() if n.startswith('head.')}
        with torch.no_grad():
            first, second = model.backbone(data['inputs']), model.backbone(data['inputs'])
        assert all(torch.equal(a, b) for a, b in zip(first, second))
    else:
        assert got_grad == {n for n, _ in model.named_parameters()}


def test_cifar_pipeline_upsamples_without_swapping_channels(roots):
    """CIFAR arrays are RGB: the preprocessor must not swap them, the file datasets' must."""
    cfg = load('deit-small', 'finetune', 'cifar100-224')
    bgr = load('deit-small', 'finetune', 'cub-224').data_preprocessor
    assert cfg.data_preprocessor.to_rgb is False and bgr.to_rgb is True
    dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, lazy_init=True))
    red = np.zeros((32, 32, 3), dtype=np.uint8)
    red[..., 0] = 255
    out = dataset.pipeline(dict(img=red, gt_label=0))['inputs']
    assert tuple(out.shape) == (3, 224, 224)
    # PackInputs puts channels first unchanged: channel 0 (R) stays 255 everywhere.
    assert out[0].min() == 255 and out[1:].max() == 0
