"""A ``--cfg-options`` key the config does not define is refused in one line naming the closest
keys it does define; ``+key`` adds a key on purpose (stripped before the merge)."""
import pytest
from mmengine.config import Config

from tlalign_mm.utils.config_options import (UnknownOptionKey, checked_option_keys,
                                             merge_checked_options)

from ..conftest import config_path

TREE = dict(pretrained=None, model=dict(backbone=dict(drop_path_rate=0.1)),
            param_scheduler=[dict(end=5), dict(end=20)])


def test_existing_keys_and_list_indices_pass_unchanged():
    options = {'pretrained': 'a.pth', 'model.backbone.drop_path_rate': 0.0,
               'param_scheduler.1.end': 30, 'param_scheduler.-1.end': 40}
    assert checked_option_keys(TREE, options, 'c.py') == options


@pytest.mark.parametrize('key,hint', [
    ('pretrianed', "did you mean pretrained? "),
    ('model.backbone.drop_path', "did you mean model.backbone.drop_path_rate? "),
    ('param_scheduler.2.end', "did you mean param_scheduler.1.end or param_scheduler.0.end? "),
    ('zzz', ''),
])
def test_an_unknown_key_is_refused_naming_the_closest(key, hint):
    with pytest.raises(UnknownOptionKey) as err:
        checked_option_keys(TREE, {key: 1}, 'c.py')
    assert str(err.value) == (f"cfg-options key {key!r} is not in c.py ({hint}a misspelled key "
                              f"would be ignored); write +{key}=... to add a new key on purpose")


def test_a_plus_key_is_added_on_purpose():
    cfg = Config(dict(TREE))
    merged = merge_checked_options(cfg, {'+train_cfg.val_begin': 7, 'pretrained': 'b'}, 'c.py')
    assert merged == {'train_cfg.val_begin': 7, 'pretrained': 'b'}
    assert cfg.train_cfg.val_begin == 7 and cfg.pretrained == 'b'
    assert '+train_cfg' not in cfg


def test_train_tool_refuses_a_misspelled_key_before_building(tmp_path, tool):
    config = config_path('fgvc', 'deit-digits_finetune_digits-cub.py')
    out = tool(['tools/train.py', config, '--work-dir', str(tmp_path / 'w'),
                '--cfg-options', 'pretrianed=x.pth'])
    assert out.returncode != 0
    assert out.stderr.strip().splitlines() == [
        f"error: cfg-options key 'pretrianed' is not in {config} (did you mean pretrained? a "
        "misspelled key would be ignored); write +pretrianed=... to add a new key on purpose"]
    assert not (tmp_path / 'w').exists()
