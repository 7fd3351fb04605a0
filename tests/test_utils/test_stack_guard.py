"""The version guard names every mismatch and how to fix it."""
import pytest

from tlalign_mm.utils.stack import REQUIRED, StackVersionError, check_stack, stack_versions


def test_installed_stack_passes():
    check_stack()
    assert stack_versions()['mmcv'] == '2.1.0'


def test_mismatches_are_listed_together():
    versions = dict(REQUIRED, torch='2.11.0+cu130', mmdet=None)
    check_stack(dict(REQUIRED, torch='2.14.1+cu130'))  # local version suffixes are fine
    with pytest.raises(StackVersionError) as err:
        check_stack(versions)
    message = str(err.value)
    assert 'torch==2.14.1 (installed: 2.11.0+cu130)' in message
    assert 'mmdet==3.3.0 (installed: missing)' in message
    assert 'tools/bootstrap.sh' in message
