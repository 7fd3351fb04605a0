"""Refuse a checkpoint that would leave weights of the model uninitialised.

mmengine loads ``load_from`` and ``--resume`` checkpoints with ``strict=False`` and reports
missing keys as one warning deep in the log, so evaluating a segmentation config with a
classification checkpoint "works" and reports the mIoU of a random neck and head. These checks
compare the checkpoint's ``state_dict`` with the built model before the runner loads it.
"""
from collections import Counter

from mmengine.model import is_model_wrapper
from ..errors import TLAlignError


class CheckpointMismatchError(TLAlignError, ValueError):
    """The checkpoint has no (or wrongly shaped) weights for parts of the model."""


def checkpoint_state_dict(path):
    """The ``state_dict`` of a checkpoint file (through the weights_only loader)."""
    from mmengine.runner.checkpoint import CheckpointLoader
    checkpoint = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    if isinstance(checkpoint, dict) and isinstance(checkpoint.get('state_dict'), dict):
        return checkpoint['state_dict']
    if isinstance(checkpoint, dict):
        return checkpoint
    raise CheckpointMismatchError(f'{path} holds a {type(checkpoint).__name__}, not a '
                                  'state dict')


def _strip(key):
    return key[len('module.'):] if key.startswith('module.') else key


def _by_module(keys):
    """'neck (12 tensors), decode_head (40)': counts per top-level module."""
    counts = Counter(key.split('.', 1)[0] for key in keys)
    parts = [f'{name} ({count} tensor{"s" if count > 1 else ""})'
             for name, count in counts.most_common()]
    return ', '.join(parts)


def unfilled_weights(model, state):
    """``(missing, mismatched)`` keys of ``model.state_dict()`` that ``state`` cannot fill."""
    model = model.module if is_model_wrapper(model) else model
    own = model.state_dict()
    state = {_strip(k): v for k, v in state.items()}
    missing = [k for k in own if k not in state]
    mismatched = [k for k in own if k in state and hasattr(state[k], 'shape')
                  and tuple(state[k].shape) != tuple(own[k].shape)]
    return missing, mismatched


def check_checkpoint_fits(model, path, flag='--allow-missing-weights'):
    """Raise :class:`CheckpointMismatchError` naming what ``path`` leaves uninitialised.

    Args:
        model (nn.Module): the built model (a DDP wrapper is unwrapped).
        path (str): the checkpoint to be loaded.
        flag (str, optional): the opt-out the message tells the user about (none: the
            caller has no opt-out).
    """
    missing, mismatched = unfilled_weights(model, checkpoint_state_dict(path))
    if not missing and not mismatched:
        return
    problems = []
    if missing:
        problems.append(f'has no weights for {_by_module(missing)}')
    if mismatched:
        problems.append(f'has wrongly shaped weights for {_by_module(mismatched)}')
    example = (missing or mismatched)[0]
    opt_out = f', or pass {flag} if that is the intent' if flag else ''
    raise CheckpointMismatchError(
        f'checkpoint {path} does not fit this model: it {" and ".join(problems)} (e.g. '
        f'{example}); those would run randomly initialised. Use the checkpoint of this config'
        f'{opt_out}')
