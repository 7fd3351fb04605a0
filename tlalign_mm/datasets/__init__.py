"""Built-in datasets: digit makers in OpenMMLab layouts and the mmseg class that reads one.

Importing this package registers ``DigitsADE20KDataset`` in mmseg's ``DATASETS``.
"""
from .digits_ade20k import DigitsADE20KDataset  # importing registers it with mmseg
from .makers import (MAKERS, make_ade20k_style, make_coco_style, make_cub_style,
                     make_imagenet_style)

__all__ = ['DigitsADE20KDataset', 'MAKERS', 'make_ade20k_style', 'make_coco_style',
           'make_cub_style', 'make_imagenet_style']
from .kshot_dataset import KShotDataset, KShotError, kshot_indices  # registers KShotDataset
