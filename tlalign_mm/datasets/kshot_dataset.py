"""k-shot subsets of any mmpretrain classification dataset: exactly k samples per class, seeded.

Few-shot transfer (ELEVATER's protocol, the KAdaptation paper's 5-shot results) trains on k
images of every class drawn with a seed, and reports the mean over seeds. Wrapping the training
dataset keeps the dataset class, its annotation format and pipeline untouched:

    train_dataloader = dict(dataset=dict(
        type='KShotDataset', shots=5, seed=0, dataset=dict(type='CUB', ...)))
"""
import math

import numpy as np
from mmengine.dataset import BaseDataset
from mmpretrain.registry import DATASETS
from ..errors import TLAlignError, check_choice


class KShotError(TLAlignError, ValueError):
    """The dataset cannot give k samples of every class."""


def kshot_indices(labels, shots, seed, num_classes=None):
    """Sorted indices holding exactly ``shots`` samples of every class.

    Each class draws from its own sorted index list with one generator seeded by ``seed``,
    classes visited in label order, so the subset depends on the seed and the annotation only
    (not on dict order, worker count or global RNG state).

    Args:
        labels (Sequence[int]): the class of every sample.
        shots (int): k.
        seed (int): the sampling seed.
        num_classes (int, optional): the class count: every class ``0..n-1`` must have
            ``shots`` samples, one without any included. Defaults to ``max(labels) + 1`` (a
            class missing at the end of the range is then not seen: pass the head's count).
    """
    labels = np.asarray(labels)
    if shots < 1:
        raise KShotError(f'shots must be a positive integer, got {shots}')
    rng = np.random.default_rng(seed)
    chosen = []
    classes = range(int(labels.max()) + 1 if num_classes is None else num_classes)
    for label in classes:
        members = np.flatnonzero(labels == label)
        if len(members) < shots:
            raise KShotError(f'class {int(label)} has {len(members)} samples, fewer than '
                             f'shots={shots}; lower shots or use a larger split')
        chosen.append(rng.choice(members, size=shots, replace=False))
    return np.sort(np.concatenate(chosen))


PARTS = ('all', 'train', 'val')


def validation_part(labels, indices, fraction):
    """The held-out part of a k-shot subset, as the KAdaptation authors' toolkit splits it
    (ELEVATER's class-balanced ``val_split``): per class, the first ``ceil(k · fraction)`` of its
    chosen samples (in index order). Returns a boolean mask over ``indices``."""
    labels = np.asarray(labels)[indices]
    held_out = np.zeros(len(indices), bool)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        held_out[members[:math.ceil(len(members) * fraction)]] = True
    return held_out


@DATASETS.register_module()
class KShotDataset:
    """A wrapper that keeps ``shots`` samples per class of ``dataset``.

    Args:
        dataset (dict | BaseDataset): the dataset (config) to subsample.
        shots (int): k, samples kept per class.
        seed (int): sampling seed; the same seed gives the same subset. Defaults to 0.
        num_classes (int, optional): the head's class count; every class must have ``shots``
            samples. Defaults to ``max(label) + 1`` (see :func:`kshot_indices`).
        part (str): ``'all'`` the k shots; ``'train'`` / ``'val'`` the two parts the authors'
            hyper-parameter sweep uses (``'val'``: the first ``ceil(k · val_fraction)`` shots of
            every class, see :func:`validation_part`). Defaults to ``'all'``.
        val_fraction (float): the held-out share of each class's shots. Defaults to 0.2 (5
            shots: 4 to train, 1 to validate).
        lazy_init (bool): defer loading the annotation, as mmengine's wrappers do.
            Defaults to False.
    """

    def __init__(self, dataset, shots, seed=0, num_classes=None, part='all', val_fraction=0.2,
                 lazy_init=False):
        check_choice('part', part, PARTS)
        if not 0 < val_fraction < 1:
            raise KShotError(f'val_fraction must be between 0 and 1, got {val_fraction}')
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        self.shots, self.seed = int(shots), int(seed)
        self.part, self.val_fraction = part, float(val_fraction)
        self.num_classes = num_classes
        self._metainfo = self.dataset.metainfo
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self):
        return dict(self._metainfo)

    def _labels(self):
        if hasattr(self.dataset, 'get_gt_labels'):
            return self.dataset.get_gt_labels()
        return [self.dataset.get_cat_ids(i)[0] for i in range(len(self.dataset))]

    def full_init(self):
        if self._fully_initialized:
            return
        if isinstance(self.dataset, BaseDataset):
            self.dataset.full_init()
        labels = self._labels()
        indices = kshot_indices(labels, self.shots, self.seed, self.num_classes)
        if self.part != 'all':
            held_out = validation_part(labels, indices, self.val_fraction)
            indices = indices[held_out if self.part == 'val' else ~held_out]
        self.indices = indices
        self._fully_initialized = True

    def get_data_info(self, idx):
        return self.dataset.get_data_info(int(self.indices[idx]))

    def get_gt_labels(self):
        return np.asarray(self._labels())[self.indices]

    def get_cat_ids(self, idx):
        return self.dataset.get_cat_ids(int(self.indices[idx]))

    def __getitem__(self, idx):
        if not self._fully_initialized:
            self.full_init()
        return self.dataset[int(self.indices[idx])]

    def __len__(self):
        if not self._fully_initialized:
            self.full_init()
        return len(self.indices)

    def __repr__(self):
        return (f'KShotDataset(shots={self.shots}, seed={self.seed}, part={self.part}, '
                f'{len(self) if self._fully_initialized else "?"} of '
                f'{type(self.dataset).__name__})')
