"""Checkpoint loading that keeps ``torch.load(weights_only=True)``.

torch >= 2.6 refuses to unpickle anything but tensors and plain containers, and mmengine 0.10.7
checkpoints also hold its ``HistoryBuffer`` (message hub) and numpy scalars/arrays. Rather than
turning ``weights_only`` off (which would let a checkpoint run arbitrary code), we allowlist
exactly those globals and replace mmengine's local-file loader so every load in the stack —
``load_from``, ``--resume``, ``init_cfg=dict(type='Pretrained')`` — goes through here.
"""
import os
import pickle
import re

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader
from ..errors import TLAlignError


class UnsafeCheckpointError(TLAlignError, RuntimeError):
    """The checkpoint needs a Python global outside the allowlist."""


class CorruptedCheckpointError(TLAlignError, RuntimeError):
    """The file exists but is not a readable torch checkpoint."""


def _numpy_globals():
    # numpy>=1.25 moved these under numpy._core in pickles written by numpy 2.x; accept both names.
    multiarray = np.core.multiarray
    scalar = multiarray.scalar
    items = [scalar, np.dtype, np.ndarray, multiarray._reconstruct]
    items += [type(np.dtype(t)) for t in ('float64', 'float32', 'float16', 'int64', 'int32',
                                           'int8', 'uint8', 'bool')]
    return items


def history_buffer_method(owner, name):
    """The only ``getattr`` a checkpoint may call: a statistics method of ``HistoryBuffer``.

    mmengine's ``HistoryBuffer`` pickles its ``statistics_methods`` as
    ``getattr(HistoryBuffer, 'mean')`` etc. Allowlisting ``builtins.getattr`` itself would let a
    checkpoint walk from any allowed object to arbitrary code, so this stand-in is registered
    under that name and resolves nothing else.
    """
    # The four built-ins are registered lazily by HistoryBuffer.__init__, which unpickling
    # never calls; custom ones are registered at import by their modules.
    allowed = {'min', 'max', 'current', 'mean', *HistoryBuffer._statistics_methods}
    if owner is HistoryBuffer and name in allowed:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'Unsupported global: GLOBAL builtins.getattr({getattr(owner, "__name__", owner)!r}, '
        f'{name!r}) is outside the allowlist')


SAFE_GLOBALS = [
    HistoryBuffer,
    (history_buffer_method, '__builtin__.getattr'),  # pickle protocol 2 (torch.save default)
    (history_buffer_method, 'builtins.getattr'),
    *_numpy_globals(),
]


def allow_mmengine_checkpoints():
    """Register the globals that mmengine's own checkpoints contain (idempotent)."""
    torch.serialization.add_safe_globals(SAFE_GLOBALS)


def safe_torch_load(filename, map_location='cpu'):
    """``torch.load`` with ``weights_only=True`` and errors that name the cause."""
    if not os.path.isfile(filename):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    if os.path.getsize(filename) == 0:  # torch says only "EOFError" / nothing at all
        raise CorruptedCheckpointError(f'corrupted checkpoint {filename}: empty file (0 bytes; '
                                       'an interrupted copy or download?)')
    allow_mmengine_checkpoints()
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        message = str(err)
        needed = re.search(r'GLOBAL ([\w.]+(\([^)]*\))?)', message)
        if needed:
            raise UnsafeCheckpointError(
                f'refusing to load {filename}: it needs the Python global '
                f'{needed.group(1)}, which is outside the weights_only allowlist. Only tensors, plain '
                'containers, numpy scalars/arrays and mmengine HistoryBuffer are allowed.'
            ) from None
        raise CorruptedCheckpointError(
            f'corrupted checkpoint {filename}: {message}') from None
    except (RuntimeError, EOFError, ValueError) as err:
        raise CorruptedCheckpointError(f'corrupted checkpoint {filename}: {err}') from None


def load_from_local(filename, map_location):
    # mmengine names the backend after this function's name (minus 'load_from_').
    return safe_torch_load(os.path.expanduser(filename), map_location=map_location)


def install_safe_local_loader():
    """Route mmengine's local-path checkpoint scheme through :func:`safe_torch_load`."""
    allow_mmengine_checkpoints()
    CheckpointLoader.register_scheme(prefixes='', force=True)(load_from_local)
