"""CIFAR-100-C: the CIFAR-100 test set under corruptions, as published (NumPy arrays).

Layout::

    root/<corruption>.npy   (5 * N, 32, 32, 3) uint8 RGB, severities 1..5 in blocks of N rows
    root/labels.npy         (5 * N,) class index of each row (the N test labels, five times)

N is 10000 for the published set. Images are read from memory-mapped arrays when a sample is
fetched, so the dataset's index holds only (corruption, row) pairs and never copies 750k images.
They are RGB arrays like mmpretrain's ``CIFAR100`` gives, so use a data preprocessor with
``to_rgb=False`` as mmpretrain's CIFAR configs do.
"""
import os
import os.path as osp

import numpy as np
from mmengine.dataset import BaseDataset
from mmpretrain.datasets.categories import CIFAR100_CATEGORIES
from mmpretrain.registry import DATASETS

from .class_index import RobustnessDataError
from .imagenet_c import selected

NUM_SEVERITIES = 5


@DATASETS.register_module()
class CIFAR100CDataset(BaseDataset):
    """The ``.npy`` corruption files of a CIFAR-100-C folder.

    Args:
        data_root (str): folder with ``labels.npy`` and one ``<corruption>.npy`` per corruption.
        corruptions (list[str], optional): only these. Defaults to None (every ``.npy`` file).
        severities (list[int], optional): only these of 1..5. Defaults to None (all five).
        **kwargs: the arguments of mmengine's ``BaseDataset``.
    """
    METAINFO = dict(classes=CIFAR100_CATEGORIES)

    def __init__(self, data_root, corruptions=None, severities=None, **kwargs):
        self.corruptions = corruptions
        self.severities = severities
        self._arrays = {}
        super().__init__(data_root=data_root, **kwargs)

    def _path(self, name):
        return osp.join(self.data_root, f'{name}.npy')

    def _array(self, corruption):
        if corruption not in self._arrays:  # opened lazily: once per dataloader worker
            self._arrays[corruption] = np.load(self._path(corruption), mmap_mode='r')
        return self._arrays[corruption]

    def load_data_list(self):
        root = self.data_root
        if not osp.isfile(self._path('labels')):
            raise RobustnessDataError(f'CIFAR-100-C labels not found: {self._path("labels")}')
        labels = np.load(self._path('labels'))
        if labels.ndim != 1 or labels.size % NUM_SEVERITIES:
            raise RobustnessDataError(
                f'{self._path("labels")} must hold {NUM_SEVERITIES} x N labels, got shape '
                f'{labels.shape}')
        per_severity = labels.size // NUM_SEVERITIES
        found = sorted(f[:-4] for f in os.listdir(root)
                       if f.endswith('.npy') and f != 'labels.npy')
        corruptions = selected(found, self.corruptions, 'corruptions', root)
        severities = selected(range(1, NUM_SEVERITIES + 1), self.severities, 'severities', root)
        data_list = []
        for corruption in corruptions:
            shape = self._array(corruption).shape
            if shape[0] != labels.size or len(shape) != 4:
                raise RobustnessDataError(
                    f'{self._path(corruption)} has shape {shape}; expected '
                    f'({labels.size}, H, W, 3) to match labels.npy')
            for severity in severities:
                start = (severity - 1) * per_severity
                data_list += [dict(corruption=corruption, severity=int(severity), row=row,
                                   gt_label=int(labels[row]))
                              for row in range(start, start + per_severity)]
        self._arrays = {}  # do not carry open maps into forked workers
        self._metainfo.update(corruptions=tuple(corruptions))
        return data_list

    def get_data_info(self, idx):
        info = super().get_data_info(idx)
        info['img'] = np.array(self._array(info['corruption'])[info['row']])  # own, writable
        return info
