"""Pipeline transforms that carry each image's score map through the augmentation and turn it
into token-labeling targets.

Order (the authors'): ``LoadImageFromFile`` → :class:`LoadScoreMap` → :class:`ScoreMapRandomFlip`
→ :class:`ScoreMapRandAugment` → :class:`ScoreMapRandomResizedCrop` → colour-only transforms
(random erasing touches the image only) → :class:`TokenLabelTargets` → ``PackInputs`` with
``algorithm_keys=('token_logits', 'token_classes')``.

``results['score_map']`` is ``(logits (k, S_h, S_w), classes (k, S_h, S_w))`` in the frame of the
current image: each cell covers its share of the image, so a geometric op moves the cells with
the pixels. The op is replayed on a coordinate image (same random draws, nearest sampling) and
each map cell takes the cell its centre pixel came from; cells that came from outside the image
get logit 0 for every class. The random crop is not applied to the map: its box, normalised to
the image, is what :class:`TokenLabelTargets` crops by RoIAlign (x before y — the order the
authors swapped).
"""
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
# Border of the coordinate image: source x, y = -1 and valid = 0 mark pixels from outside.
OUTSIDE = (-1.0, -1.0, 0.0)


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


def coordinate_image(height, width):
    """(H, W, 3) float32: each pixel's own x, y and a validity channel of 1."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.stack([xs, ys, np.ones_like(xs)], axis=-1)


def resample_score_map(score_map, warped):
    """Nearest resampling of the map through a warped coordinate image (see module doc)."""
    logits, classes = score_map
    grid_h, grid_w = logits.shape[-2:]
    height, width = warped.shape[:2]
    # Centre pixel of every map cell, then the source pixel it came from.
    rows = np.minimum(((np.arange(grid_h) + 0.5) * height / grid_h).astype(int), height - 1)
    cols = np.minimum(((np.arange(grid_w) + 0.5) * width / grid_w).astype(int), width - 1)
    source = warped[rows[:, None], cols[None, :]]  # (S_h, S_w, 3)
    valid = source[..., 2] > 0.5
    src_col = np.clip(((source[..., 0] + 0.5) * grid_w / width).astype(int), 0, grid_w - 1)
    src_row = np.clip(((source[..., 1] + 0.5) * grid_h / height).astype(int), 0, grid_h - 1)
    logits = np.where(valid, logits[:, src_row, src_col], 0).astype(np.float32)
    return logits, classes[:, src_row, src_col]


def replay_on_score_map(op, results):
    """Apply ``op`` to the image and the same draw of it to the score map."""
    height, width = results['img'].shape[:2]
    with cache_random_params(op):
        results = op(results)
        saved = op.interpolation, op.pad_val
        op.interpolation, op.pad_val = 'nearest', OUTSIDE
        try:
            warped = op(dict(img=coordinate_image(height, width)))['img']
        finally:
            op.interpolation, op.pad_val = saved
    results['score_map'] = resample_score_map(results['score_map'], warped)
    return results


@TRANSFORMS.register_module()
class ScoreMapRandAugment(RandAugment):
    """mmpretrain ``RandAugment`` whose geometric ops (rotate, shear, translate) move the score
    map too; colour ops touch the image only. Same arguments as ``RandAugment``."""

    def transform(self, results):
        for index in self.random_policy_indices():
            op = self.transforms[index]
            if 'score_map' in results and isinstance(op, GEOMETRIC_OPS):
                results = replay_on_score_map(op, results)
            else:
                results = op(results)
            if results is None:
                return None
        return results


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
        (top, left, crop_h, crop_w), (height, width) = self._last_crop
        results['crop_box'] = (left / width, top / height, (left + crop_w) / width,
                               (top + crop_h) / height)
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
