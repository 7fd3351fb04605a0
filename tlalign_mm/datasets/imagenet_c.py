"""ImageNet-C style sets: every test image under many corruptions, each at five severities.

Layout (Hendrycks & Dietterich's archives unpacked, and the digits version our maker writes)::

    root/<corruption>/<severity>/<wnid>/<image>      e.g. gaussian_noise/3/n01440764/x.JPEG

Each sample carries ``corruption`` and ``severity``; keep them in ``PackInputs(meta_keys=...)``
so :class:`CorruptionAccuracy` can group the predictions.
"""
import os.path as osp

from mmengine.dataset import BaseDataset
from mmpretrain.registry import DATASETS

from .class_index import (RobustnessDataError, class_indices, image_files, parent_class_list,
                          subfolders)

CORRUPTION_META_KEYS = ('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'corruption',
                        'severity')


def selected(found, wanted, what, where):
    """``wanted`` (all of ``found`` when None), refusing names that are not there."""
    if wanted is None:
        return list(found)
    missing = [w for w in wanted if w not in found]
    if missing:
        raise RobustnessDataError(f'{where}: {what} {missing} not found (found {list(found)})')
    return list(wanted)


@DATASETS.register_module()
class ImageNetCDataset(BaseDataset):
    """``corruption/severity/class/`` folders, every image labelled in the parent class space.

    Args:
        data_root (str): the folder holding one sub-folder per corruption.
        parent_classes (list | str, optional): the model's class list in output order (see
            :func:`~tlalign_mm.datasets.class_index.parent_class_list`). Defaults to None: the
            sorted class folders of the first corruption/severity (for ImageNet-C, all 1000
            wnids in ImageNet's order).
        corruptions (list[str], optional): evaluate only these. Defaults to None (all found).
        severities (list[int], optional): evaluate only these. Defaults to None (all found).
        **kwargs: the arguments of mmengine's ``BaseDataset``.
    """

    def __init__(self, data_root, parent_classes=None, corruptions=None, severities=None,
                 **kwargs):
        self.parent_classes = parent_classes
        self.corruptions = corruptions
        self.severities = None if severities is None else [str(s) for s in severities]
        super().__init__(data_root=data_root, **kwargs)

    def load_data_list(self):
        root = self.data_root
        corruptions = selected(subfolders(root), self.corruptions, 'corruptions', root)
        if not corruptions:
            raise RobustnessDataError(f'{root} holds no corruption folders')
        first = osp.join(root, corruptions[0])
        first_severity = selected(subfolders(first), self.severities, 'severities', first)[0]
        parent = (subfolders(osp.join(first, first_severity)) if self.parent_classes is None
                  else parent_class_list(self.parent_classes))
        data_list = []
        for corruption in corruptions:
            folder = osp.join(root, corruption)
            for severity in selected(subfolders(folder), self.severities, 'severities', folder):
                level = osp.join(folder, severity)
                names = subfolders(level)
                for name, label in zip(names, class_indices(names, parent, level)):
                    data_list += [
                        dict(img_path=osp.join(level, name, f), gt_label=label,
                             corruption=corruption, severity=int(severity))
                        for f in image_files(osp.join(level, name))]
        if not data_list:
            raise RobustnessDataError(f'{root} holds no images')
        self._metainfo.update(classes=tuple(parent), corruptions=tuple(corruptions))
        return data_list
