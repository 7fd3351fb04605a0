"""Which checkpoint ``--resume`` (without a path) continues from.

mmengine reads ``<work_dir>/last_checkpoint`` and loads whatever file it names. Checkpoints are
written atomically here (:mod:`.atomic_io`), but ``last_checkpoint`` itself is a plain write
made after the checkpoint, and ``max_keep_ckpts`` deletes an old checkpoint *before* the new one
is saved; a kill between those steps leaves ``last_checkpoint`` naming a missing file (or a
truncated name), and a checkpoint written by an older, non-atomic run may be truncated. This
picks the newest checkpoint that actually loads and says which ones it passed over.
"""
import glob
import os.path as osp
from typing import List

from mmengine.logging import print_log

from .checkpoint import CorruptedCheckpointError, safe_torch_load


def _recorded(work_dir):
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        return f.read().strip() or None


def _loads(path):
    try:
        checkpoint = safe_torch_load(path)
    except (CorruptedCheckpointError, FileNotFoundError, OSError):
        return False
    return isinstance(checkpoint, dict) and 'meta' in checkpoint and 'state_dict' in checkpoint


def resumable_checkpoint(work_dir):
    """The newest loadable training checkpoint in ``work_dir`` (the recorded one first), or
    None when there is none (the run then starts from scratch, as mmengine does)."""
    recorded = _recorded(work_dir)
    candidates = [recorded] if recorded else []
    found = sorted(glob.glob(osp.join(work_dir, '*.pth')), key=osp.getmtime, reverse=True)
    candidates += [path for path in found if path != recorded]
    passed = []
    for path in candidates:
        if _loads(path):
            if passed:
                print_log(f'resuming from {path}: skipped {", ".join(passed)} (missing or '
                          'not a complete checkpoint)', logger='current', level=30)
            return path
        passed.append(path)
    return None


# Run bookkeeping that differs between any two runs of one config, not settings of the run.
BOOKKEEPING_KEYS = ('work_dir', 'load_from', 'resume', 'launcher')


def _leaves(tree, prefix=''):
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _leaves(value, f'{prefix}{key}.')
    else:
        yield prefix[:-1], tree


def config_changes(checkpoint: str, cfg, limit: int = 5) -> List[str]:
    """``key: before -> now`` for settings of ``cfg`` that differ from the config the
    checkpoint's run saved in its meta (none when the checkpoint has no config).

    Resuming continues the saved optimiser, schedule and epoch counter; a checkpoint of another
    config (another arm, another schedule) resumes without error in mmengine and produces a run
    that is neither of the two, so the tools name what differs.
    """
    from mmengine.config import Config
    meta = safe_torch_load(checkpoint).get('meta') or {}
    text = meta.get('cfg')
    if not isinstance(text, str):
        return []
    try:
        saved = Config.fromstring(text, '.py').to_dict()
    except Exception:  # noqa: BLE001  a config of another code version: nothing to compare
        return []
    before, now = dict(_leaves(saved)), dict(_leaves(cfg.to_dict()))
    changed = [key for key in sorted(set(before) | set(now))
               if key.split('.')[0] not in BOOKKEEPING_KEYS
               and before.get(key, '<unset>') != now.get(key, '<unset>')]
    lines = [f'{key}: {before.get(key, "<unset>")!r} -> {now.get(key, "<unset>")!r}'
             for key in changed[:limit]]
    if len(changed) > limit:
        lines.append(f'and {len(changed) - limit} more')
    return lines
