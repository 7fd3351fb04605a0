"""Nothing a tool already wrote is replaced unless the user says so.

Every tool that writes results (training work dirs, ``--out-metrics``, the analysis tools'
figures and tables, converters, score maps) checks its outputs *before* doing any work: an
existing one is refused in one line naming it and the flag that allows replacing it.
"""
import glob
import os.path as osp
from typing import Iterable

from ..errors import TLAlignError

OVERWRITE_FLAG = '--overwrite'


class OutputExistsError(TLAlignError, FileExistsError):
    """An output the tool would write exists already."""


def refuse_existing(paths: Iterable[str], overwrite: bool = False,
                    flag: str = OVERWRITE_FLAG) -> None:
    """Raise :class:`OutputExistsError` for the existing ones of ``paths`` unless
    ``overwrite``."""
    existing = [path for path in paths if path and osp.exists(path)]
    if existing and not overwrite:
        more = f' (and {len(existing) - 1} more)' if len(existing) > 1 else ''
        raise OutputExistsError(f'{existing[0]}{more} exists; refusing to overwrite it (pass '
                                f'{flag} to replace it, or choose another output)')


def refuse_earlier_run(work_dir: str, overwrite: bool = False) -> None:
    """A training work dir holding another run's checkpoints is continued with ``--resume``
    or replaced with ``--overwrite``, never silently trained over."""
    if overwrite or not osp.isdir(work_dir):
        return
    found = sorted(osp.basename(p) for p in glob.glob(osp.join(work_dir, '*.pth')))
    if osp.isfile(osp.join(work_dir, 'last_checkpoint')) or found:
        shown = ', '.join(found[:3]) + (f' (+{len(found) - 3} more)' if len(found) > 3 else '')
        shown = shown or 'its last_checkpoint'
        raise OutputExistsError(
            f'work dir {work_dir} holds the checkpoints of an earlier run ({shown}); pass '
            f'--resume to continue it, {OVERWRITE_FLAG} to train over it, or choose another '
            '--work-dir')
