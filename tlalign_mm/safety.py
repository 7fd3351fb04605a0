"""The project's safety behaviours, installed by one explicit call.

Importing ``tlalign_mm`` only adds names to the OpenMMLab registries (the plugin convention: a
config with ``custom_imports=['tlalign_mm']`` reads and writes exactly as before). The project's
tools (``tools/train.py``, ``tools/test.py`` and the analysis tools) call :func:`install_safety`
at start-up; a user's own runner gets the same by calling it once before building the runner::

    import tlalign_mm
    tlalign_mm.install_safety()

A config can also ask for checked image loading alone by naming ``CheckedLoadImageFromFile``
in its pipelines.
"""
import os
import warnings

from .datasets.checked_loading import install_checked_image_loading
from .utils.atomic_io import install_atomic_local_backend
from .utils.checkpoint import install_safe_local_loader
from .utils.stack import StackVersionError, check_stack


def install_safety(check_versions: bool = True) -> None:
    """Install every safety behaviour (idempotent).

    - the OpenMMLab stack check (:func:`~.utils.stack.check_stack`): a version outside the
      accepted ranges, or mmcv ops built for another torch, stops here with one message
      (``TLALIGN_ALLOW_STACK_MISMATCH=1`` turns the stop into a warning);
    - checkpoints loaded with ``torch.load(weights_only=True)`` and an explicit allowlist
      (mmengine's local checkpoint scheme);
    - checkpoints and other mmengine local writes replaced atomically (its ``'local'`` backend);
    - ``LoadImageFromFile`` that names the file it cannot decode (mmcv's and mmpretrain's
      ``TRANSFORMS``, so mmpretrain, mmseg and mmdet pipelines all get it).

    Args:
        check_versions: run the stack check first.
    """
    if check_versions:
        try:
            check_stack()
        except StackVersionError as err:
            # Opt-out for running parts of the package on another stack (e.g. a GPU image with
            # its own torch); everything outside the accepted stack is then the user's affair.
            if os.environ.get('TLALIGN_ALLOW_STACK_MISMATCH') != '1':
                raise
            warnings.warn(f'{err} Continuing because TLALIGN_ALLOW_STACK_MISMATCH=1.')
    install_safe_local_loader()
    install_atomic_local_backend()
    install_checked_image_loading()
