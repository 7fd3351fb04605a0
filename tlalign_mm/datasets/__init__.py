"""Built-in datasets: digit makers in OpenMMLab layouts and the mmseg class that reads one.

Importing this package registers ``DigitsADE20KDataset`` in mmseg's ``DATASETS``.
"""
from .digits_ade20k import DigitsADE20KDataset  # importing registers it with mmseg
from .cifar100_c import CIFAR100CDataset
from .imagenet_c import CORRUPTION_META_KEYS, ImageNetCDataset
from .imagenet_subset import ImageNetSubsetDataset
from .makers import (MAKERS, make_ade20k_style, make_coco_style, make_cub_style,
                     make_imagenet_style)

__all__ = ['CIFAR100CDataset', 'CORRUPTION_META_KEYS', 'ImageNetCDataset', 'ImageNetSubsetDataset',
           'DigitsADE20KDataset', 'MAKERS', 'make_ade20k_style', 'make_coco_style',
           'make_cub_style', 'make_imagenet_style']
from .kshot_dataset import KShotDataset, KShotError, kshot_indices  # registers KShotDataset
from .checked_loading import CheckedLoadImageFromFile  # registers its own name only
from .token_labeling import *  # noqa: F401,F403  (registers the score-map transforms)
