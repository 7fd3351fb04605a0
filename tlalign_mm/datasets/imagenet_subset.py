"""ImageNet-A / ImageNet-R: class-folder test sets that cover 200 of ImageNet's 1000 classes.

Layout (the published archives unpacked as they are)::

    root/<wnid>/<image>.jpg        e.g. imagenet-a/n01498041/0.000116_digital clock ...jpg

A 1000-way model is evaluated on such a set with its logits *restricted to the 200 classes* (an
image of a goldfish cannot be predicted as one of the 800 classes the set lacks). The dataset
therefore labels each image in the parent (1000-class) index space and publishes the indices of
the classes it covers as ``metainfo['subset_indices']``, which :class:`SubsetAccuracy` reads.
"""
import os.path as osp

from mmengine.dataset import BaseDataset
from mmpretrain.registry import DATASETS

from .class_index import (RobustnessDataError, class_indices, image_files, parent_class_list,
                          subfolders)


@DATASETS.register_module()
class ImageNetSubsetDataset(BaseDataset):
    """A class-folder set whose folders are a subset of a parent class list (IN-A, IN-R).

    Args:
        data_root (str): the folder holding one sub-folder per class.
        parent_classes (list | str): the model's class list in output order (see
            :func:`~tlalign_mm.datasets.class_index.parent_class_list`): for ImageNet models
            ImageNet's ``train/`` folder or a text file of the 1000 wnids.
        **kwargs: the arguments of mmengine's ``BaseDataset`` (``pipeline``, ...).
    """

    def __init__(self, data_root, parent_classes, **kwargs):
        self.parent = parent_class_list(parent_classes)
        super().__init__(data_root=data_root, **kwargs)

    def load_data_list(self):
        names = subfolders(self.data_root)
        if not names:
            raise RobustnessDataError(f'{self.data_root} holds no class folders')
        indices = class_indices(names, self.parent, self.data_root)
        data_list = []
        for name, label in zip(names, indices):
            folder = osp.join(self.data_root, name)
            data_list += [dict(img_path=osp.join(folder, f), gt_label=label)
                          for f in image_files(folder)]
        if not data_list:
            raise RobustnessDataError(f'{self.data_root} holds no images')
        self._metainfo.update(classes=tuple(self.parent), subset_indices=tuple(indices),
                              subset_classes=tuple(names))
        return data_list
