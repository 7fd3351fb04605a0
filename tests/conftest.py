"""Shared fixtures: the digits datasets are generated once per test session."""
import os
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'tools'))


@pytest.fixture(scope='session')
def digits_root(tmp_path_factory):
    """A folder holding every digits dataset; exported as $TLALIGN_DATA_ROOT for the configs."""
    from tlalign_mm.datasets.makers import MAKERS
    root = tmp_path_factory.mktemp('data')
    for kind, make in MAKERS.items():
        make(str(root / f'digits_{kind}'), seed=0)
    os.environ['TLALIGN_DATA_ROOT'] = str(root)
    return root


def config_path(*parts):
    return osp.join(ROOT, 'configs', *parts)
