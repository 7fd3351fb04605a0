"""KShotDataset over mmpretrain's CUB class on the CUB-format digits: exactly k per class, the
same subset for the same seed, another for another seed, and a clear error when k is too big."""
import collections
import os.path as osp

import pytest
from mmengine.config import Config
from mmpretrain.registry import DATASETS

import tlalign_mm  # noqa: F401
from tlalign_mm.datasets import KShotDataset, KShotError
from tlalign_mm.datasets.kshot_dataset import kshot_indices

from ..conftest import config_path


def cub(root):
    return dict(type='CUB', data_root=osp.join(str(root), 'digits_cub'), split='train',
                pipeline=[])


def test_exactly_k_per_class_seeded(digits_root):
    full = DATASETS.build(cub(digits_root))
    labels = full.get_gt_labels()
    subsets = {}
    for seed in (0, 0, 1):
        ds = DATASETS.build(dict(type='KShotDataset', dataset=cub(digits_root), shots=5,
                                 seed=seed))
        counts = collections.Counter(int(ds[i]['gt_label']) for i in range(len(ds)))
        assert counts == {c: 5 for c in range(10)}
        assert len(ds) == 50 and ds.metainfo['classes'] == full.metainfo['classes']
        # each item is the wrapped dataset's own item at the chosen index
        assert ds[3]['img_path'] == full[int(ds.indices[3])]['img_path']
        assert (ds.get_gt_labels() == labels[ds.indices]).all()
        subsets.setdefault(seed, []).append(tuple(ds.indices))
    assert subsets[0][0] == subsets[0][1]
    assert subsets[0][0] != subsets[1][0]
    assert len(set(subsets[0][0]) & set(subsets[1][0])) < 50


def test_too_many_shots_is_one_clear_error(digits_root):
    per_class = collections.Counter(DATASETS.build(cub(digits_root)).get_gt_labels().tolist())
    with pytest.raises(KShotError, match=f'fewer than shots={max(per_class.values()) + 1}'):
        KShotDataset(cub(digits_root), shots=max(per_class.values()) + 1)


def test_a_class_without_samples_is_refused():
    """k of *every* class: a class with no sample at all (absent from the labels) counts too."""
    labels = [0] * 6 + [2] * 6  # class 1 has none
    with pytest.raises(KShotError, match='class 1 has 0 samples, fewer than shots=5'):
        kshot_indices(labels, shots=5, seed=0)
    with pytest.raises(KShotError, match='class 3 has 0 samples, fewer than shots=5'):
        kshot_indices([0, 1, 2] * 5, shots=5, seed=0, num_classes=4)  # the last one missing


def test_fewshot_configs_wrap_the_train_split():
    names = ['caltech101', 'cifar10', 'cifar100', 'cub', 'dtd', 'fgvc-aircraft', 'flowers102',
             'food101', 'oxford-pets', 'stanford-cars', 'sun397']
    for name in names:
        cfg = Config.fromfile(config_path(
            'peft', 'fewshot', f'clip-vit-b32_kadaptation_5shot_{name}.py'))
        train = cfg.train_dataloader.dataset
        assert train.type == 'KShotDataset' and train.shots == 5 and train.seed == 0
        assert train.num_classes == cfg.model.head.num_classes  # k of every class the head has
        assert train.dataset.split in ('train', 'trainval')
        assert cfg.test_dataloader.dataset.split == 'test'
        assert cfg.test_dataloader.dataset.type == train.dataset.type
        assert cfg.model.backbone.type == 'KAdaptationModel'
        classes = DATASETS.get(train.dataset.type).METAINFO.get('classes')
        if classes:  # Flowers102 ships no names; its count is checked by the fgvc tests
            assert cfg.model.head.num_classes == len(classes), name


def test_sweep_parts_split_each_class_as_the_authors_toolkit(digits_root):
    """'val' holds the first ceil(k * 0.2) chosen shots of every class (in index order), 'train'
    the rest: a partition of the k-shot subset, the same for the same seed."""
    def build(part, shots=5, **kwargs):
        return DATASETS.build(dict(type='KShotDataset', dataset=cub(digits_root), shots=shots,
                                   seed=3, part=part, **kwargs))

    every, train, val = build('all'), build('train'), build('val')
    labels = every.get_gt_labels()
    want_val = []
    for label in range(10):
        members = [int(i) for i, lab in zip(every.indices, labels) if lab == label]
        want_val.append(sorted(members)[0])  # ceil(5 * 0.2) = 1 per class
    assert sorted(val.indices.tolist()) == sorted(want_val)
    assert sorted(train.indices.tolist() + val.indices.tolist()) == sorted(every.indices)
    assert collections.Counter(train.get_gt_labels().tolist()) == {c: 4 for c in range(10)}
    wider = build('val', shots=8, val_fraction=0.3)  # ceil(8 * 0.3) = 3
    assert collections.Counter(wider.get_gt_labels().tolist()) == {c: 3 for c in range(10)}
    from tlalign_mm.errors import ChoiceError
    with pytest.raises(ChoiceError, match="part must be one of 'all', 'train', 'val', got "
                       "'valid' \\(did you mean 'val'\\?\\)"):
        build('valid')
