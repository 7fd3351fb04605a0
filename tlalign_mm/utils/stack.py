"""Compatibility guard for the OpenMMLab stack.

Any stack that the OpenMMLab packages themselves accept together is accepted: an existing
cluster environment with another torch or a CUDA build of mmcv works. What is refused is what
would fail later with an obscure error: a version outside the ranges below (a package missing,
or mmdet / mmseg / mmpretrain refusing the installed mmcv or mmengine), or mmcv compiled ops that
do not load against the installed torch (mmcv was built for another one). The error names every
problem and what to install.

``PINNED`` is what ``tools/bootstrap.sh`` installs on a fresh machine (the tested stack).
"""
from importlib import metadata

from packaging.version import InvalidVersion, Version
from ..errors import TLAlignError

# distribution -> (lowest accepted, first refused). mmcv and mmengine: the intersection of what
# mmdet 3.3, mmseg 1.2 and mmpretrain 1.2 assert on import (a test reads their own constants);
# torch: scaled_dot_product_attention with `scale` (2.1).
COMPATIBLE = {
    'torch': ('2.1.0', None),
    'mmcv': ('2.0.0', '2.2.0'),
    'mmengine': ('0.8.3', '1.0.0'),
    'mmpretrain': ('1.2.0', '1.3.0'),
    'mmsegmentation': ('1.2.0', '1.3.0'),
    'mmdet': ('3.3.0', '3.4.0'),
}
PINNED = {
    'torch': '2.14.1',
    'mmcv': '2.1.0',
    'mmengine': '0.10.7',
    'mmpretrain': '1.2.0',
    'mmsegmentation': '1.2.2',
    'mmdet': '3.3.0',
}


class StackVersionError(TLAlignError, RuntimeError):
    """The installed OpenMMLab stack cannot run this package."""


def stack_versions():
    """Installed version of each required distribution (None where missing)."""
    found = {}
    for name in COMPATIBLE:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def _requirement(name):
    low, high = COMPATIBLE[name]
    return f'{name}>={low}' + (f',<{high}' if high else '')


def _accepted(name, have):
    low, high = COMPATIBLE[name]
    try:
        # Local versions (+cu121, +cpu) and pre-releases compare by their release number.
        version = Version(Version(have).base_version)
    except InvalidVersion:
        return False
    return version >= Version(low) and (high is None or version < Version(high))


def mmcv_ops_problem():
    """Why mmcv's compiled ops do not load here (None when they do)."""
    try:
        from mmcv.ops import get_compiler_version  # noqa: F401  (loads the compiled _ext)
    except (ImportError, OSError) as err:
        return (f"mmcv's compiled ops do not load ({str(err).splitlines()[0]}): mmcv was built "
                'for another torch or without ops; rebuild it against the installed torch '
                '(bash tools/bootstrap.sh builds it with ops, CUDA ops where CUDA is present)')
    return None


def check_stack(versions=None, ops_problem=None):
    """Raise one :class:`StackVersionError` listing every incompatibility.

    Args:
        versions (dict, optional): distribution -> installed version (None if missing);
            defaults to what is installed.
        ops_problem (str, optional): an mmcv ops problem to report; when ``versions`` is not
            given and the installed mmcv is accepted, its compiled ops are loaded to find out.
    """
    installed = versions is None
    versions = stack_versions() if installed else versions
    refused = [name for name in COMPATIBLE
               if not versions.get(name) or not _accepted(name, versions[name])]
    problems = [f'{_requirement(name)} (installed: {versions.get(name) or "missing"})'
                for name in refused]
    if ops_problem is None and installed and 'mmcv' not in refused:
        ops_problem = mmcv_ops_problem()
    if ops_problem:
        problems.append(ops_problem)
    if problems:
        raise StackVersionError(
            'tlalign_mm needs ' + '; '.join(problems) + '. `bash tools/bootstrap.sh` installs '
            'the tested stack (' + ', '.join(f'{k}=={v}' for k, v in PINNED.items()) +
            ') into .venv; `pip install -e .` into an existing environment declares the ranges.')
