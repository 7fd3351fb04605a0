"""Digits-C: the digits val split under the 15 ImageNet-C corruptions, in ImageNet-C's layout.

Layout (read by :class:`~tlalign_mm.datasets.ImageNetCDataset`)::

    root/<corruption>/<severity>/digit_<k>/<nnnnn>.png     severities 1..5

The clean images are exactly the ``val`` split of ``make_imagenet_style`` with the same seed
(read from ``source`` when given, else made in a temporary folder first), so a model pre-trained
on ``digits_imagenet`` meets its own validation images corrupted. PNG keeps the corruption as
made (JPEG compression is one of the corruptions, not a side effect of the file format).
"""
import os.path as osp
import tempfile

import cv2
import numpy as np

from ..digits_source import CLASS_NAMES
from ._io import write_image
from .corruptions import CORRUPTIONS, SEVERITIES, corrupt
from .imagenet_style import make_imagenet_style


def read_val_split(source):
    """[(relative path, label, RGB uint8 image)] of an ImageNet-style root's val split."""
    listing = osp.join(source, 'meta', 'val.txt')
    if not osp.isfile(listing):
        raise FileNotFoundError(f'{listing} not found; make the source with '
                                'make_imagenet_style or tools/dataset_converters/'
                                'make_digits_datasets.py --kinds imagenet')
    items = []
    with open(listing, encoding='utf-8') as f:
        for line in f:
            relative, label = line.split()
            image = cv2.imread(osp.join(source, 'val', relative), cv2.IMREAD_COLOR)
            if image is None:
                raise FileNotFoundError(f'cannot read {osp.join(source, "val", relative)}')
            items.append((relative, int(label), cv2.cvtColor(image, cv2.COLOR_BGR2RGB)))
    return items


def make_corrupted_style(root, seed=0, source=None, corruptions=None, severities=SEVERITIES):
    """Write digits-C under ``root``; return ``dict(root, classes, counts)``.

    Args:
        root (str): output folder.
        seed (int): seed of the clean split (when ``source`` is None) and of the corruptions.
            Defaults to 0.
        source (str, optional): an existing ``make_imagenet_style`` root to corrupt. Defaults
            to None (made with ``seed`` in a temporary folder).
        corruptions (list[str], optional): subset of the 15 families. Defaults to all.
        severities (tuple[int]): which of 1..5. Defaults to all five.
    """
    names = list(CORRUPTIONS) if corruptions is None else list(corruptions)
    unknown = [n for n in names if n not in CORRUPTIONS]
    if unknown:
        raise KeyError(f'unknown corruptions {unknown}; known: {list(CORRUPTIONS)}')
    if source is None:
        with tempfile.TemporaryDirectory() as tmp:
            make_imagenet_style(tmp, seed=seed)
            items = read_val_split(tmp)
    else:
        items = read_val_split(source)
    rng = np.random.default_rng(seed)
    for name in names:
        for severity in severities:
            for relative, _, image in items:
                write_image(osp.join(root, name, str(severity), relative),
                            corrupt(image, name, severity, rng))
    counts = dict(val=len(items) * len(names) * len(severities))
    return dict(root=str(root), classes=CLASS_NAMES, counts=counts)
