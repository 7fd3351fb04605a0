"""tlalign_mm: token-label alignment (TL-Align) and transfer benchmarks on OpenMMLab 2.x.

Importing the package registers its datasets, augments, models and hooks in the mmpretrain /
mmseg / mmdet / mmengine registries (configs reach it through ``custom_imports``) and routes
mmengine's checkpoint loading through the ``weights_only`` allowlist.
"""
import os
import warnings

from .utils.stack import StackVersionError, check_stack, stack_versions
from .version import __version__

try:
    check_stack()
except StackVersionError as err:
    # Opt-out for running parts of the package on another stack (e.g. a GPU image with its own
    # torch); everything outside the pinned stack is then the user's responsibility.
    if os.environ.get('TLALIGN_ALLOW_STACK_MISMATCH') != '1':
        raise
    warnings.warn(f'{err} Continuing because TLALIGN_ALLOW_STACK_MISMATCH=1.')

from .utils.checkpoint import install_safe_local_loader  # noqa: E402

install_safe_local_loader()
from .utils.atomic_io import install_atomic_local_backend  # noqa: E402
install_atomic_local_backend()  # checkpoints and other mmengine file writes replace atomically

from . import augments, datasets, models  # noqa: E402,F401
from . import alignment, engine  # noqa: E402,F401
from . import evaluation  # noqa: E402,F401

__all__ = ['__version__', 'check_stack', 'stack_versions', 'StackVersionError']
