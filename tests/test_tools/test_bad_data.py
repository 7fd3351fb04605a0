"""Bad data gives one line naming the file and what is wrong: unreadable images, missing or
wrong annotation files, unknown classes, empty datasets, out-of-range label maps, COCO boxes
outside their image."""
import json
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmpretrain.registry import TRANSFORMS
from mmseg.structures import SegDataSample

from tlalign_mm.datasets.data_errors import (AnnotationFileError, EmptyClassError,
                                             EmptyDatasetError, UnknownClassError,
                                             UnreadableImageError)
from tlalign_mm.datasets.dataset_checks import (check_classification_annotations,
                                                check_not_empty, check_seg_labels,
                                                coco_boxes_outside)

from ..conftest import LOADERS_IN_MAIN_PROCESS, ONE_THREAD, config_path

DEIT = config_path('pretrain', 'deit', 'deit-digits_cutmix_digits.py')
CLASSES = tuple(f'digit_{i}' for i in range(10))


@pytest.fixture
def imagenet_copy(digits_root, tmp_path):
    """A private copy of the ImageNet-format digits (the shared one stays intact)."""
    root = tmp_path / 'data' / 'digits_imagenet'
    shutil.copytree(digits_root / 'digits_imagenet', root)
    return root


def dataset_cfg(root, **kwargs):
    return dict(type='ImageNet', data_root=str(root), split='train',
                metainfo=dict(classes=CLASSES), **kwargs)


def test_unreadable_images_name_the_file(imagenet_copy):
    good = imagenet_copy / 'train' / 'digit_0' / '00000.png'
    cases = {'zero bytes': b'', 'truncated': good.read_bytes()[:60], 'junk': b'not an image' * 9}
    load = TRANSFORMS.build(dict(type='LoadImageFromFile'))  # the stock name, every scope
    assert load(dict(img_path=str(good)))['img'].shape == (32, 32, 3)
    for name, data in cases.items():
        path = imagenet_copy / f'{name.replace(" ", "_")}.png'
        path.write_bytes(data)
        with pytest.raises(UnreadableImageError, match=f'cannot decode image {path}'):
            load(dict(img_path=str(path)))
    with pytest.raises(UnreadableImageError, match=r'\(zero bytes\)'):
        load(dict(img_path=str(imagenet_copy / 'zero_bytes.png')))
    with pytest.raises(UnreadableImageError, match='image file not found'):
        load(dict(img_path=str(imagenet_copy / 'gone.png')))


def test_zero_byte_image_stops_training_in_one_line(imagenet_copy, tmp_path, tool):
    """Loaded in a DataLoader worker: the worker's traceback does not bury the message."""
    every = (imagenet_copy / 'meta' / 'train.txt').read_text().splitlines()
    lines = [next(line for line in every if line.endswith(f' {c}')) for c in range(10)]
    (imagenet_copy / 'meta' / 'train.txt').write_text('\n'.join(lines) + '\n')  # 1 per class
    broken = imagenet_copy / 'train' / lines[3].split()[0]
    broken.write_bytes(b'')
    out = tool(['tools/train.py', DEIT, '--work-dir', str(tmp_path / 'w'), '--no-validate',
                '--cfg-options', 'train_cfg.max_epochs=1', 'train_dataloader.batch_size=4',
                'train_dataloader.num_workers=1', '+train_dataloader.persistent_workers=False'],
               env_extra=dict(ONE_THREAD, TLALIGN_DATA_ROOT=str(imagenet_copy.parent)))
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1].startswith(
        f'error: cannot decode image {broken} (zero bytes): ')
    assert sum(line.startswith('error:') for line in out.stderr.splitlines()) == 1
    assert 'Traceback' not in out.stderr


def test_missing_split_annotation_file_is_one_line(imagenet_copy, tmp_path, tool):
    (imagenet_copy / 'meta' / 'train.txt').unlink()
    out = tool(['tools/train.py', DEIT, '--work-dir', str(tmp_path / 'w'), '--cfg-options',
                *LOADERS_IN_MAIN_PROCESS],
               env_extra=dict(ONE_THREAD, TLALIGN_DATA_ROOT=str(imagenet_copy.parent)))
    assert out.returncode != 0
    assert out.stderr.strip().splitlines() == [
        f"error: annotation file not found: {imagenet_copy}/meta/train.txt "
        "(train_dataloader.dataset, split='train'); write it (one \"<image> <label>\" line per "
        'sample) or point ann_file at yours']
    assert not (tmp_path / 'w').exists()


def test_annotation_labels_and_class_folders(imagenet_copy):
    ann = imagenet_copy / 'meta' / 'train.txt'
    check_classification_annotations(dataset_cfg(imagenet_copy), 'd')  # the good one passes
    lines = ann.read_text().splitlines()
    ann.write_text('\n'.join(lines[:5] + ['digit_0/00000.png 12'] + lines[5:]) + '\n')
    with pytest.raises(UnknownClassError, match=rf"{ann}:6: label '12' is not a class index "
                       r'of this dataset \(0..9, 10 classes\)'):
        check_classification_annotations(dataset_cfg(imagenet_copy), 'd')
    ann.write_text('')
    with pytest.raises(EmptyDatasetError, match=f'annotation file {ann} lists no samples'):
        check_classification_annotations(dataset_cfg(imagenet_copy), 'd')
    with pytest.raises(AnnotationFileError, match=r'nope.txt \(d, ann_file\)'):
        check_classification_annotations(dataset_cfg(imagenet_copy, ann_file='nope.txt'), 'd')
    # folder-scanned data: a folder that is not a configured class
    shutil.copytree(imagenet_copy / 'train' / 'digit_1', imagenet_copy / 'train' / 'digit_x')
    folders = dict(type='ImageNet', data_root=str(imagenet_copy), data_prefix='train',
                   metainfo=dict(classes=CLASSES))
    with pytest.raises(UnknownClassError, match=r"class folder\(s\) \['digit_x'\]"):
        check_classification_annotations(folders, 'd')


def test_empty_dataset():
    with pytest.raises(EmptyDatasetError, match='val_dataloader.dataset holds no samples'):
        check_not_empty([], 'val_dataloader.dataset')
    check_not_empty([0], 'val_dataloader.dataset')


def seg_sample(values, path='ann/x.png'):
    sample = SegDataSample(metainfo=dict(seg_map_path=path))
    sample.gt_sem_seg = PixelData(data=torch.tensor(values)[None])
    return sample


def test_label_map_values_outside_the_classes():
    check_seg_labels([seg_sample([[0, 10], [255, 3]])], num_classes=11)  # 255: ignore index
    with pytest.raises(UnknownClassError, match=r'label map ann/y.png has value\(s\) \[11, 40\]'):
        check_seg_labels([seg_sample([[0, 1]]), seg_sample([[11, 40], [255, 2]], 'ann/y.png')],
                         num_classes=11)


def test_coco_boxes_outside_the_image_are_counted(digits_root, tmp_path):
    source = digits_root / 'digits_coco' / 'annotations' / 'instances_train2017.json'
    coco = json.loads(source.read_text())
    assert coco_boxes_outside(str(source)) == (0, 0)  # the maker's boxes are inside
    image = coco['images'][0]
    width, height = image['width'], image['height']
    extra = [[width + 5, 2, 4, 4], [-10, -10, 5, 5], [width - 2, 1, 6, 3]]
    for i, bbox in enumerate(extra):
        coco['annotations'].append(dict(coco['annotations'][0], id=10**6 + i,
                                        image_id=image['id'], bbox=bbox))
    path = tmp_path / 'bad.json'
    path.write_text(json.dumps(coco))
    assert coco_boxes_outside(str(path)) == (2, 1)


def test_a_class_without_samples(imagenet_copy, tmp_path, capfd):
    """A training split where one class has no sample is refused (counts per class named);
    an evaluation split is counted in the log and goes on."""
    ann = imagenet_copy / 'meta' / 'train.txt'
    lines = ann.read_text().splitlines()
    kept = [line for line in lines if not line.endswith(' 3')]
    ann.write_text('\n'.join(kept) + '\n')
    counts = [sum(line.endswith(f' {c}') for line in kept) for c in range(10)]
    assert counts[3] == 0 and min(counts[:3] + counts[4:]) > 0
    expected = (f'{ann}: class(es) 3 (digit_3) have no samples (train_dataloader.dataset; '
                f'samples per class: {" ".join(map(str, counts))})')
    with pytest.raises(EmptyClassError) as err:
        check_classification_annotations(dataset_cfg(imagenet_copy), 'train_dataloader.dataset')
    assert str(err.value) == (expected + '; the head would be trained for classes it never '
                              'sees: add their images or drop them from the class list')
    check_classification_annotations(dataset_cfg(imagenet_copy), 'val_dataloader.dataset')
    assert expected.replace('train_dataloader', 'val_dataloader') in capfd.readouterr().out
    # folder-scanned data: an empty class folder
    shutil.rmtree(imagenet_copy / 'train' / 'digit_5')
    (imagenet_copy / 'train' / 'digit_5').mkdir()
    folders = dict(type='CustomDataset', data_root=str(imagenet_copy), data_prefix='train',
                   metainfo=dict(classes=CLASSES))
    with pytest.raises(EmptyClassError, match=r'class\(es\) 5 \(digit_5\) have no samples'):
        check_classification_annotations(folders, 'train_dataloader.dataset')
