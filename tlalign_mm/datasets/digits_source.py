"""scikit-learn's bundled handwritten digits as the one image source for every built-in dataset.

The digits ship inside the scikit-learn wheel, so the data makers work offline, need no download
and give byte-identical output for a seed. Everything here is a pure function of its arguments
and a ``numpy.random.Generator``: the makers own the generator, so the order in which they draw
from it is what fixes the output.
"""
import functools

import cv2
import numpy as np

CLASS_NAMES = ('zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine')
NUM_CLASSES = len(CLASS_NAMES)

# Rendered digits are uint8 intensities; a pixel at or above STROKE_THRESHOLD is "on the stroke"
# (masks, segmentation labels), one between FRINGE_THRESHOLD and it is anti-aliased edge.
STROKE_THRESHOLD = 128
FRINGE_THRESHOLD = 48

_SOURCE_MAX = 16.0  # sklearn digits are counts of set pixels in 4x4 blocks: 0..16
_SPLIT_STREAM = 0x5D17  # keeps the train/val split independent of what a maker draws


@functools.lru_cache(maxsize=1)
def load_digits():
    """Return ``(images, labels)``: read-only float32 (1797, 8, 8) in [0, 1] and int64 (1797,).

    Cached because every maker and every split asks for it, and read-only so no caller can
    corrupt the cached copy for the next one.
    """
    from sklearn.datasets import load_digits as sklearn_load_digits
    bunch = sklearn_load_digits()
    images = (bunch.images / _SOURCE_MAX).astype(np.float32)
    labels = bunch.target.astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def split_indices(seed, val_fraction=0.25):
    """Split the source digits into disjoint, class-stratified ``(train, val)`` index arrays.

    Validation images must never be re-renderings of a training digit (that would leak the
    writer's hand into the val set), so the makers draw each split from its own pool. Stratified
    so every class keeps the same share in both pools.
    """
    _, labels = load_digits()
    rng = np.random.default_rng((seed, _SPLIT_STREAM))
    train, val = [], []
    for label in range(NUM_CLASSES):
        members = rng.permutation(np.flatnonzero(labels == label))
        num_val = int(round(len(members) * val_fraction))
        val.append(members[:num_val])
        train.append(members[num_val:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))


def pools_by_class(indices):
    """Group source indices by their digit label: a list of NUM_CLASSES index arrays."""
    _, labels = load_digits()
    indices = np.asarray(indices)
    return [indices[labels[indices] == label] for label in range(NUM_CLASSES)]


def sample_sources(rng, pool, count):
    """Draw ``count`` source indices from ``pool``, using every one before repeating any.

    Asking for more images than the pool holds is allowed (small pools, large requests); the
    repeats still differ as images because colours, noise and geometry are drawn per render.
    """
    pool = np.asarray(pool)
    rounds = -(-count // len(pool))
    return np.concatenate([rng.permutation(pool) for _ in range(rounds)])[:count]


def render_digit(index, size, interpolation=cv2.INTER_CUBIC, angle=0.0):
    """Upscale source digit ``index`` to a ``size`` x ``size`` uint8 intensity map (0..255).

    ``angle`` rotates (degrees, counter-clockwise) about the centre, inside the same square: most
    sources leave their outer ring of pixels empty, so mild angles rarely cut a stroke.
    """
    images, _ = load_digits()
    gray = cv2.resize(images[index], (size, size), interpolation=interpolation)
    if angle:
        matrix = cv2.getRotationMatrix2D(((size - 1) / 2, (size - 1) / 2), angle, 1.0)
        gray = cv2.warpAffine(gray, matrix, (size, size), flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return np.clip(np.rint(gray * 255.0), 0, 255).astype(np.uint8)


def contrasting_colours(rng, light_background):
    """Return ``(ink, paper)`` RGB float colours with ink and paper at opposite brightness."""
    light = rng.uniform(150.0, 240.0, 3)
    dark = rng.uniform(10.0, 90.0, 3)
    return (dark, light) if light_background else (light, dark)


def paint(canvas, gray, ink, x=0, y=0):
    """Blend ``ink`` into float RGB ``canvas`` in place, using ``gray`` (uint8) as alpha at x, y."""
    height, width = gray.shape
    alpha = (gray.astype(np.float32) / 255.0)[..., None]
    region = canvas[y:y + height, x:x + width]
    region *= 1.0 - alpha
    region += alpha * np.asarray(ink, dtype=np.float32)
    return canvas


def finish(canvas, rng, noise_std):
    """Add pixel noise to a float RGB canvas and quantise it to uint8."""
    noisy = canvas + rng.normal(0.0, noise_std, canvas.shape)
    return np.clip(np.rint(noisy), 0, 255).astype(np.uint8)


def colorize(gray, ink, paper, rng, noise_std=6.0):
    """Turn an intensity map into an RGB uint8 image: ``ink`` strokes on ``paper``, mild noise.

    ``paper`` is a colour (3,) or a full (H, W, 3) background such as a texture.
    """
    canvas = np.empty(gray.shape + (3,), np.float32)
    canvas[...] = paper
    return finish(paint(canvas, gray, ink), rng, noise_std)


def frame_placement(rng, frame, min_scale=0.7):
    """Draw ``(size, x, y)``: a digit's side (``min_scale`` to 1 times ``frame``) and its top-left
    offset inside a ``frame`` px square. The one geometry of a classification image, shared by
    the dense makers' framed scenes so that they show digits exactly as pre-training did.
    """
    size = int(rng.integers(int(round(min_scale * frame)), frame + 1))
    x, y = (int(v) for v in rng.integers(0, frame - size + 1, 2))
    return size, x, y


def digit_image(rng, index, img_size, ink, paper, interpolation=cv2.INTER_CUBIC, angle=0.0,
                noise_std=6.0, min_scale=0.7):
    """One classification image: the digit at a random scale and offset on ``paper``.

    Scale and offset jitter stop a classifier from keying on absolute pixel positions, which
    would make the tiny datasets far easier than the transfer tasks they stand in for.
    """
    size, x, y = frame_placement(rng, img_size, min_scale)
    gray = np.zeros((img_size, img_size), np.uint8)
    gray[y:y + size, x:x + size] = render_digit(index, size, interpolation, angle)
    return colorize(gray, ink, paper, rng, noise_std)
