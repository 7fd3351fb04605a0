"""Deterministic makers that write the bundled digits in real OpenMMLab dataset layouts.

Each maker is ``make_*(root, seed=0, ...)``, writes one dataset under ``root`` and returns a dict
with ``root``, ``classes`` and ``counts``. They need only numpy, OpenCV and scikit-learn, so data
can be made before (and without) the OpenMMLab stack.
"""
from .ade20k_style import make_ade20k_style
from .coco_style import make_coco_style
from .fgvc_style import make_cub_style
from .imagenet_style import make_imagenet_style

MAKERS = {
    'imagenet': make_imagenet_style,
    'ade20k': make_ade20k_style,
    'coco': make_coco_style,
    'cub': make_cub_style,
}

__all__ = ['MAKERS', 'make_ade20k_style', 'make_coco_style', 'make_cub_style',
           'make_imagenet_style']
