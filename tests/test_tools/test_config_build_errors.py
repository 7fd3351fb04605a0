"""A misspelled type name or keyword in a config, or a missing argument, is one line naming the
registry or class (and the names spelled alike), from every tool that builds from a config;
nothing is trained."""
import pytest
import torch

from tlalign_mm.utils.build_errors import explain_build_error

from ..conftest import LOADERS_IN_MAIN_PROCESS, config_path

TLALIGN = config_path('pretrain', 'deit', 'deit-digits_tlalign_digits.py')


@pytest.mark.parametrize('options,line', [
    (['model.backbone.type=VisionTransfomer'],
     "error: unknown type 'VisionTransfomer': not in the mmpretrain::model registry (did you "
     "mean VisionTransformer or RevVisionTransformer or VisionTransformerClsHead?)"),
    (['+model.backbone.drop_path=0.1'],
     "error: VisionTransformer takes no argument 'drop_path' (check the config key that sets "
     "it) (did you mean drop_path_rate or drop_rate?)"),
    (["custom_hooks=[dict(type='TLAlignHok')]"],  # written into a config below
     "error: unknown type 'TLAlignHok': not in the mmpretrain::hook registry (did you mean "
     "TLAlignHook or TokenLabelAlignHook?)"),
    (["custom_hooks=[dict(type='TLAlignHook', label_mode='scaler')]"],  # idem
     "error: label_mode must be one of 'scalar', 'kdim', got 'scaler' (did you mean 'scalar'?)"),
    (['+train_cfg.max_epoch=1'],
     "error: EpochBasedTrainLoop takes no argument 'max_epoch' (check the config key that sets "
     "it) (did you mean max_epochs?)"),
    (["model = dict(head=dict(_delete_=True, type='VisionTransformerClsHead'))"],  # idem
     "error: VisionTransformerClsHead needs arguments 'num_classes' and 'in_channels' (the "
     "config dict that builds it has no such key)"),
])
def test_train_names_the_misspelling_in_one_line(digits_root, tmp_path, tool, options, line):
    config = TLALIGN
    if options[0].startswith(('custom_hooks', 'model =')):  # a config, as users write it
        config = tmp_path / 'hooks.py'
        config.write_text(f'_base_ = [{TLALIGN!r}]\n{options.pop()}\n')
    out = tool(['tools/train.py', str(config), '--work-dir', str(tmp_path / 'w'),
                '--cfg-options', *LOADERS_IN_MAIN_PROCESS, *options])
    assert out.returncode != 0
    assert out.stderr.strip().splitlines()[-1] == line
    assert 'Traceback' not in out.stderr and 'Epoch(train)' not in out.stdout


def test_test_tool_names_the_misspelling_in_one_line(digits_root, tmp_path, tool):
    checkpoint = tmp_path / 'empty.pth'
    torch.save(dict(state_dict={}), checkpoint)
    out = tool(['tools/test.py', TLALIGN, str(checkpoint), '--cfg-options',
                'model.head.type=VisionTransformerClsHed'])
    assert out.returncode != 0
    assert out.stderr.strip().splitlines()[-1] == (
        "error: unknown type 'VisionTransformerClsHed': not in the mmpretrain::model registry "
        "(did you mean VisionTransformerClsHead or VisionTransformer or RevVisionTransformer?)")


def test_a_missing_argument_is_named():
    assert explain_build_error(TypeError(
        "ScoreMapAugmentedCrop.__init__() missing 1 required positional argument: 'crop'")) == (
        "ScoreMapAugmentedCrop needs argument 'crop' (the config dict that builds it has no such "
        "key)")


def test_other_key_and_type_errors_pass_through():
    assert explain_build_error(KeyError('accuracy/top1')) is None
    assert explain_build_error(TypeError("forward() got an unexpected keyword argument 'x'")) \
        is None
