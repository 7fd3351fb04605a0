"""Digits in the on-disk layout of mmpretrain's ``CUB`` dataset (the fine-grained transfer task).

Layout (ids are 1-based and run over all images, sorted by path)::

    root/images/<NNN>.<name>/<name>_<nnnn>.jpg   e.g. images/004.three/three_0007.jpg
    root/images.txt               "<image_id> <path relative to root/images>"
    root/image_class_labels.txt   "<image_id> <class_id>"        (class_id 1-based)
    root/train_test_split.txt     "<image_id> <1 if train else 0>"
    root/classes.txt              "<class_id> <NNN>.<name>"

``CUB(data_root=root, split='train' | 'test')`` reads the first three text files (and the
``images`` folder); ``classes.txt`` completes the real layout. As in CUB, the two splits share
the class folders and are mixed within each.

The rendering is a deliberately different domain from the ImageNet-style maker so that
fine-tuning is a transfer task, not more of the pre-training data: bright saturated ink on dark
paper instead of dark ink on light paper, bilinear instead of bicubic upscaling, rotations up to
``MAX_ROTATION`` degrees, and JPEG instead of PNG.
"""
import os.path as osp

import cv2
import numpy as np

from ..digits_source import CLASS_NAMES, digit_image, pools_by_class, sample_sources, split_indices
from ._io import write_image, write_lines

CLASS_DIRS = tuple(f'{k + 1:03d}.{name}' for k, name in enumerate(CLASS_NAMES))
DEFAULT_TRAIN_PER_CLASS = 30
DEFAULT_TEST_PER_CLASS = 10
MAX_ROTATION = 20.0


def _neon_colours(rng):
    """Return ``(ink, paper)``: one strong channel over a low base for the ink, dark paper."""
    ink = rng.uniform(0.0, 90.0, 3)
    ink[rng.integers(3)] = rng.uniform(210.0, 255.0)
    paper = rng.uniform(0.0, 60.0, 3)
    return ink, paper


def _render(rng, index, img_size):
    ink, paper = _neon_colours(rng)
    angle = float(rng.uniform(-MAX_ROTATION, MAX_ROTATION))
    return digit_image(rng, index, img_size, ink, paper, interpolation=cv2.INTER_LINEAR,
                       angle=angle)


def make_cub_style(root, seed=0, img_size=32, train_per_class=None, test_per_class=None):
    """Write the CUB-style digits under ``root``; return what was written.

    Test images come from source digits disjoint from the training ones. Returns
    ``dict(root=..., classes=CLASS_NAMES, class_dirs=CLASS_DIRS, counts=dict(train=N, test=M))``.
    """
    per_class = {
        1: DEFAULT_TRAIN_PER_CLASS if train_per_class is None else train_per_class,
        0: DEFAULT_TEST_PER_CLASS if test_per_class is None else test_per_class,
    }
    rng = np.random.default_rng(seed)
    train_pool, test_pool = split_indices(seed)
    pools = {1: pools_by_class(train_pool), 0: pools_by_class(test_pool)}
    records = []  # (relative path, class id, is_train), in path order
    for label, class_dir in enumerate(CLASS_DIRS):
        jobs = [(index, is_train) for is_train in (1, 0)
                for index in sample_sources(rng, pools[is_train][label], per_class[is_train])]
        # Like CUB, train and test images interleave within a class folder.
        for number, job in enumerate(jobs[i] for i in rng.permutation(len(jobs))):
            index, is_train = job
            relative = f'{class_dir}/{CLASS_NAMES[label]}_{number + 1:04d}.jpg'
            write_image(osp.join(root, 'images', relative), _render(rng, index, img_size))
            records.append((relative, label + 1, is_train))

    ids = range(1, len(records) + 1)
    write_lines(osp.join(root, 'images.txt'), (f'{i} {r[0]}' for i, r in zip(ids, records)))
    write_lines(osp.join(root, 'image_class_labels.txt'),
                (f'{i} {r[1]}' for i, r in zip(ids, records)))
    write_lines(osp.join(root, 'train_test_split.txt'),
                (f'{i} {r[2]}' for i, r in zip(ids, records)))
    write_lines(osp.join(root, 'classes.txt'),
                (f'{k + 1} {name}' for k, name in enumerate(CLASS_DIRS)))
    counts = {'train': sum(r[2] for r in records), 'test': sum(1 - r[2] for r in records)}
    return dict(root=str(root), classes=CLASS_NAMES, class_dirs=CLASS_DIRS, counts=counts)
