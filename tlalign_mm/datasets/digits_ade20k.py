"""mmseg dataset for the ADE20K-style digit scenes.

mmseg's ``ADE20KDataset`` accepts only class names from ADE20K's own 150, so the digit classes
need a dataset class of their own; everything else (suffixes, ``reduce_zero_label``) matches
``ADE20KDataset`` so configs can swap one for the other.
"""
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .makers.ade20k_style import SEG_CLASSES


@DATASETS.register_module()
class DigitsADE20KDataset(BaseSegDataset):
    """Digit scenes written by ``make_ade20k_style``: background plus the ten digits.

    Label files use ADE20K's convention (0 = ignore, 1 = background, 2..11 = digits), which
    ``reduce_zero_label=True`` turns into 255 / 0 / 1..10, matching ``METAINFO['classes']``.
    """
    METAINFO = dict(
        classes=SEG_CLASSES,
        palette=[[120, 120, 120], [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200],
                 [245, 130, 48], [145, 30, 180], [70, 240, 240], [240, 50, 230],
                 [210, 245, 60], [0, 128, 128]])

    def __init__(self, img_suffix='.jpg', seg_map_suffix='.png', reduce_zero_label=True,
                 **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         reduce_zero_label=reduce_zero_label, **kwargs)
