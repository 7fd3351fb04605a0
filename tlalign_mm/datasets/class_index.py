"""Which index of a model's output each class folder (a WordNet id for ImageNet) stands for.

ImageNet-A, -R and -C name their class folders by WordNet id, like ImageNet's ``train/``, and a
1000-way ImageNet model numbers its outputs by the sorted wnids. A robustness set therefore has
to know the *parent* class list to give each image the label the model would predict.
"""
import os
import os.path as osp
from ..errors import TLAlignError

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')


class RobustnessDataError(TLAlignError, FileNotFoundError):
    """A robustness dataset's folders or files are missing or do not match their class list."""


def subfolders(path):
    """Sorted names of the sub-folders of ``path`` (raises when ``path`` is not a folder)."""
    if not osp.isdir(path):
        raise RobustnessDataError(f'folder not found: {path}')
    return sorted(e.name for e in os.scandir(path) if e.is_dir())


def image_files(folder):
    """Sorted image file names directly inside ``folder``."""
    return sorted(e.name for e in os.scandir(folder)
                  if e.is_file() and e.name.lower().endswith(IMAGE_EXTENSIONS))


def parent_class_list(parent_classes):
    """The parent classes in output order, from a list, a text file or a class-folder root.

    Args:
        parent_classes (list | tuple | str): the names themselves; a ``.txt`` file with one name
            per line (in output order); or a folder whose sorted sub-folders are the classes
            (ImageNet's ``train/``, whose sorted wnids are the 1000-way output order).
    """
    if isinstance(parent_classes, (list, tuple)):
        return list(parent_classes)
    if osp.isfile(parent_classes):
        with open(parent_classes, encoding='utf-8') as f:
            names = [line.split()[0] for line in f if line.strip()]
        if not names:
            raise RobustnessDataError(f'class list {parent_classes} is empty')
        return names
    if osp.isdir(parent_classes):
        return subfolders(parent_classes)
    raise RobustnessDataError(
        f'parent class list not found: {parent_classes} (give a list, a text file with one '
        'wnid per line, or a folder of class sub-folders such as ImageNet train/)')


def class_indices(names, parent, where):
    """Index of each of ``names`` in ``parent``; one error naming every unknown class."""
    position = {name: i for i, name in enumerate(parent)}
    unknown = [n for n in names if n not in position]
    if unknown:
        raise RobustnessDataError(
            f'{where}: class folders {unknown[:5]}{" ..." if len(unknown) > 5 else ""} are not '
            f'in the parent class list ({len(parent)} classes)')
    return [position[n] for n in names]
