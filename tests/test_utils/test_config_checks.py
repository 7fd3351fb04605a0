"""Config checks find data roots inside dataset wrappers and class counts inside nested heads."""
import pytest
from mmengine.config import Config

from tlalign_mm.utils import ClassCountError, DatasetRootError, check_data_roots, check_num_classes


def test_data_root_found_inside_wrappers(tmp_path):
    cfg = Config(dict(train_dataloader=dict(dataset=dict(
        type='RepeatDataset', times=2,
        dataset=dict(type='ConcatDataset', datasets=[
            dict(type='X', data_root=str(tmp_path)),
            dict(type='X', data_root=str(tmp_path / 'absent')),
        ])))))
    with pytest.raises(DatasetRootError, match=r'absent \(train_dataloader\.dataset\.dataset'
                       r'\.datasets\[1\]\.data_root\)'):
        check_data_roots(cfg)


def test_missing_annotation_file(tmp_path):
    cfg = Config(dict(val_dataloader=dict(dataset=dict(data_root=str(tmp_path),
                                                       ann_file='ann/train.json'))))
    with pytest.raises(DatasetRootError, match='annotation file not found'):
        check_data_roots(cfg)


def test_num_classes_checks_every_head_but_rpn():
    model = dict(rpn_head=dict(num_classes=1),
                 roi_head=dict(bbox_head=dict(num_classes=10), mask_head=dict(num_classes=10)))
    check_num_classes(model, classes=tuple('abcdefghij'))
    model['roi_head']['mask_head']['num_classes'] = 80
    with pytest.raises(ClassCountError,
                       match=r'defines 10 classes but model\.roi_head\.mask_head\.num_classes=80'):
        check_num_classes(model, classes=tuple('abcdefghij'))
