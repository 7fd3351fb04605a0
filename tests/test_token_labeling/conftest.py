"""Every token-labeling test starts in mmpretrain's registry scope: a segmentation runner built
by an earlier test leaves mmseg's as the default."""
import pytest
from mmengine.registry import init_default_scope


@pytest.fixture(autouse=True)
def mmpretrain_scope():
    init_default_scope('mmpretrain')
