"""Errors for data that cannot be trained on, each naming the file and what is wrong.

``tools/train.py`` and ``tools/test.py`` print them as one line (exit 1). They subclass
``ValueError`` with a single-message constructor so a DataLoader worker can re-raise them in the
main process as the same type.
"""
from ..errors import TLAlignError


class DataError(TLAlignError, ValueError):
    """Base class: a dataset's files or annotations are unusable."""


class UnreadableImageError(DataError):
    """An image file is empty, truncated or not an image."""


class AnnotationFileError(DataError):
    """An annotation file the dataset needs does not exist."""


class UnknownClassError(DataError):
    """An annotation or label map names a class outside the dataset's class list."""


class EmptyDatasetError(DataError):
    """A dataset holds no samples."""


class EmptyClassError(DataError):
    """A class of the head has no training sample."""
