"""Digit scenes shared by the dense-prediction makers (ADE20K-style and COCO-style).

Segmentation and detection need the same thing: digits on a canvas, with each digit's exact
placement and intensity map kept so labels can be derived from what was painted rather than
re-detected from the image. Two layouts:

``framed``
    The canvas is cut into square tiles the size of a pre-training image, and each tile holds at
    most one digit drawn exactly as the ImageNet-style maker draws a classification image (70-100%
    of the tile, random offset, flat paper, dark ink). A 32 px canvas is one pre-training frame.
    The tiny digits ViTs learn digit identity only in that frame: on scattered scenes their
    pre-trained patch tokens carry no more identity than random weights, and a dense head needs
    thousands of iterations to learn it from nothing (docs/demo.md), so the demo's dense tasks use
    this layout.
``scattered``
    Several digits of random sizes at random non-overlapping spots of a larger, textured canvas:
    a harder scene, kept for dense-prediction pipelines that must handle crowding and scale.
"""
from collections import namedtuple

import cv2
import numpy as np

from ..digits_source import (contrasting_colours, finish, frame_placement, load_digits, paint,
                             render_digit)

LAYOUTS = ('framed', 'scattered')

PlacedDigit = namedtuple('PlacedDigit', 'label x y gray')
PlacedDigit.__doc__ = """A painted digit: class ``label``, top-left ``x``, ``y`` and its uint8
intensity map ``gray`` (square, side = digit size) exactly as blended into the canvas."""

_PLACEMENT_TRIES = 50
_SHRINK = 0.8


def textured_background(rng, canvas, paper, cells=4, amplitude=35.0):
    """A smooth colour field around ``paper``: a coarse random grid, upsampled bicubically.

    Flat backgrounds would let a model segment digits by colour alone; a low-frequency texture
    keeps "background" a region to be learned.
    """
    coarse = np.asarray(paper, np.float32) + rng.uniform(-amplitude, amplitude, (cells, cells, 3))
    return cv2.resize(coarse.astype(np.float32), (canvas, canvas),
                      interpolation=cv2.INTER_CUBIC)


def _free(box, boxes, gap):
    x, y, size = box
    return all(x + size + gap <= bx or bx + bsize + gap <= x or
               y + size + gap <= by or by + bsize + gap <= y for bx, by, bsize in boxes)


def _find_spot(rng, canvas, size, boxes, gap):
    """Rejection-sample a top-left corner whose square keeps ``gap`` pixels from ``boxes``."""
    for _ in range(_PLACEMENT_TRIES):
        x, y = (int(v) for v in rng.integers(0, canvas - size + 1, 2))
        if _free((x, y, size), boxes, gap):
            return x, y
    return None


def compose_scene(rng, canvas, sources, size_range, gap=2, noise_std=6.0):
    """Paint source digits ``sources`` at random, non-overlapping squares of a textured canvas.

    A digit that finds no free spot is retried smaller (down to ``size_range[0]``) and dropped
    only if even that fails, so crowded canvases lose a digit rather than overlap two: overlap
    would make the per-pixel labels and instance masks ambiguous.

    Returns ``(image, digits)``: RGB uint8 (canvas, canvas, 3) and a list of ``PlacedDigit``.
    """
    _, labels = load_digits()
    min_size, max_size = size_range
    if not 0 < min_size <= max_size <= canvas:
        raise ValueError(f'digit size range {size_range} does not fit a {canvas} px canvas')
    ink, paper = contrasting_colours(rng, light_background=bool(rng.random() < 0.5))
    image = textured_background(rng, canvas, paper)
    boxes, digits = [], []
    for index in sources:
        size = int(rng.integers(min_size, max_size + 1))
        spot = _find_spot(rng, canvas, size, boxes, gap)
        while spot is None and size > min_size:
            size = max(min_size, int(size * _SHRINK))
            spot = _find_spot(rng, canvas, size, boxes, gap)
        if spot is None:
            continue
        x, y = spot
        gray = render_digit(index, size)
        paint(image, gray, np.clip(ink + rng.uniform(-20.0, 20.0, 3), 0.0, 255.0), x, y)
        boxes.append((x, y, size))
        digits.append(PlacedDigit(int(labels[index]), x, y, gray))
    return finish(image, rng, noise_std), digits


def compose_framed_scene(rng, canvas, tile, pool, empty_share=0.25, noise_std=6.0,
                         min_scale=0.7):
    """Paint at most one digit from ``pool`` into each ``tile`` x ``tile`` cell of the canvas.

    Each cell stays empty with probability ``empty_share`` (a single-cell canvas always holds its
    digit), so multi-cell scenes vary in count and position. Digits are placed in their cell by
    ``frame_placement``, the geometry of a classification image.

    Returns ``(image, digits)`` like ``compose_scene``.
    """
    if tile <= 0 or canvas % tile:
        raise ValueError(f'a {canvas} px canvas cannot be cut into {tile} px tiles')
    _, labels = load_digits()
    ink, paper = contrasting_colours(rng, light_background=True)
    image = np.empty((canvas, canvas, 3), np.float32)
    image[...] = paper
    cells = [(x, y) for y in range(0, canvas, tile) for x in range(0, canvas, tile)]
    digits = []
    for cell_x, cell_y in cells:
        if len(cells) > 1 and rng.random() < empty_share:
            continue
        index = int(rng.choice(pool))
        size, x, y = frame_placement(rng, tile, min_scale)
        x, y = x + cell_x, y + cell_y
        gray = render_digit(index, size)
        paint(image, gray, ink, x, y)
        digits.append(PlacedDigit(int(labels[index]), x, y, gray))
    return finish(image, rng, noise_std), digits


def check_layout(layout):
    """Refuse an unknown layout name before a maker writes anything."""
    if layout not in LAYOUTS:
        raise ValueError(f'unknown layout {layout!r}; expected one of {LAYOUTS}')


def compose_layout_scene(rng, layout, canvas, pool, tile, digits_per_image, digit_size):
    """One scene of ``layout`` (see the module docstring) drawn from source indices ``pool``.

    ``tile`` applies to ``framed``; ``digits_per_image`` and ``digit_size`` (inclusive ranges)
    to ``scattered``. Returns ``(image, digits)`` like ``compose_scene``.
    """
    check_layout(layout)
    if layout == 'framed':
        return compose_framed_scene(rng, canvas, tile, pool)
    how_many = int(rng.integers(digits_per_image[0], digits_per_image[1] + 1))
    return compose_scene(rng, canvas, rng.choice(pool, how_many, replace=False), digit_size)
