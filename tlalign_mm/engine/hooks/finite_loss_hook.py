"""Stop training at the first non-finite loss, before anything saves the broken weights.

A diverging run otherwise keeps going with NaN weights, exits 0, saves NaN checkpoints (and with
``max_keep_ckpts`` deletes the good ones to make room) and reports chance accuracy as a result.
This hook looks at the loss terms the model returned for the iteration and raises
:class:`NonFiniteLossError` naming the iteration and the term. Its priority runs it before
``CheckpointHook``, so the iteration's checkpoint is never written and the last one on disk is
the last good one. ``tools/train.py`` adds it by default (``--allow-nonfinite-loss`` turns the
error into a warning per iteration).
"""
import math

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS
from ...errors import TLAlignError, check_choice


class NonFiniteLossError(TLAlignError, FloatingPointError):
    """A loss term of a training iteration is NaN or infinite."""


def nonfinite_terms(outputs):
    """``[(name, value)]`` of the loss terms in ``outputs`` that are NaN or infinite."""
    bad = []
    for name, value in (outputs or {}).items():
        if 'loss' not in name:
            continue
        value = float(value.detach().float().mean()) if torch.is_tensor(value) else value
        if isinstance(value, (int, float)) and not math.isfinite(value):
            bad.append((name, value))
    return bad


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Args:
        action (str): ``'raise'`` (stop with :class:`NonFiniteLossError`) or ``'warn'`` (log
            one warning per affected iteration and go on). Defaults to ``'raise'``.
    """
    # Above CheckpointHook (VERY_LOW) and the logger (BELOW_NORMAL): the error comes before
    # either writes anything for the broken iteration.
    priority = 'VERY_HIGH'

    def __init__(self, action='raise'):
        check_choice('FiniteLossHook action', action, ('raise', 'warn'))
        self.action = action

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        bad = nonfinite_terms(outputs)
        if get_world_size() > 1:
            # every rank stops together: a rank left waiting in the next all-reduce would hang
            flag = torch.tensor([float(bool(bad))])
            all_reduce(flag)
            if flag.item() and not bad:
                bad = [('loss (on another rank)', float('nan'))]
        if not bad:
            return
        terms = ', '.join(f'{name}={value}' for name, value in bad)
        last = runner.message_hub.get_info('last_ckpt')
        kept = f'the last good checkpoint is {last}' if last else 'no checkpoint was saved yet'
        message = (f'non-finite loss at iteration {runner.iter + 1} (epoch {runner.epoch + 1}): '
                   f'{terms}; stopped before saving it, {kept}. Lower the learning rate or '
                   'check the data; --allow-nonfinite-loss continues anyway')
        if self.action == 'warn':
            print_log(message.split('; stopped')[0] + ' (continuing: --allow-nonfinite-loss)',
                      logger='current', level=30)
            return
        raise NonFiniteLossError(message)
