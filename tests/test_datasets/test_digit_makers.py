"""The digit makers write real OpenMMLab layouts, deterministically, with correct labels.

Datasets are made once per module at small sizes; the checks against mmpretrain / mmseg / mmdet
read those same folders through the libraries' own dataset classes.
"""
import hashlib
import importlib.util
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from tlalign_mm.datasets.digits_source import (CLASS_NAMES, STROKE_THRESHOLD, load_digits,
                                               render_digit, split_indices)
from tlalign_mm.datasets.makers import (MAKERS, make_ade20k_style, make_coco_style,
                                        make_cub_style, make_imagenet_style)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SMALL = {
    'imagenet': dict(train_per_class=6, val_per_class=3),
    'ade20k': dict(num_train=12, num_val=5),
    'coco': dict(num_train=12, num_val=5),
    'cub': dict(train_per_class=4, test_per_class=2),
}


@pytest.fixture(scope='module')
def made(tmp_path_factory):
    root = tmp_path_factory.mktemp('digits')
    return {kind: MAKERS[kind](str(root / kind), seed=0, **SMALL[kind]) for kind in MAKERS}


@pytest.fixture(scope='module')
def scattered(tmp_path_factory):
    """The dense makers' other layout: crowded digits on textured canvases."""
    root = tmp_path_factory.mktemp('digits_scattered')
    return dict(
        ade20k=make_ade20k_style(str(root / 'ade20k'), num_train=6, num_val=3,
                                 layout='scattered'),
        coco=make_coco_style(str(root / 'coco'), num_train=6, num_val=3, layout='scattered'))


def read_lines(path):
    with open(path) as f:
        return f.read().splitlines()


def tree_digest(root):
    """Map each file under ``root`` (relative path) to the sha256 of its bytes."""
    digests = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = osp.join(folder, name)
            with open(path, 'rb') as f:
                digests[osp.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return digests


# ---- source digits -------------------------------------------------------------------------

def test_split_is_disjoint_complete_and_stratified():
    images, labels = load_digits()
    assert images.shape == (1797, 8, 8) and 0.0 <= images.min() and images.max() == 1.0
    train, val = split_indices(0)
    assert not set(train) & set(val)
    assert len(train) + len(val) == 1797
    for label in range(10):
        share = np.sum(labels[val] == label) / np.sum(labels == label)
        assert abs(share - 0.25) < 0.01
    again_train, _ = split_indices(0)
    other_train, _ = split_indices(1)
    assert np.array_equal(train, again_train) and not np.array_equal(train, other_train)


def test_render_digit_upscales_to_uint8_strokes():
    gray = render_digit(0, 24)
    assert gray.shape == (24, 24) and gray.dtype == np.uint8
    assert gray.max() >= STROKE_THRESHOLD and gray[0, 0] == 0
    assert render_digit(0, 24, angle=15.0).shape == (24, 24)


# ---- layouts and labels --------------------------------------------------------------------

def test_imagenet_layout(made):
    info = made['imagenet']
    root = info['root']
    assert info['counts'] == {'train': 60, 'val': 30}
    assert read_lines(osp.join(root, 'meta', 'classes.txt')) == list(CLASS_NAMES)
    for split, count in info['counts'].items():
        lines = read_lines(osp.join(root, 'meta', f'{split}.txt'))
        assert len(lines) == count
        assert sum(len(files) for _, _, files in os.walk(osp.join(root, split))) == count
        for line in lines:
            relative, label = line.split(' ')
            assert relative.startswith(f'digit_{label}/') and relative.endswith('.png')
            image = cv2.imread(osp.join(root, split, relative), cv2.IMREAD_UNCHANGED)
            assert image.shape == (32, 32, 3)
    assert lines[0] == 'digit_0/00000.png 0'


def test_cub_layout(made):
    info = made['cub']
    root = info['root']
    assert info['counts'] == {'train': 40, 'test': 20}
    paths = [line.split(' ') for line in read_lines(osp.join(root, 'images.txt'))]
    labels = [line.split(' ') for line in read_lines(osp.join(root, 'image_class_labels.txt'))]
    splits = [line.split(' ') for line in read_lines(osp.join(root, 'train_test_split.txt'))]
    assert [p[0] for p in paths] == [str(i) for i in range(1, 61)]
    assert [p[0] for p in labels] == [p[0] for p in splits] == [p[0] for p in paths]
    assert sorted(p[1] for p in paths) == [p[1] for p in paths]
    for (_, relative), (_, class_id) in zip(paths, labels):
        assert relative.startswith(f'{int(class_id):03d}.{CLASS_NAMES[int(class_id) - 1]}/')
        assert cv2.imread(osp.join(root, 'images', relative)).shape == (32, 32, 3)
    assert sum(int(s[1]) for s in splits) == 40
    assert read_lines(osp.join(root, 'classes.txt'))[3] == '4 004.three'


def test_cub_is_a_different_domain_from_imagenet(made):
    """ImageNet-style: dark ink on light paper; CUB-style: bright ink on dark paper."""
    def median_brightness(folder):
        return [np.median(cv2.imread(osp.join(folder, name))) for name in os.listdir(folder)]
    imagenet = made['imagenet']['root']
    cub = made['cub']['root']
    assert min(median_brightness(osp.join(imagenet, 'train', 'digit_8'))) > 120
    assert max(median_brightness(osp.join(cub, 'images', '009.eight'))) < 90


@pytest.mark.parametrize('layout', ['framed', 'scattered'])
def test_ade20k_layout_and_label_values(made, scattered, layout):
    info = made['ade20k'] if layout == 'framed' else scattered['ade20k']
    root = info['root']
    canvas = dict(framed=32, scattered=64)[layout]
    assert info['canvas'] == canvas
    assert info['counts'] == ({'train': 12, 'val': 5} if layout == 'framed' else
                              {'train': 6, 'val': 3})
    assert info['classes'][0] == 'background' and len(info['classes']) == 11
    for split, folder in (('train', 'training'), ('val', 'validation')):
        images = sorted(os.listdir(osp.join(root, 'images', folder)))
        labels = sorted(os.listdir(osp.join(root, 'annotations', folder)))
        assert len(images) == info['counts'][split]
        assert [osp.splitext(n)[0] for n in images] == [osp.splitext(n)[0] for n in labels]
        assert all(n.endswith('.jpg') for n in images) and all(n.endswith('.png') for n in labels)
        for name in labels:
            label = cv2.imread(osp.join(root, 'annotations', folder, name), cv2.IMREAD_UNCHANGED)
            assert label.shape == (canvas, canvas) and label.dtype == np.uint8
            values = set(np.unique(label).tolist())
            assert values <= set(range(12))
            assert 1 in values and values & set(range(2, 12)), values
            if layout == 'framed':  # one pre-training frame: exactly one digit class
                assert len(values & set(range(2, 12))) == 1, values
        per_image = 1 if layout == 'framed' else 2
        assert info['digits'][split] >= per_image * info['counts'][split]
        if layout == 'framed':
            assert info['digits'][split] == info['counts'][split]
    assert cv2.imread(osp.join(root, 'images', 'training', 'ADE_train_00000001.jpg')).shape == (
        canvas, canvas, 3)


def test_framed_tiles_keep_each_digit_inside_its_tile_at_pre_training_scale():
    """Each 32 px cell of a 64 px framed scene holds at most one digit, drawn as the
    ImageNet-style maker draws one: side 70-100% of the cell, wholly inside it."""
    from tlalign_mm.datasets.makers._scene import compose_framed_scene
    rng = np.random.default_rng(3)
    pool = split_indices(0)[0]
    counts = []
    for _ in range(20):
        image, digits = compose_framed_scene(rng, 64, 32, pool)
        assert image.shape == (64, 64, 3) and image.dtype == np.uint8
        cells = [(d.x // 32, d.y // 32) for d in digits]
        assert len(set(cells)) == len(cells)  # at most one digit per cell
        for d in digits:
            side = d.gray.shape[0]
            assert 22 <= side <= 32  # round(0.7 * 32) .. 32
            assert (d.x + side - 1) // 32 == d.x // 32 and (d.y + side - 1) // 32 == d.y // 32
        counts.append(len(digits))
    assert max(counts) == 4 and min(counts) < 4  # cells are left empty at random
    with pytest.raises(ValueError, match='cannot be cut into 24 px tiles'):
        compose_framed_scene(rng, 64, 24, pool)
    with pytest.raises(ValueError, match="unknown layout 'grid'"):
        make_ade20k_style('/nonexistent', layout='grid')


def test_coco_annotations_load_and_boxes_enclose_masks(made):
    from pycocotools.coco import COCO
    info = made['coco']
    root = info['root']
    image_ids = set()
    for split in ('train', 'val'):
        coco = COCO(osp.join(root, 'annotations', f'instances_{split}2017.json'))
        assert len(coco.getImgIds()) == info['counts'][split]
        assert len(coco.getAnnIds()) == info['instances'][split]
        assert [c['name'] for c in coco.loadCats(coco.getCatIds())] == list(CLASS_NAMES)
        for image in coco.loadImgs(coco.getImgIds()):
            assert osp.isfile(osp.join(root, f'{split}2017', image['file_name']))
            assert image['file_name'] == f'{image["id"]:012d}.jpg'
            anns = coco.loadAnns(coco.getAnnIds(imgIds=image['id']))
            assert len(anns) == 1  # the framed 32 px scene: one digit
            for ann in anns:
                x, y, w, h = ann['bbox']
                assert ann['area'] > 0 and w >= 1 and h >= 1 and ann['iscrowd'] == 0
                assert 1 <= ann['category_id'] <= 10
                for polygon in ann['segmentation']:
                    assert len(polygon) >= 6 and len(polygon) % 2 == 0
                    xs, ys = np.array(polygon[0::2]), np.array(polygon[1::2])
                    assert xs.min() >= x and xs.max() <= x + w
                    assert ys.min() >= y and ys.max() <= y + h
                rows, cols = np.nonzero(coco.annToMask(ann))
                assert len(rows) > 0
                assert cols.min() >= x and cols.max() < x + w
                assert rows.min() >= y and rows.max() < y + h
        image_ids |= set(coco.getImgIds())
    assert len(image_ids) == sum(info['counts'].values())


def test_boxes_of_one_image_do_not_overlap(scattered):
    with open(osp.join(scattered['coco']['root'], 'annotations',
                       'instances_train2017.json')) as f:
        dataset = json.load(f)
    assert len(dataset['annotations']) > len(dataset['images'])  # crowded: overlap possible
    boxes = {}
    for ann in dataset['annotations']:
        boxes.setdefault(ann['image_id'], []).append(ann['bbox'])
    for image_boxes in boxes.values():
        for i, (x0, y0, w0, h0) in enumerate(image_boxes):
            for x1, y1, w1, h1 in image_boxes[i + 1:]:
                assert x0 + w0 <= x1 or x1 + w1 <= x0 or y0 + h0 <= y1 or y1 + h1 <= y0


# ---- determinism ---------------------------------------------------------------------------

@pytest.mark.parametrize('kind', sorted(MAKERS))
def test_same_seed_same_bytes_other_seed_differs(tmp_path, kind):
    tiny = {
        'imagenet': dict(train_per_class=2, val_per_class=1),
        'ade20k': dict(num_train=3, num_val=2),
        'coco': dict(num_train=3, num_val=2),
        'cub': dict(train_per_class=2, test_per_class=1),
    }[kind]
    runs = {}
    for name, seed in (('a', 0), ('b', 0), ('c', 1)):
        MAKERS[kind](str(tmp_path / name), seed=seed, **tiny)
        runs[name] = tree_digest(tmp_path / name)
    assert runs['a'] == runs['b']
    assert runs['a'].keys() == runs['c'].keys()
    assert runs['a'] != runs['c']


def test_makers_map_and_signatures():
    assert MAKERS == {'imagenet': make_imagenet_style, 'ade20k': make_ade20k_style,
                      'coco': make_coco_style, 'cub': make_cub_style}


# ---- command line --------------------------------------------------------------------------

def load_cli():
    path = osp.join(REPO, 'tools', 'dataset_converters', 'make_digits_datasets.py')
    spec = importlib.util.spec_from_file_location('make_digits_datasets', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_writes_and_refuses_to_overwrite(tmp_path, capsys):
    cli = load_cli()
    cli.main([str(tmp_path), '--kinds', 'cub'])
    assert sorted(os.listdir(tmp_path)) == ['digits_cub']
    assert len(read_lines(tmp_path / 'digits_cub' / 'images.txt')) == 400
    assert '[cub]' in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        cli.main([str(tmp_path), '--kinds', 'cub', 'imagenet'])
    message = str(refused.value.code)
    assert 'digits_cub' in message and '--overwrite' in message and '\n' not in message
    assert not osp.exists(tmp_path / 'digits_imagenet')  # refused before writing anything
    (tmp_path / 'digits_cub' / 'stale.txt').write_text('old')
    cli.main([str(tmp_path), '--kinds', 'cub', '--overwrite', '--seed', '1'])
    assert not osp.exists(tmp_path / 'digits_cub' / 'stale.txt')


# ---- the OpenMMLab dataset classes read the folders ----------------------------------------

def test_mmpretrain_imagenet_reads_layout(made):
    pytest.importorskip('mmpretrain')
    from mmpretrain.datasets import ImageNet
    root = made['imagenet']['root']
    for split, count in made['imagenet']['counts'].items():
        dataset = ImageNet(data_root=root, split=split, metainfo=dict(classes=CLASS_NAMES),
                           pipeline=[], lazy_init=False)
        assert len(dataset) == count
        assert dataset.CLASSES == CLASS_NAMES
        expected = [int(line.split(' ')[1])
                    for line in read_lines(osp.join(root, 'meta', f'{split}.txt'))]
        assert dataset.get_gt_labels().tolist() == expected
        assert all(osp.isfile(dataset.get_data_info(i)['img_path']) for i in range(count))


def test_mmpretrain_cub_reads_layout(made):
    pytest.importorskip('mmpretrain')
    from mmpretrain.datasets import CUB
    root = made['cub']['root']
    for split, count in made['cub']['counts'].items():
        dataset = CUB(data_root=root, split=split, metainfo=dict(classes=CLASS_NAMES),
                      pipeline=[], lazy_init=False)
        assert len(dataset) == count
        labels = dataset.get_gt_labels()
        assert np.bincount(labels, minlength=10).tolist() == [count // 10] * 10
        for i in range(count):
            info = dataset.get_data_info(i)
            assert osp.isfile(info['img_path'])
            assert osp.basename(osp.dirname(info['img_path'])).endswith(
                CLASS_NAMES[info['gt_label']])


def test_mmseg_digits_ade20k_reads_layout(made):
    pytest.importorskip('mmseg')
    from mmseg.datasets.transforms import LoadAnnotations
    from mmseg.registry import DATASETS

    from tlalign_mm.datasets import DigitsADE20KDataset
    assert DATASETS.get('DigitsADE20KDataset') is DigitsADE20KDataset
    root = made['ade20k']['root']
    dataset = DigitsADE20KDataset(
        data_root=root,
        data_prefix=dict(img_path='images/training', seg_map_path='annotations/training'),
        pipeline=[LoadAnnotations()], lazy_init=False)
    assert len(dataset) == made['ade20k']['counts']['train']
    assert dataset.metainfo['classes'] == made['ade20k']['classes']
    assert len(dataset.metainfo['palette']) == 11
    info = dataset.get_data_info(0)
    assert info['reduce_zero_label'] is True
    assert osp.basename(info['img_path']) == 'ADE_train_00000001.jpg'
    assert osp.basename(info['seg_map_path']) == 'ADE_train_00000001.png'
    seg = dataset[0]['gt_seg_map']
    raw = cv2.imread(info['seg_map_path'], cv2.IMREAD_UNCHANGED)
    assert set(np.unique(seg).tolist()) <= set(range(11)) | {255}
    assert np.array_equal(seg == 255, raw == 0)
    assert np.array_equal(seg[raw > 0], raw[raw > 0] - 1)


def test_mmdet_coco_dataset_reads_layout(made):
    pytest.importorskip('mmdet')
    from mmdet.datasets import CocoDataset
    root = made['coco']['root']
    dataset = CocoDataset(data_root=root, ann_file='annotations/instances_train2017.json',
                          data_prefix=dict(img='train2017/'), metainfo=dict(classes=CLASS_NAMES),
                          pipeline=[], lazy_init=False)
    assert len(dataset) == made['coco']['counts']['train']
    with open(osp.join(root, 'annotations', 'instances_train2017.json')) as f:
        anns = json.load(f)['annotations']
    expected = {}
    for ann in anns:
        x, y, w, h = ann['bbox']
        expected.setdefault(ann['image_id'], []).append(
            (ann['category_id'] - 1, [x, y, x + w, y + h]))
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        assert osp.isfile(info['img_path'])
        got = [(inst['bbox_label'], inst['bbox']) for inst in info['instances']]
        assert got == expected[info['img_id']]
        assert all(inst['ignore_flag'] == 0 for inst in info['instances'])
