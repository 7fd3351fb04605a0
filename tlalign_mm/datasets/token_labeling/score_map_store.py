"""On-disk layout of token-labeling score maps, readable lazily at ImageNet scale.

A score-map folder holds, for every image of one dataset split, the annotator's top-k logits and
their class indices on its S_h × S_w grid (the classifier applied at every spatial position):

- ``logits.npy``  float16 (N, k, S_h, S_w) and ``classes.npy`` int16 (int32 beyond 32767
  classes) (N, k, S_h, S_w), memory-mapped: a worker reads only the rows it needs (≈4 kB an
  image for k = 5 on 14 × 14), no per-image files;
- ``index.txt``: the image of each row, as its last ``path_depth`` path components
  (``n01440764/n01440764_10026.JPEG``), so the dataset may move;
- ``meta.json``: ``num_classes``, ``topk``, ``grid``, ``path_depth``, ``count`` and the
  annotator (config, checkpoint).

Class indices are stored as integers, not as fp16 like the authors' files (fp16 is exact only up
to 2048). ``tools/token_labeling/make_score_maps.py`` writes it; :class:`ScoreMapStore` reads it.
"""
import json
import os
import os.path as osp

import numpy as np

from ..data_errors import DataError

META, INDEX, LOGITS, CLASSES = 'meta.json', 'index.txt', 'logits.npy', 'classes.npy'


class ScoreMapError(DataError):
    """An image's score map is missing or does not fit the model (one line naming the image)."""


def path_key(path, depth):
    """The last ``depth`` components of ``path`` with '/' separators."""
    parts = osp.normpath(path).replace(os.sep, '/').split('/')
    return '/'.join(parts[-depth:])


def class_dtype(num_classes):
    return np.int16 if num_classes <= np.iinfo(np.int16).max else np.int32


class ScoreMapWriter:
    """Writes a score-map folder row by row (``add``), then ``close`` writes index and meta.

    Args:
        out_dir (str): new or empty folder; an existing non-empty one is refused.
        count (int): number of images. grid (tuple): (S_h, S_w). topk (int), num_classes (int).
        path_depth (int): path components that name an image. annotator (dict): provenance.
    """

    def __init__(self, out_dir, count, grid, topk, num_classes, path_depth, annotator):
        if osp.isdir(out_dir) and os.listdir(out_dir):
            raise ScoreMapError(f'{out_dir} is not empty; refusing to overwrite score maps')
        os.makedirs(out_dir, exist_ok=True)
        shape = (count, topk, *grid)
        self.out_dir = out_dir
        self.logits = np.lib.format.open_memmap(osp.join(out_dir, LOGITS), 'w+', np.float16,
                                                shape)
        self.classes = np.lib.format.open_memmap(osp.join(out_dir, CLASSES), 'w+',
                                                 class_dtype(num_classes), shape)
        self.keys = [None] * count
        self.meta = dict(num_classes=int(num_classes), topk=int(topk), grid=list(grid),
                         path_depth=int(path_depth), count=int(count), annotator=annotator)

    def add(self, row, path, logits, classes):
        self.keys[row] = path_key(path, self.meta['path_depth'])
        self.logits[row] = logits
        self.classes[row] = classes

    def close(self):
        missing = [i for i, key in enumerate(self.keys) if key is None]
        if missing:
            raise ScoreMapError(f'{len(missing)} rows were never written, e.g. {missing[:3]}')
        self.logits.flush()
        self.classes.flush()
        with open(osp.join(self.out_dir, INDEX), 'w') as f:
            f.write('\n'.join(self.keys) + '\n')
        with open(osp.join(self.out_dir, META), 'w') as f:
            json.dump(self.meta, f, indent=1)


class ScoreMapStore:
    """Lazy reader: opened on first use in each process (dataloader workers included)."""

    def __init__(self, root):
        self.root = root
        self._meta = self._rows = self._logits = self._classes = None

    def _open(self):
        meta_file = osp.join(self.root, META)
        if not osp.isfile(meta_file):
            raise ScoreMapError(f'no score maps in {self.root} ({META} missing); make them with '
                                'tools/token_labeling/make_score_maps.py CONFIG CHECKPOINT '
                                f'--out {self.root}')
        with open(meta_file) as f:
            self._meta = json.load(f)
        with open(osp.join(self.root, INDEX)) as f:
            self._rows = {line.strip(): row for row, line in enumerate(f) if line.strip()}
        self._logits = np.load(osp.join(self.root, LOGITS), mmap_mode='r')
        self._classes = np.load(osp.join(self.root, CLASSES), mmap_mode='r')

    @property
    def meta(self):
        if self._meta is None:
            self._open()
        return self._meta

    def read(self, img_path):
        """``(logits float32 (k, S_h, S_w), classes int64 (k, S_h, S_w))`` of one image."""
        key = path_key(img_path, self.meta['path_depth'])
        row = self._rows.get(key)
        if row is None:
            raise ScoreMapError(f'no score map for image {img_path} in {self.root} (its '
                                f'{INDEX} lists {len(self._rows)} images, not {key})')
        return (np.asarray(self._logits[row], np.float32),
                np.asarray(self._classes[row], np.int64))
