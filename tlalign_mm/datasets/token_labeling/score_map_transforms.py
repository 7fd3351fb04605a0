"""Pipeline transforms that carry each image's score map through the augmentation and turn it
into token-labeling targets.

Order (the authors'): ``LoadImageFromFile`` → :class:`LoadScoreMap` → :class:`ScoreMapRandomFlip`
→ :class:`ScoreMapRandAugment` → :class:`ScoreMapRandomResizedCrop` → colour-only transforms
(random erasing touches the image only) → :class:`TokenLabelTargets` → ``PackInputs`` with
``algorithm_keys=('token_logits', 'token_classes')``.

``results['score_map']`` is ``(logits (k, S_h, S_w), classes (k, S_h, S_w))`` in the frame of the
current image: each cell covers its share of the image, so a geometric op moves the cells with
the pixels. The op's drawn affine matrix (the one mmcv warped the image with) maps each cell's
centre back to the point it came from, and the cell takes that point's cell; cells that came
from outside the image get logit 0 for every class. Only the S_h × S_w centres are mapped: no
image-sized coordinate array is warped. The random crop is not applied to the map: its box,
normalised to the image, is what :class:`TokenLabelTargets` crops by RoIAlign (x before y — the
order the authors swapped). :class:`ScoreMapAugmentedCrop` (augmented_crop.py) is RandAugment and
the crop in one step that augments only the pixels the crop keeps.
"""
from typing import Optional

import cv2
import numpy as np
import torch
from mmcv.ops import roi_align
from mmcv.transforms import BaseTransform, RandomFlip
from mmcv.transforms.utils import cache_random_params
from mmpretrain.datasets.transforms import RandAugment, RandomResizedCrop
from mmpretrain.datasets.transforms.auto_augment import Rotate, Shear, Translate
from mmpretrain.registry import TRANSFORMS

from .score_map_store import ScoreMapError, ScoreMapStore

GEOMETRIC_OPS = (Rotate, Shear, Translate)


@TRANSFORMS.register_module()
class LoadScoreMap(BaseTransform):
    """Reads the image's score map (``results['img_path']``) from a score-map folder.

    Args:
        root (str): folder written by ``tools/token_labeling/make_score_maps.py``.
        num_classes (int): the head's class count; a map made for another count is refused.
    """

    def __init__(self, root, num_classes):
        self.store = ScoreMapStore(root)
        self.num_classes = int(num_classes)

    def transform(self, results):
        img_path = results['img_path']
        mapped = self.store.meta['num_classes']
        if mapped != self.num_classes:
            raise ScoreMapError(f'score map of image {img_path} has {mapped} classes but the '
                                f'head has {self.num_classes} ({self.store.root})')
        results['score_map'] = self.store.read(img_path)
        return results


@TRANSFORMS.register_module()
class ScoreMapRandomFlip(RandomFlip):
    """mmcv ``RandomFlip`` that flips the score map with the image."""

    def transform(self, results):
        results = super().transform(results)
        if 'score_map' in results and results.get('flip'):
            axes = dict(horizontal=(-1, ), vertical=(-2, ), diagonal=(-2, -1))
            axis = axes[results['flip_direction']]
            results['score_map'] = tuple(np.flip(m, axis).copy() for m in results['score_map'])
        return results


def drawn_magnitude(op) -> float:
    """The signed magnitude a RandAugment op drew (its randomness cached), as its ``transform``
    uses it."""
    return op.random_negative(op.magnitude if op.magnitude is not None else op.random_magnitude())


def applied_affine(op, height: int, width: int) -> Optional[np.ndarray]:
    """The 2×3 source → destination matrix with which ``op`` (a geometric RandAugment op, its
    random draw cached) moved a ``height`` × ``width`` image, or None when the draw disabled it.

    Read back from the op's cached draws (``random_disable``, ``random_magnitude``,
    ``random_negative`` return what the op used); the matrices are the ones mmcv's ``imrotate``,
    ``imshear`` and ``imtranslate`` hand to ``cv2.warpAffine`` (float32 for shear and translate,
    as mmcv builds them).
    """
    if op.random_disable():
        return None
    if isinstance(op, Rotate):
        angle = op.random_negative(op.angle if op.angle is not None else op.random_magnitude())
        center = op.center if op.center is not None else ((width - 1) * 0.5, (height - 1) * 0.5)
        return cv2.getRotationMatrix2D(center, -angle, op.scale)
    magnitude = drawn_magnitude(op)
    horizontal = op.direction == 'horizontal'
    if isinstance(op, Shear):
        return np.float32([[1, magnitude, 0], [0, 1, 0]] if horizontal else
                          [[1, 0, 0], [magnitude, 1, 0]])
    offset = magnitude * (width if horizontal else height)
    return np.float32([[1, 0, offset], [0, 1, 0]] if horizontal else
                      [[1, 0, 0], [0, 1, offset]])


def moved_score_map(score_map, matrix: np.ndarray, height: int, width: int):
    """The score map after the image moved by ``matrix`` (see the module doc)."""
    logits, classes = score_map
    grid_h, grid_w = logits.shape[-2:]
    # Cell centres in pixel coordinates (OpenCV's: pixel centres at integers), then the source
    # point each came from.
    xs = (np.arange(grid_w) + 0.5) * width / grid_w - 0.5
    ys = (np.arange(grid_h) + 0.5) * height / grid_h - 0.5
    inverse = cv2.invertAffineTransform(np.asarray(matrix, np.float64))
    src_x = inverse[0, 0] * xs[None, :] + inverse[0, 1] * ys[:, None] + inverse[0, 2]
    src_y = inverse[1, 0] * xs[None, :] + inverse[1, 1] * ys[:, None] + inverse[1, 2]
    valid = (src_x >= -0.5) & (src_x < width - 0.5) & (src_y >= -0.5) & (src_y < height - 0.5)
    src_col = np.clip(np.floor((src_x + 0.5) * grid_w / width).astype(int), 0, grid_w - 1)
    src_row = np.clip(np.floor((src_y + 0.5) * grid_h / height).astype(int), 0, grid_h - 1)
    logits = np.where(valid, logits[:, src_row, src_col], 0).astype(np.float32)
    return logits, classes[:, src_row, src_col]


def replay_on_score_map(op, results):
    """Apply ``op`` to the image and the same draw of it to the score map."""
    height, width = results['img'].shape[:2]
    with cache_random_params(op):
        results = op(results)
        matrix = applied_affine(op, height, width)
    if matrix is not None:
        results['score_map'] = moved_score_map(results['score_map'], matrix, height, width)
    return results


@TRANSFORMS.register_module()
class ScoreMapRandAugment(RandAugment):
    """mmpretrain ``RandAugment`` whose geometric ops (rotate, shear, translate) move the score
    map too; colour ops touch the image only. Same arguments as ``RandAugment``."""

    def transform(self, results):
        return self.apply_policies(results, self.random_policy_indices())

    def apply_policies(self, results, indices):
        """Apply the ops at ``indices`` of ``self.transforms`` in turn (each draws as it runs)."""
        for index in indices:
            op = self.transforms[index]
            if 'score_map' in results and isinstance(op, GEOMETRIC_OPS):
                results = replay_on_score_map(op, results)
            else:
                results = op(results)
            if results is None:
                return None
        return results


def normalised_crop_box(crop, shape) -> tuple:
    """``(x1, y1, x2, y2)`` in 0–1 of a crop ``(top, left, height, width)`` of a ``shape`` image."""
    (top, left, crop_h, crop_w), (height, width) = crop, shape[:2]
    return left / width, top / height, (left + crop_w) / width, (top + crop_h) / height


@TRANSFORMS.register_module()
class ScoreMapRandomResizedCrop(RandomResizedCrop):
    """mmpretrain ``RandomResizedCrop`` that also records its crop box, normalised to the image
    it cropped, as ``results['crop_box'] = (x1, y1, x2, y2)``."""

    def rand_crop_params(self, img):
        params = super().rand_crop_params(img)
        self._last_crop = params, img.shape[:2]
        return params

    def transform(self, results):
        results = super().transform(results)
        results['crop_box'] = normalised_crop_box(*self._last_crop)
        return results


@TRANSFORMS.register_module()
class TokenLabelTargets(BaseTransform):
    """Token-grid targets and the class target from the carried score map.

    Dense map: the k logits of every cell, every other class at logit 0. RoIAlign of the crop
    box onto ``grid_size`` gives each token's logits (``token_logits`` (U, N) fp16 over the U
    classes the map names, ``token_classes`` (U,)); the head softmaxes them over K. RoIAlign of
    the box to 1 × 1, softmax over K, is the class target ``gt_score``, optionally blended with
    the ground truth.

    Args:
        grid_size (int | tuple): the token grid (14 at 224 px with stride 16).
        num_classes (int): K.
        gt_weight (float): weight of the one-hot ground truth in the class target.
            Defaults to 0 (the annotator's score of the crop alone).
    """

    def __init__(self, grid_size, num_classes, gt_weight=0.0):
        self.grid = (grid_size, grid_size) if isinstance(grid_size, int) else tuple(grid_size)
        self.num_classes = int(num_classes)
        self.gt_weight = float(gt_weight)

    def transform(self, results):
        if 'score_map' not in results:
            raise ScoreMapError(f'TokenLabelTargets needs LoadScoreMap earlier in the pipeline '
                                f'(image {results.get("img_path")})')
        logits, classes = results.pop('score_map')
        box = results.get('crop_box', (0.0, 0.0, 1.0, 1.0))
        union, slot = np.unique(classes, return_inverse=True)
        if union.size and (union.max() >= self.num_classes or union.min() < 0):
            raise ScoreMapError(f'score map of image {results.get("img_path")} names class '
                                f'{int(union.max())}; the head has {self.num_classes} classes')
        grid_h, grid_w = logits.shape[-2:]
        dense = np.zeros((union.size, grid_h, grid_w), np.float32)
        rows, cols = np.mgrid[0:grid_h, 0:grid_w]
        for k in range(logits.shape[0]):  # each cell names distinct classes in its top-k
            dense[slot.reshape(classes.shape)[k], rows, cols] = logits[k]
        dense = torch.from_numpy(dense)[None]
        x1, y1, x2, y2 = box
        roi = torch.tensor([[0.0, x1 * grid_w, y1 * grid_h, x2 * grid_w, y2 * grid_h]])
        tokens = roi_align(dense, roi, self.grid, 1.0, 0, 'avg', True)[0]
        whole = roi_align(dense, roi, (1, 1), 1.0, 0, 'avg', True)[0, :, 0, 0]
        results['token_logits'] = tokens.flatten(1).half()
        results['token_classes'] = torch.from_numpy(union)
        cls_logits = torch.zeros(self.num_classes)
        cls_logits[results['token_classes']] = whole
        target = cls_logits.softmax(0)
        if self.gt_weight and 'gt_label' in results:
            target = (1 - self.gt_weight) * target
            target[int(results['gt_label'])] += self.gt_weight
        results['gt_score'] = target
        return results
