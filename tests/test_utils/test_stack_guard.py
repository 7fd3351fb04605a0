"""The compatibility guard accepts any stack the OpenMMLab packages accept together and refuses
the rest with one line naming what to install (versions faked where the test needs them)."""
import re

import pytest

from tlalign_mm.utils.stack import (COMPATIBLE, PINNED, StackVersionError, check_stack,
                                    stack_versions)


def test_installed_stack_passes():
    check_stack()
    assert stack_versions()['mmcv'] == PINNED['mmcv']


def test_a_compatible_cluster_stack_is_accepted():
    cluster = dict(torch='2.4.1+cu121', mmcv='2.1.0', mmengine='0.10.4', mmpretrain='1.2.0',
                   mmsegmentation='1.2.1', mmdet='3.3.0')
    check_stack(cluster)
    check_stack(dict(cluster, mmcv='2.0.1', torch='2.1.2'))


def test_incompatible_versions_are_named_together_in_one_line():
    with pytest.raises(StackVersionError) as err:
        check_stack(dict(PINNED, torch='1.13.1', mmcv='2.2.0', mmdet=None))
    message = str(err.value)
    assert '\n' not in message
    assert 'torch>=2.1.0 (installed: 1.13.1)' in message
    assert 'mmcv>=2.0.0,<2.2.0 (installed: 2.2.0)' in message
    assert 'mmdet>=3.3.0,<3.4.0 (installed: missing)' in message
    assert 'bash tools/bootstrap.sh' in message and 'mmcv==2.1.0' in message


def test_mmcv_ops_built_for_another_torch_are_refused():
    problem = ("mmcv's compiled ops do not load (undefined symbol: _ZN3c10...): mmcv was built "
               'for another torch or without ops; rebuild it against the installed torch')
    with pytest.raises(StackVersionError, match=re.escape(problem)):
        check_stack(dict(PINNED), ops_problem=problem)


def test_ranges_are_the_ones_the_packages_themselves_assert():
    import mmdet
    import mmpretrain
    import mmseg
    from packaging.version import Version

    def intersection(lows, highs):
        # Pre-releases (2.0.0rc4) count as their release, as the guard compares them.
        low = max((Version(Version(v).base_version) for v in lows))
        return str(low), str(min(Version(v) for v in highs))

    assert COMPATIBLE['mmcv'] == intersection(
        [mmdet.mmcv_minimum_version, mmseg.MMCV_MIN, mmpretrain.mmcv_minimum_version],
        [mmdet.mmcv_maximum_version, mmseg.MMCV_MAX, mmpretrain.mmcv_maximum_version])
    assert COMPATIBLE['mmengine'] == intersection(
        [mmdet.mmengine_minimum_version, mmseg.MMENGINE_MIN, mmpretrain.mmengine_minimum_version],
        [mmdet.mmengine_maximum_version, mmseg.MMENGINE_MAX, mmpretrain.mmengine_maximum_version])
