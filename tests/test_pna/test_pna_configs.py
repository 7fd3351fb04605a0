"""The paper-scale PNA and robustness configs resolve to the intended recipe and build."""
import pytest
from mmengine.config import Config
from mmpretrain.registry import MODELS

from ..conftest import config_path

LOSSES = {'uniform': 'NegativeUniformLoss', 'l2': 'NegativeL2Loss',
          'contrastive': 'NegativeContrastiveLoss'}


@pytest.mark.parametrize('arch', ['deit-small', 'vit-base-p16'])
def test_pna_configs_differ_from_the_baseline_in_preprocessor_and_classifier(arch):
    baseline = Config.fromfile(config_path('pretrain', 'pna', f'{arch}_baseline_8xb128_in1k.py'))
    assert baseline.model.type == 'ImageClassifier'
    for name, loss in LOSSES.items():
        cfg = Config.fromfile(config_path('pretrain', 'pna',
                                          f'{arch}_pna-rotate-{name}_8xb128_in1k.py'))
        assert cfg.model.type == 'NegativeAugmentClassifier'
        assert cfg.model.neg_loss.type == loss and cfg.model.neg_weight == 1.0
        assert cfg.data_preprocessor.type == 'NegativeViewDataPreprocessor'
        assert cfg.data_preprocessor.negative_view == dict(type='PatchRotate', patch_size=16)
        # Everything else is the baseline's recipe.
        for key in ('optim_wrapper', 'param_scheduler', 'train_cfg', 'train_dataloader'):
            assert cfg[key] == baseline[key], key
        assert cfg.model.backbone == baseline.model.backbone
        assert cfg.model.train_cfg == baseline.model.train_cfg
    expected_dims = 384 if arch == 'deit-small' else 768
    assert baseline.model.head.in_channels == expected_dims


def test_deit_small_pna_model_builds_with_its_preprocessor():
    cfg = Config.fromfile(config_path('pretrain', 'pna',
                                      'deit-small_pna-rotate-contrastive_8xb128_in1k.py'))
    model = MODELS.build(dict(cfg.model, data_preprocessor=cfg.data_preprocessor))
    assert type(model.data_preprocessor.negative_view).__name__ == 'PatchRotate'
    assert model.neg_loss.temperature == 0.1


@pytest.mark.parametrize('name, dataset, metric', [
    ('deit-small_in1k_imagenet-a.py', 'ImageNetSubsetDataset', 'SubsetAccuracy'),
    ('vit-base-p16_in1k_imagenet-r.py', 'ImageNetSubsetDataset', 'SubsetAccuracy'),
    ('vit-base-p16_in1k_imagenet-c.py', 'ImageNetCDataset', 'CorruptionAccuracy'),
    ('deit-small_cifar100-224_cifar100-c.py', 'CIFAR100CDataset', 'CorruptionAccuracy'),
    ('deit-digits_digits-c.py', 'ImageNetCDataset', 'CorruptionAccuracy'),
])
def test_robustness_configs(name, dataset, metric):
    cfg = Config.fromfile(config_path('robustness', name))
    assert cfg.test_dataloader.dataset.type == dataset
    assert cfg.test_evaluator.type == metric
    if metric == 'CorruptionAccuracy':
        keys = cfg.test_dataloader.dataset.pipeline[-1].meta_keys
        assert 'corruption' in keys and 'severity' in keys
    if 'imagenet-c' in name:
        assert len(cfg.test_evaluator.reference_errors) == 15


def test_negative_patch_not_a_multiple_of_the_backbone_patch_is_one_line(digits_root, tmp_path,
                                                                         tool):
    """tools/train.py reports the view's config error in one line, before training."""
    from ..conftest import LOADERS_IN_MAIN_PROCESS, config_path
    config = config_path('pretrain', 'pna', 'deit-digits_pna-rotate-uniform_digits.py')
    out = tool(['tools/train.py', config, '--work-dir', str(tmp_path / 'w'), '--cfg-options',
                'data_preprocessor.negative_view.patch_size=12', 'train_cfg.max_epochs=1',
                *LOADERS_IN_MAIN_PROCESS], env_extra={'OMP_NUM_THREADS': '1'})
    assert out.returncode != 0
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and '12' in last, out.stderr[-2000:]
    assert 'Traceback' not in out.stderr
    assert 'Epoch(train)' not in out.stdout + out.stderr
