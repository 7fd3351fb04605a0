"""Version guard for the OpenMMLab stack.

mmcv 2.1.0 is built from source against one torch; mixing in another mmcv or a torch it was not
built for fails later with obscure symbol errors, so we check up front and say what to run.
"""
from importlib import metadata

REQUIRED = {
    'torch': '2.14.1',
    'mmcv': '2.1.0',
    'mmengine': '0.10.7',
    'mmpretrain': '1.2.0',
    'mmsegmentation': '1.2.2',
    'mmdet': '3.3.0',
}


class StackVersionError(RuntimeError):
    """The installed OpenMMLab stack is not the one this project is pinned to."""


def stack_versions():
    """Installed version of each pinned distribution (None where missing)."""
    found = {}
    for name in REQUIRED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def check_stack(versions=None):
    """Raise one error listing every mismatch between installed and pinned versions."""
    versions = stack_versions() if versions is None else versions
    problems = []
    for name, wanted in REQUIRED.items():
        have = versions.get(name)
        # torch local versions (+cu130, +cpu) still match the public release.
        if have is None or have.split('+')[0] != wanted:
            problems.append(f'{name}=={wanted} (installed: {have or "missing"})')
    if problems:
        raise StackVersionError(
            'tlalign_mm needs ' + ', '.join(problems) +
            '. Run `bash tools/bootstrap.sh` to install the pinned stack into .venv.')
