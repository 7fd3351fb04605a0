"""Built-in datasets: digit makers in OpenMMLab layouts and the mmseg class that reads one.

Importing this package registers ``DigitsADE20KDataset`` in mmseg's ``DATASETS``, ``KShotDataset``,
the score-map transforms of token labeling and ``CheckedLoadImageFromFile`` under their own names.
"""
from .checked_loading import CheckedLoadImageFromFile  # registers its own name only
from .cifar100_c import CIFAR100CDataset
from .digits_ade20k import DigitsADE20KDataset  # importing registers it with mmseg
from .imagenet_c import CORRUPTION_META_KEYS, ImageNetCDataset
from .imagenet_subset import ImageNetSubsetDataset
from .kshot_dataset import KShotDataset, KShotError, kshot_indices  # registers KShotDataset
from .makers import (MAKERS, make_ade20k_style, make_coco_style, make_cub_style,
                     make_imagenet_style)
from .token_labeling import *  # noqa: F401,F403  (registers the score-map transforms)

__all__ = ['CheckedLoadImageFromFile', 'CIFAR100CDataset', 'CORRUPTION_META_KEYS',
           'DigitsADE20KDataset', 'ImageNetCDataset', 'ImageNetSubsetDataset', 'KShotDataset',
           'KShotError', 'MAKERS', 'kshot_indices', 'make_ade20k_style', 'make_coco_style',
           'make_cub_style', 'make_imagenet_style']
