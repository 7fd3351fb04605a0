"""Robustness datasets and evaluators on small folders with the published layouts, the metrics
against hand-computed values, and the whole path through tools/test.py."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmpretrain.structures import DataSample

from tlalign_mm.datasets import CIFAR100CDataset, ImageNetCDataset, ImageNetSubsetDataset
from tlalign_mm.datasets.class_index import RobustnessDataError
from tlalign_mm.datasets.makers._io import write_image
from tlalign_mm.evaluation import CorruptionAccuracy, SubsetAccuracy, SubsetMetricError

WNIDS = [f'n{i:08d}' for i in range(10)]


def prediction(scores, label, **meta):
    sample = DataSample(metainfo=meta).set_gt_label(label)
    scores = torch.tensor(scores, dtype=torch.float)
    sample.set_pred_score(scores).set_pred_label(scores.argmax())
    return sample.to_dict()


def test_subset_accuracy_restricts_the_logits():
    metric = SubsetAccuracy(topk=(1, 2), subset_indices=[1, 3, 4], prefix='imagenet-a')
    metric.process(None, [
        prediction([9, 1, 0, 5, 0, 0], 3),  # overall arg-max 0 (not in the subset), subset: 3
        prediction([0, 4, 0, 3, 5, 0], 1),  # subset ranks 4, 1, 3: top-1 wrong, top-2 right
        prediction([0, 1, 7, 0, 0, 0], 4),  # subset ranks 1, then 3/4 tied at 0: top-1 wrong
    ])
    out = metric.evaluate(3)
    assert out['imagenet-a/top1'] == pytest.approx(100 / 3)
    assert out['imagenet-a/top2'] == pytest.approx(200 / 3)


def test_subset_accuracy_reads_the_dataset_subset_or_refuses():
    metric = SubsetAccuracy(topk=(1, ))
    metric.dataset_meta = dict(subset_indices=(0, 2))
    metric.process(None, [prediction([1, 9, 2], 2)])
    assert metric.evaluate(1) == {'subset/top1': 100.0}
    metric = SubsetAccuracy(topk=(1, ))
    metric.dataset_meta = dict(classes=('a', 'b'))
    metric.process(None, [prediction([1, 9, 2], 2)])
    with pytest.raises(SubsetMetricError, match='does not know the subset'):
        metric.evaluate(1)


def test_corruption_accuracy_and_mce_by_hand():
    reference = dict(fog=0.5, snow=[0.4, 0.8])
    metric = CorruptionAccuracy(reference_errors=reference, per_severity=True, prefix='c')
    outcomes = {('fog', 1): [1, 1, 1, 0], ('fog', 2): [1, 0, 0, 0],
                ('snow', 1): [1, 1, 0, 0], ('snow', 2): [0, 0, 0, 0]}
    for (corruption, severity), hits in outcomes.items():
        metric.process(None, [prediction([0, 1] if hit else [1, 0], 1, corruption=corruption,
                                         severity=severity) for hit in hits])
    out = metric.evaluate(16)
    assert out['c/fog/1'] == 75.0 and out['c/snow/2'] == 0.0
    assert out['c/fog'] == 50.0 and out['c/snow'] == 25.0
    assert out['c/severity_1'] == 62.5 and out['c/severity_2'] == 12.5
    assert out['c/mean_acc'] == 37.5
    # fog: errors .25 + .75 over 2 x .5 -> 100; snow: .5 + 1 over .4 + .8 -> 125.
    assert out['c/mCE'] == pytest.approx(112.5)


def write_tree(root, layout):
    """layout: {relative folder: number of images}; tiny distinct PNGs."""
    rng = np.random.default_rng(0)
    for folder, count in layout.items():
        for k in range(count):
            write_image(osp.join(root, folder, f'{k:03d}.png'),
                        rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))


def test_subset_dataset_labels_in_the_parent_space(tmp_path):
    write_tree(tmp_path / 'imagenet-a', {WNIDS[7]: 2, WNIDS[2]: 1, WNIDS[5]: 3})
    ds = ImageNetSubsetDataset(str(tmp_path / 'imagenet-a'), parent_classes=WNIDS)
    assert len(ds) == 6
    assert ds.metainfo['subset_indices'] == (2, 5, 7)
    assert [ds.get_data_info(i)['gt_label'] for i in range(6)] == [2, 5, 5, 5, 7, 7]
    # The parent list from a class-folder root (ImageNet train/) gives the same indices.
    for wnid in WNIDS:
        (tmp_path / 'train' / wnid).mkdir(parents=True)
    ds = ImageNetSubsetDataset(str(tmp_path / 'imagenet-a'), parent_classes=str(tmp_path / 'train'))
    assert ds.metainfo['subset_indices'] == (2, 5, 7)
    write_tree(tmp_path / 'imagenet-a', {'n99999999': 1})
    with pytest.raises(RobustnessDataError, match='n99999999'):
        ImageNetSubsetDataset(str(tmp_path / 'imagenet-a'), parent_classes=WNIDS)


def test_imagenet_c_dataset_reads_corruption_severity_wnid(tmp_path):
    layout = {f'{c}/{s}/{w}': 1 for c in ('fog', 'snow') for s in (1, 2) for w in WNIDS[:3]}
    write_tree(tmp_path, layout)
    ds = ImageNetCDataset(str(tmp_path), parent_classes=WNIDS)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert len(ds) == 12 and ds.metainfo['corruptions'] == ('fog', 'snow')
    assert {(i['corruption'], i['severity']) for i in infos} == {
        ('fog', 1), ('fog', 2), ('snow', 1), ('snow', 2)}
    assert [i['gt_label'] for i in infos[:3]] == [0, 1, 2]
    assert len(ImageNetCDataset(str(tmp_path), corruptions=['snow'], severities=[2])) == 3
    with pytest.raises(RobustnessDataError, match="corruptions \\['frost'\\] not found"):
        ImageNetCDataset(str(tmp_path), corruptions=['frost'])


def test_cifar100_c_dataset_reads_the_npy_format(tmp_path):
    labels = np.tile(np.array([3, 7, 99, 0]), 5)
    fog = np.random.default_rng(0).integers(0, 256, (20, 32, 32, 3), dtype=np.uint8)
    np.save(tmp_path / 'labels.npy', labels)
    np.save(tmp_path / 'fog.npy', fog)
    np.save(tmp_path / 'snow.npy', fog[::-1].copy())
    ds = CIFAR100CDataset(str(tmp_path))
    assert len(ds) == 40 and ds.metainfo['corruptions'] == ('fog', 'snow')
    info = ds.get_data_info(6)  # fog, severity 2, second image
    assert (info['corruption'], info['severity'], info['gt_label']) == ('fog', 2, 99)
    assert np.array_equal(info['img'], fog[6])
    assert np.array_equal(ds.get_data_info(20)['img'], fog[19])
    assert len(CIFAR100CDataset(str(tmp_path), corruptions=['snow'], severities=[5])) == 4
    np.save(tmp_path / 'bad.npy', fog[:10])
    with pytest.raises(RobustnessDataError, match='bad.npy has shape'):
        CIFAR100CDataset(str(tmp_path))
