"""Digit scenes in the on-disk layout of COCO instance segmentation (mmdet's ``CocoDataset``).

Layout::

    root/train2017/<image_id:012d>.jpg                   RGB, JPEG quality 95
    root/val2017/<image_id:012d>.jpg
    root/annotations/instances_train2017.json
    root/annotations/instances_val2017.json

Each JSON holds ``images`` (id, file_name, width, height), ``annotations`` (id, image_id,
category_id, bbox [x, y, w, h], area, iscrowd=0, segmentation as polygon lists) and
``categories`` (ids 1..10, names zero..nine). Image ids are unique across both splits, as in COCO.

Instances come from the painted intensity maps: the mask is the stroke (intensity >=
``STROKE_THRESHOLD``), ``area`` its pixel count, ``bbox`` its tight pixel box, and the polygons
its outer contours. COCO polygons cannot express holes, so the loops of 0, 6, 8 and 9 are filled
in the polygon masks, just as in real COCO annotations; ``area`` still counts stroke pixels only.
"""
import json
import os
import os.path as osp

import cv2
import numpy as np

from ..digits_source import CLASS_NAMES, STROKE_THRESHOLD, split_indices
from ._io import write_image
from ._scene import check_layout, compose_layout_scene

CATEGORIES = tuple(dict(id=k + 1, name=name, supercategory='digit')
                   for k, name in enumerate(CLASS_NAMES))
DEFAULT_NUM_TRAIN = 400
DEFAULT_NUM_VAL = 100
DEFAULT_CANVAS = dict(framed=32, scattered=96)


def instance_annotation(canvas, digit):
    """COCO fields (category_id, bbox, area, iscrowd, segmentation) of one ``PlacedDigit``.

    Contours with fewer than 3 points enclose nothing and are dropped. If a digit is so thin that
    no contour survives, its box outline stands in as the polygon so that every instance keeps a
    mask that COCO tools and mmdet can load.
    """
    side = digit.gray.shape[0]
    mask = np.zeros((canvas, canvas), np.uint8)
    mask[digit.y:digit.y + side, digit.x:digit.x + side] = digit.gray >= STROKE_THRESHOLD
    rows, cols = np.nonzero(mask)
    x0, y0, x1, y1 = (int(v) for v in (cols.min(), rows.min(), cols.max(), rows.max()))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    polygons = [contour.reshape(-1).astype(float).tolist()
                for contour in contours if len(contour) >= 3]
    if not polygons:
        polygons = [[float(v) for v in (x0, y0, x1, y0, x1, y1, x0, y1)]]
    return dict(category_id=digit.label + 1,
                bbox=[float(x0), float(y0), float(x1 - x0 + 1), float(y1 - y0 + 1)],
                area=float(len(rows)), iscrowd=0, segmentation=polygons)


def make_coco_style(root, seed=0, canvas=None, num_train=DEFAULT_NUM_TRAIN, num_val=DEFAULT_NUM_VAL,
                    layout='framed', tile=32, digits_per_image=(1, 3), digit_size=(20, 40)):
    """Write COCO-style digit scenes under ``root``; return what was written.

    ``layout='framed'`` (default): ``tile`` px cells with at most one digit each, drawn in the
    pre-training frame; the default 32 px canvas is one digit per image. ``layout='scattered'``
    (96 px canvas by default): ``digits_per_image`` (inclusive range) non-overlapping digits of
    ``digit_size`` px (inclusive range) on a textured canvas. See ``_scene`` for why the demo uses
    the framed layout. Validation scenes use only source digits disjoint from the training ones.
    Returns ``dict(root=..., classes=CLASS_NAMES, counts=dict(train=N, val=M),
    instances=dict(train=..., val=...), canvas=C)``.
    """
    check_layout(layout)
    canvas = DEFAULT_CANVAS[layout] if canvas is None else canvas
    rng = np.random.default_rng(seed)
    pools = dict(zip(('train', 'val'), split_indices(seed)))
    sizes = {'train': num_train, 'val': num_val}
    image_id = 0
    instances = {}
    for split in ('train', 'val'):
        images, annotations = [], []
        for _ in range(sizes[split]):
            image_id += 1
            image, digits = compose_layout_scene(rng, layout, canvas, pools[split], tile,
                                                 digits_per_image, digit_size)
            file_name = f'{image_id:012d}.jpg'
            write_image(osp.join(root, f'{split}2017', file_name), image)
            images.append(dict(id=image_id, file_name=file_name, width=canvas, height=canvas))
            for digit in digits:
                annotations.append(dict(id=len(annotations) + 1, image_id=image_id,
                                        **instance_annotation(canvas, digit)))
        dataset = dict(info=dict(description=f'tlalign_mm digits, COCO layout, seed {seed}'),
                       images=images, annotations=annotations, categories=list(CATEGORIES))
        os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
        with open(osp.join(root, 'annotations', f'instances_{split}2017.json'), 'w') as f:
            json.dump(dataset, f)
        instances[split] = len(annotations)
    return dict(root=str(root), classes=CLASS_NAMES, counts=sizes, instances=instances,
                canvas=canvas)
