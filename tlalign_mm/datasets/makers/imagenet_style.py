"""Digits in the on-disk layout of mmpretrain's ``ImageNet`` dataset (the pre-training domain).

Layout (``split`` is ``train`` or ``val``)::

    root/train/digit_<k>/<nnnnn>.png
    root/val/digit_<k>/<nnnnn>.png
    root/meta/train.txt     "<path relative to root/train> <label>", e.g. "digit_3/00012.png 3"
    root/meta/val.txt
    root/meta/classes.txt   one class name per line: zero .. nine

``ImageNet(data_root=root, split='train')`` reads ``root/train`` with ``root/meta/train.txt``.
Images are PNG so the pre-training data carries no JPEG artefacts. Style: dark ink on light
paper, bicubic upscaling, no rotation; the CUB-style maker renders a different domain.
"""
import os.path as osp

import numpy as np

from ..digits_source import (CLASS_NAMES, contrasting_colours, digit_image, pools_by_class,
                             sample_sources, split_indices)
from ._io import write_image, write_lines

CLASS_DIRS = tuple(f'digit_{k}' for k in range(len(CLASS_NAMES)))
DEFAULT_TRAIN_PER_CLASS = 60
DEFAULT_VAL_PER_CLASS = 20


def make_imagenet_style(root, seed=0, img_size=32, train_per_class=None, val_per_class=None):
    """Write the ImageNet-style digits under ``root``; return what was written.

    Returns ``dict(root=..., classes=CLASS_NAMES, counts=dict(train=N, val=M))``.
    """
    per_class = {
        'train': DEFAULT_TRAIN_PER_CLASS if train_per_class is None else train_per_class,
        'val': DEFAULT_VAL_PER_CLASS if val_per_class is None else val_per_class,
    }
    rng = np.random.default_rng(seed)
    pools = dict(zip(('train', 'val'), split_indices(seed)))
    counts = {}
    for split in ('train', 'val'):
        lines = []
        for label, class_pool in enumerate(pools_by_class(pools[split])):
            for number, index in enumerate(sample_sources(rng, class_pool, per_class[split])):
                ink, paper = contrasting_colours(rng, light_background=True)
                relative = f'{CLASS_DIRS[label]}/{number:05d}.png'
                write_image(osp.join(root, split, relative),
                            digit_image(rng, index, img_size, ink, paper))
                lines.append(f'{relative} {label}')
        write_lines(osp.join(root, 'meta', f'{split}.txt'), lines)
        counts[split] = len(lines)
    write_lines(osp.join(root, 'meta', 'classes.txt'), CLASS_NAMES)
    return dict(root=str(root), classes=CLASS_NAMES, counts=counts)
