"""Digit scenes in the on-disk layout of mmseg's ``ADE20KDataset`` (the segmentation task).

Layout (same stem for an image and its label map)::

    root/images/training/ADE_train_<nnnnnnnn>.jpg         RGB, JPEG quality 95
    root/images/validation/ADE_val_<nnnnnnnn>.jpg
    root/annotations/training/ADE_train_<nnnnnnnn>.png    single-channel uint8, lossless
    root/annotations/validation/ADE_val_<nnnnnnnn>.png

Label values follow ADE20K's convention, where 0 is "other" and ``reduce_zero_label=True`` maps
it to 255 (ignored) and shifts the rest down by one:

    0       ignore: the anti-aliased fringe of a stroke, neither clearly digit nor background
    1       background (class 0 after reduction)
    2..11   digit 0..9 (classes 1..10 after reduction), where the rendered stroke is on

Labels come from the painted intensity maps, never from the (noisy, JPEG) image.
"""
import os.path as osp

import numpy as np

from ..digits_source import CLASS_NAMES, FRINGE_THRESHOLD, STROKE_THRESHOLD, split_indices
from ._io import write_image
from ._scene import check_layout, compose_layout_scene

SEG_CLASSES = ('background', ) + CLASS_NAMES
LABEL_IGNORE = 0
LABEL_BACKGROUND = 1
LABEL_FIRST_DIGIT = 2
DEFAULT_NUM_TRAIN = 400
DEFAULT_NUM_VAL = 100
DEFAULT_CANVAS = dict(framed=32, scattered=64)

_SPLITS = (('train', 'training', 'ADE_train_'), ('val', 'validation', 'ADE_val_'))


def label_map(canvas, digits):
    """Rasterise the ADE20K-convention label map of a scene from its ``PlacedDigit`` list."""
    labels = np.full((canvas, canvas), LABEL_BACKGROUND, np.uint8)
    for digit in digits:
        side = digit.gray.shape[0]
        region = labels[digit.y:digit.y + side, digit.x:digit.x + side]
        region[digit.gray >= FRINGE_THRESHOLD] = LABEL_IGNORE
        region[digit.gray >= STROKE_THRESHOLD] = LABEL_FIRST_DIGIT + digit.label
    return labels


def make_ade20k_style(root, seed=0, canvas=None, num_train=DEFAULT_NUM_TRAIN,
                      num_val=DEFAULT_NUM_VAL, layout='framed', tile=32, digits_per_image=(2, 4),
                      digit_size=(16, 28)):
    """Write ADE20K-style digit scenes under ``root``; return what was written.

    ``layout='framed'`` (default): ``tile`` px cells with at most one digit each, drawn in the
    pre-training frame; the default 32 px canvas is one digit per image. ``layout='scattered'``
    (64 px canvas by default): ``digits_per_image`` (inclusive range) digits of ``digit_size`` px
    (inclusive range) at non-overlapping spots of a textured canvas; a digit that cannot fit is
    dropped, so a very crowded setting can yield fewer. See ``_scene`` for why the demo uses the
    framed layout. Validation scenes use only source digits disjoint from the training ones.
    Returns ``dict(root=..., classes=SEG_CLASSES, counts=dict(train=N, val=M),
    digits=dict(train=..., val=...), canvas=C)`` where ``digits`` counts the digits painted.
    """
    check_layout(layout)
    canvas = DEFAULT_CANVAS[layout] if canvas is None else canvas
    rng = np.random.default_rng(seed)
    pools = dict(zip(('train', 'val'), split_indices(seed)))
    sizes = {'train': num_train, 'val': num_val}
    painted = {}
    for split, folder, prefix in _SPLITS:
        painted[split] = 0
        for number in range(1, sizes[split] + 1):
            image, digits = compose_layout_scene(rng, layout, canvas, pools[split], tile,
                                                 digits_per_image, digit_size)
            stem = f'{prefix}{number:08d}'
            write_image(osp.join(root, 'images', folder, f'{stem}.jpg'), image)
            write_image(osp.join(root, 'annotations', folder, f'{stem}.png'),
                        label_map(canvas, digits))
            painted[split] += len(digits)
    return dict(root=str(root), classes=SEG_CLASSES, counts=sizes, digits=painted,
                canvas=canvas)
