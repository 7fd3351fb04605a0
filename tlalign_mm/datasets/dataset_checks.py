"""Checks of a dataset's annotations, each failing in one line that names the file.

Before the runner is built (cheap, from the config and the annotation files):

- an mmpretrain ``ImageNet``-style dataset given a ``split`` but no ``ann_file`` reads
  ``<data_root>/meta/<split>.txt``; mmpretrain silently scans the class folders when that file
  is missing, which trains on whatever folders exist. We require the file (the README's
  promise: a missing annotation file is an error);
- a classification annotation file (``<path> <label>`` lines) whose label is outside the class
  list, or that lists no sample at all;
- folder-scanned classification data whose folder names are not the configured classes;
- a class without a single sample: refused in a training split (the head would be trained for a
  class it never sees), printed as a warning for the others.

During training (per batch, a max over a few label tensors): a segmentation label map with a
value that is neither a class index nor the ignore index. And once before training, a COCO
json's boxes outside their image are counted in the log (mmdet's convention: it skips boxes
with no overlap and keeps the others unclipped).
"""
import json
import os
import os.path as osp

from .data_errors import (AnnotationFileError, EmptyClassError, EmptyDatasetError,
                          UnknownClassError)


def _dataset_class(type_name):
    from mmpretrain.registry import DATASETS
    return DATASETS.get(type_name) if isinstance(type_name, str) else type_name


def _is_imagenet_style(cls):
    from mmpretrain.datasets import CustomDataset
    return isinstance(cls, type) and issubclass(cls, CustomDataset)


def _num_classes(ds, cls):
    classes = (ds.get('metainfo') or {}).get('classes') or getattr(cls, 'METAINFO', {}).get(
        'classes')
    return len(classes) if classes else None, classes


def classification_ann_file(ds, cls):
    """The annotation file an ImageNet-style dataset config reads, or None (folder scan)."""
    root, ann, split = ds.get('data_root') or '', ds.get('ann_file') or '', ds.get('split')
    from mmpretrain.datasets import ImageNet
    if not ann and split and issubclass(cls, ImageNet):
        ann = osp.join('meta', f'{split}.txt')
    if not ann:
        return None
    return ann if osp.isabs(ann) else osp.join(root, ann)


def check_classification_annotations(ds, where):
    """Raise a :class:`DataError` for a missing/empty annotation file or an unknown label."""
    cls = _dataset_class(ds.get('type'))
    if not _is_imagenet_style(cls):
        return
    path = classification_ann_file(ds, cls)
    count, classes = _num_classes(ds, cls)
    if path is None:
        _check_class_folders(ds, classes, where)
        return
    if not osp.isfile(path):
        how = f"split={ds['split']!r}" if ds.get('split') and not ds.get('ann_file') else (
            'ann_file')
        raise AnnotationFileError(
            f'annotation file not found: {path} ({where}, {how}); write it (one "<image> '
            '<label>" line per sample) or point ann_file at yours')
    with_label = ds.get('with_label', True) and ds.get('split') != 'test'
    lines = 0
    per_class = [0] * (count or 0)
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            lines += 1
            if with_label and count is not None:
                label = line.strip().rsplit(' ', 1)[-1]
                if not label.lstrip('-').isdigit() or not 0 <= int(label) < count:
                    raise UnknownClassError(
                        f'{path}:{number}: label {label!r} is not a class index of this '
                        f'dataset (0..{count - 1}, {count} classes)')
                per_class[int(label)] += 1
    if lines == 0:
        raise EmptyDatasetError(f'annotation file {path} lists no samples ({where})')
    if with_label and count is not None:
        _check_every_class_present(per_class, classes, path, where)


def _check_every_class_present(per_class, classes, source, where):
    """Refuse a class with no sample in a training split; log the counts elsewhere."""
    empty = [i for i, n in enumerate(per_class) if n == 0]
    if not empty:
        return
    names = ', '.join(f'{i} ({classes[i]})' for i in empty[:5])
    if len(empty) > 5:
        names += f' and {len(empty) - 5} more'
    counts = (' '.join(str(n) for n in per_class) if len(per_class) <= 20 else
              f'{len(empty)} of {len(per_class)} classes have none')
    message = (f'{source}: class(es) {names} have no samples ({where}; samples per class: '
               f'{counts})')
    if where.startswith('train_dataloader'):
        raise EmptyClassError(f'{message}; the head would be trained for classes it never '
                              'sees: add their images or drop them from the class list')
    print(f'warning: {message}', flush=True)  # before the runner (and its logger) exists


def _check_class_folders(ds, classes, where):
    root, prefix = ds.get('data_root') or '', ds.get('data_prefix') or ''
    prefix = prefix.get('img_path', '') if isinstance(prefix, dict) else prefix
    folder = prefix if osp.isabs(prefix) else osp.join(root, prefix)
    if not classes or not osp.isdir(folder):
        return
    found = sorted(d for d in os.listdir(folder) if osp.isdir(osp.join(folder, d)))
    unknown = sorted(set(found) - set(classes))
    if unknown:
        raise UnknownClassError(
            f'{folder} has class folder(s) {unknown[:5]} that are not among the {len(classes)} '
            f'classes of {where}.metainfo; rename them or fix the class list')
    per_class = [_count_files(osp.join(folder, name)) for name in classes]
    _check_every_class_present(per_class, classes, folder, where)


def _count_files(folder):
    if not osp.isdir(folder):
        return 0
    return sum(len(files) for _, _, files in os.walk(folder))


def check_not_empty(dataset, where):
    if len(dataset) == 0:
        source = getattr(dataset, 'ann_file', '') or getattr(dataset, 'data_root', '')
        raise EmptyDatasetError(f'{where} holds no samples ({source or type(dataset).__name__})')


def check_seg_labels(data_samples, num_classes, ignore_index=255):
    """Raise :class:`UnknownClassError` naming the label map with an out-of-range value."""
    for sample in data_samples or ():
        if 'gt_sem_seg' not in sample:
            return
        seg = sample.gt_sem_seg.data
        valid = seg[seg != ignore_index]
        if valid.numel() and int(valid.max()) >= num_classes:
            bad = sorted({int(v) for v in valid[valid >= num_classes].unique()[:5]})
            raise UnknownClassError(
                f'label map {sample.metainfo.get("seg_map_path", "?")} has value(s) {bad} '
                f'(after the dataset\'s reduce_zero_label) outside 0..{num_classes - 1} and not '
                f'the ignore index {ignore_index}')


def coco_boxes_outside(ann_file):
    """(boxes entirely outside their image, boxes crossing its border) in a COCO json."""
    with open(ann_file) as f:
        coco = json.load(f)
    sizes = {img['id']: (img['width'], img['height']) for img in coco.get('images', [])}
    outside = crossing = 0
    for ann in coco.get('annotations', []):
        width, height = sizes.get(ann['image_id'], (None, None))
        if width is None:
            continue
        x, y, w, h = ann['bbox']
        if x >= width or y >= height or x + w <= 0 or y + h <= 0:
            outside += 1
        elif x < 0 or y < 0 or x + w > width + 1e-3 or y + h > height + 1e-3:
            crossing += 1
    return outside, crossing
