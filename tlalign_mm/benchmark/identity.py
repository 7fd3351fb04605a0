"""What decides a cell's result, recorded beside it, so a reused cell is the run its label names.

A cell (and a pre-training) is fixed by the resolved content of the configs it trains or tests,
the cfg_options given to each and the seed. The benchmark writes that identity to ``cell.json``
before the cell's first output; on a later run a folder is reused only if its recorded identity
equals the one the benchmark would run now. Otherwise the benchmark stops and names what
changed, or, when asked to re-run changed cells, moves the old folder aside (nothing written is
overwritten) and runs the cell again.
"""
import hashlib
import json
import os
import os.path as osp
from typing import Dict, List, Optional

from ..utils.atomic_io import atomic_write_json

IDENTITY_FILE = 'cell.json'


def config_digest(tree: dict) -> str:
    """sha256 of a config's resolved content (``Config.to_dict()``: bases merged, variables
    substituted)."""
    text = json.dumps(tree, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def file_digest(path: str) -> str:
    """sha256 of a file's bytes (a checkpoint given to the benchmark: replacing it changes the
    identity of every cell that starts from it)."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def identity(*, seed: int, **parts) -> Dict:
    """A cell identity: ``seed`` plus named parts (config digests, option lists)."""
    return dict(parts, seed=seed)


def recorded_identity(folder: str) -> Optional[Dict]:
    path = osp.join(folder, IDENTITY_FILE)
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def record_identity(folder: str, ident: Dict) -> None:
    atomic_write_json(osp.join(folder, IDENTITY_FILE), ident, indent=2, sort_keys=True)


def changed_parts(recorded: Dict, current: Dict) -> List[str]:
    """Names of the parts whose value differs (or exists on one side only)."""
    return sorted(key for key in set(recorded) | set(current)
                  if recorded.get(key) != current.get(key))


def set_aside(folder: str) -> str:
    """Rename ``folder`` to the first free ``<folder>.replaced-<n>``; returns the new name."""
    number = 1
    while osp.exists(f'{folder}.replaced-{number}'):
        number += 1
    target = f'{folder}.replaced-{number}'
    os.rename(folder, target)
    return target
