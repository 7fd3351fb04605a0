"""tlalign_mm: token-label alignment (TL-Align) and transfer benchmarks on OpenMMLab 2.x.

Importing the package only registers its datasets, transforms, augments, models and hooks under
their own names in the mmpretrain / mmseg / mmdet / mmengine registries (configs reach it
through ``custom_imports``); it replaces no entry of those libraries and changes no behaviour.
The safety behaviours (the stack check, weights-only checkpoint loading, atomic checkpoint
writes, image loading that names a bad file) are installed by :func:`install_safety`, which the
project's tools call at start-up.
"""
from .safety import install_safety
from .utils.stack import StackVersionError, check_stack, stack_versions
from .version import __version__

from . import augments, datasets, models  # noqa: E402,F401
from . import alignment, engine  # noqa: E402,F401
from . import evaluation  # noqa: E402,F401

__all__ = ['__version__', 'check_stack', 'install_safety', 'stack_versions',
           'StackVersionError']
