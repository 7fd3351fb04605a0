"""RandAugment on the whole image, then the random resized crop — the token-labeling authors'
order — computed only where the crop looks.

The authors augment the whole image and crop afterwards, so the score map can follow the
geometric ops before the crop box is drawn. Run literally, RandAugment then works on every pixel
of a 500 × 375 ImageNet image although the crop keeps about half of them, and mmcv's
auto-contrast and equalize build their histograms in Python. :class:`ScoreMapAugmentedCrop`
gives the same image, map and box as :class:`ScoreMapRandAugment` followed by
:class:`ScoreMapRandomResizedCrop`, with the same random draws in the same order, but:

- every draw is taken first (each chosen op runs once on a tiny probe image with its randomness
  cached, then the crop box is drawn on the image's size, which the ops keep);
- the crop box is traced back through the ops that follow the last whole-image op (a geometric
  op's inverse affine plus its interpolation kernel's reach, one pixel for the sharpness filter,
  nothing for a point op), and those ops run on that region only;
- auto-contrast, equalize and contrast take their statistics from the whole image and apply
  them as a look-up table (the same table mmcv computes);
- a draw that includes an op of unknown reach, or one that draws as it runs (``Cutout``), runs
  the two transforms as they are.

Geometric ops warp the region with the translated matrix: OpenCV rounds source coordinates to
1/32 pixel per output pixel, so a rotated or sheared pixel may differ from the whole-image warp
by that rounding; everything else is identical.
"""
from contextlib import ExitStack
from typing import List, Sequence, Tuple

import cv2
import mmcv
import numpy as np
from mmcv.image.geometric import cv2_interp_codes
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_random_params
from mmpretrain.datasets.transforms.auto_augment import (AutoContrast, BaseAugTransform,
                                                         Brightness, ColorTransform, Contrast,
                                                         Equalize, Invert, Posterize, Rotate,
                                                         Sharpness, Solarize, SolarizeAdd)
from mmpretrain.registry import TRANSFORMS

from .score_map_transforms import (GEOMETRIC_OPS, ScoreMapRandAugment, ScoreMapRandomResizedCrop,
                                   applied_affine, drawn_magnitude, moved_score_map,
                                   normalised_crop_box)

WHOLE_IMAGE_OPS = (AutoContrast, Equalize, Contrast)
POINT_OPS = (Invert, Posterize, Solarize, SolarizeAdd, ColorTransform, Brightness)
# Ops whose reach is known and whose randomness is all in cached draws (``random_disable``,
# ``random_magnitude``, ``random_negative``), so it can be drawn before the op runs.
REGION_OPS = WHOLE_IMAGE_OPS + POINT_OPS + GEOMETRIC_OPS + (Sharpness, )
# Pixels a warp's kernel reads beyond a source point (OpenCV's), plus one for the rounding.
KERNEL_REACH = dict(nearest=1, bilinear=2, area=2, bicubic=3, lanczos=5)
Box = Tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive) in whole-image pixels
PROBE = np.zeros((4, 4, 3), np.uint8)


def channel_histograms(img: np.ndarray) -> np.ndarray:
    """(channels, 256) pixel counts of a uint8 image."""
    return np.stack([cv2.calcHist([img], [c], None, [256], [0, 256])[:, 0]
                     for c in range(img.shape[2])]).astype(np.int64)


def auto_contrast_table(histogram: np.ndarray) -> np.ndarray:
    """mmcv ``auto_contrast``'s map of one channel (cutoff 0): its range stretched to 0–255."""
    used = np.flatnonzero(histogram)
    values = np.arange(256)
    if used[0] >= used[-1]:
        return values.astype(np.uint8)
    scale = 255.0 / (used[-1] - used[0])
    return np.clip(values * scale - used[0] * scale, 0, 255).astype(np.uint8)


def equalize_table(histogram: np.ndarray) -> np.ndarray:
    """mmcv ``imequalize``'s map of one channel (PIL's rule: the last used value's count left
    out of the step)."""
    used = histogram[histogram > 0]
    step = (used.sum() - used[-1]) // 255
    if not step:
        return np.arange(256, dtype=np.uint8)
    table = (np.cumsum(histogram) + step // 2) // step
    return np.minimum(np.concatenate([[0], table[:-1]]), 255).astype(np.uint8)


def contrast_table(img: np.ndarray, factor: float) -> np.ndarray:
    """mmcv ``adjust_contrast``'s map (cv2 backend): a blend with the whole image's mean grey."""
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    mean = round(np.sum(grey) / grey.size)
    values = np.arange(256, dtype=np.float32)[None]
    blended = cv2.addWeighted(values, factor, np.full_like(values, mean), 1 - factor, 0)
    return np.clip(blended[0], 0, 255).astype(np.uint8)


def whole_image_tables(op: BaseAugTransform, img: np.ndarray) -> np.ndarray:
    """(256, 1, channels) look-up table that ``op`` applies to every pixel of ``img``."""
    if isinstance(op, Contrast):
        tables = [contrast_table(img, 1 + drawn_magnitude(op))] * img.shape[2]
    else:
        rule = auto_contrast_table if isinstance(op, AutoContrast) else equalize_table
        tables = [rule(h) for h in channel_histograms(img)]
    return np.stack(tables, axis=-1)[:, None]


def shifted_matrix(matrix: np.ndarray, source: Box, target: Box) -> np.ndarray:
    """``matrix`` (whole image → whole image) between a crop at ``source`` and one at
    ``target``."""
    shifted = np.asarray(matrix, np.float64).copy()
    shifted[:, 2] += shifted[:, :2] @ np.array(source[:2], np.float64) - np.array(target[:2])
    return shifted


def clipped(x0: float, y0: float, x1: float, y1: float, height: int, width: int) -> Box:
    """The box inside the image, never empty (a box wholly outside only ever reads the fill)."""
    x0 = min(max(int(x0), 0), width - 1)
    y0 = min(max(int(y0), 0), height - 1)
    return x0, y0, max(min(int(x1), width), x0 + 1), max(min(int(y1), height), y0 + 1)


def source_box(op: BaseAugTransform, target: Box, height: int, width: int) -> Box:
    """The pixels of the op's input that its output inside ``target`` reads."""
    x0, y0, x1, y1 = target
    if isinstance(op, GEOMETRIC_OPS):
        inverse = cv2.invertAffineTransform(np.asarray(applied_affine(op, height, width),
                                                       np.float64))
        corners = np.array([[x0, y0, 1], [x1 - 1, y0, 1], [x0, y1 - 1, 1], [x1 - 1, y1 - 1, 1]],
                           np.float64)
        xs, ys = (corners @ inverse.T).T
        reach = KERNEL_REACH.get(op.interpolation, max(KERNEL_REACH.values()))
        return clipped(np.floor(xs.min()) - reach, np.floor(ys.min()) - reach,
                       np.floor(xs.max()) + reach + 1, np.floor(ys.max()) + reach + 1,
                       height, width)
    if isinstance(op, Sharpness):  # a 3 x 3 filter
        return clipped(x0 - 1, y0 - 1, x1 + 1, y1 + 1, height, width)
    return target


def warp_border(op: BaseAugTransform):
    """The fill value mmcv hands to ``cv2.warpAffine`` for ``op``."""
    if isinstance(op, Rotate):
        return op.pad_val
    return tuple(op.pad_val[:3]) if isinstance(op.pad_val, tuple) else (op.pad_val, ) * 3


def run_on_region(op: BaseAugTransform, img: np.ndarray, source: Box, target: Box,
                  height: int, width: int) -> np.ndarray:
    """``op``'s output inside ``target`` from its input inside ``source``."""
    if isinstance(op, GEOMETRIC_OPS):
        matrix = shifted_matrix(applied_affine(op, height, width), source, target)
        size = (target[2] - target[0], target[3] - target[1])
        return cv2.warpAffine(img, matrix, size, flags=cv2_interp_codes[op.interpolation],
                              borderMode=cv2.BORDER_CONSTANT, borderValue=warp_border(op))
    img = op(dict(img=img))['img']
    left, top = target[0] - source[0], target[1] - source[1]
    return img[top:top + target[3] - target[1], left:left + target[2] - target[0]]


@TRANSFORMS.register_module()
class ScoreMapAugmentedCrop(BaseTransform):
    """:class:`ScoreMapRandAugment` then :class:`ScoreMapRandomResizedCrop` in one step that
    augments only the pixels the crop keeps (see the module doc).

    Args:
        rand_augment (dict): :class:`ScoreMapRandAugment`'s arguments.
        crop (dict): :class:`ScoreMapRandomResizedCrop`'s arguments.
    """

    def __init__(self, rand_augment: dict, crop: dict):
        self.rand_augment = ScoreMapRandAugment(**rand_augment)
        self.crop = ScoreMapRandomResizedCrop(**crop)

    def transform(self, results: dict) -> dict:
        img = results['img']
        height, width = img.shape[:2]
        indices = self.rand_augment.random_policy_indices()
        chosen = [self.rand_augment.transforms[i] for i in indices]
        if not all(isinstance(op, REGION_OPS) for op in chosen):
            return self.crop.transform(self.rand_augment.apply_policies(results, indices))
        # An op chosen twice draws twice: its second use is a new instance of the policy.
        chosen = [TRANSFORMS.build(self.rand_augment.policies[i]) if i in indices[:n] else op
                  for n, (i, op) in enumerate(zip(indices, chosen))]
        with ExitStack() as cached:
            for op in chosen:
                cached.enter_context(cache_random_params(op))
                op(dict(img=PROBE.copy()))
            crop = self.crop.rand_crop_params(img)
            ops = [op for op in chosen if not op.random_disable()]
            if 'score_map' in results:
                for op in ops:
                    if isinstance(op, GEOMETRIC_OPS):
                        results['score_map'] = moved_score_map(
                            results['score_map'], applied_affine(op, height, width), height,
                            width)
            img = self.augmented_crop(img, ops, crop)
        results['img'] = mmcv.imresize(img, tuple(self.crop.scale[::-1]),
                                       interpolation=self.crop.interpolation,
                                       backend=self.crop.backend)
        results['img_shape'] = results['img'].shape
        results['crop_box'] = normalised_crop_box(crop, (height, width))
        return results

    @staticmethod
    def augmented_crop(img: np.ndarray, ops: Sequence[BaseAugTransform],
                       crop: Tuple[int, int, int, int]) -> np.ndarray:
        """The crop (top, left, height, width) of ``img`` after ``ops`` (randomness cached)."""
        height, width = img.shape[:2]
        top, left, crop_h, crop_w = crop
        box = (left, top, left + crop_w, top + crop_h)
        last_whole = max((i for i, op in enumerate(ops) if isinstance(op, WHOLE_IMAGE_OPS)),
                         default=-1)
        for op in ops[:max(last_whole, 0)]:
            img = (cv2.LUT(img, whole_image_tables(op, img)) if isinstance(op, WHOLE_IMAGE_OPS)
                   else op(dict(img=img))['img'])
        boxes: List[Box] = [box]
        for op in reversed(ops[last_whole + 1:]):
            boxes.insert(0, source_box(op, boxes[0], height, width))
        x0, y0, x1, y1 = boxes[0]
        region = np.ascontiguousarray(img[y0:y1, x0:x1])
        if last_whole >= 0:
            region = cv2.LUT(region, whole_image_tables(ops[last_whole], img))
        for op, source, target in zip(ops[last_whole + 1:], boxes, boxes[1:]):
            region = run_on_region(op, region, source, target, height, width)
        return region
