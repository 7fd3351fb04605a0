"""The adapter chain on the digits fine-grained task: tools/train.py with the KAdaptation config
from a pre-training checkpoint -> an adapter-only checkpoint -> merge_adapter.py -> a plain
classifier checkpoint whose outputs equal the adapted model's."""
import json
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmpretrain.registry import MODELS

import tlalign_mm  # noqa: F401

from ..conftest import ROOT, config_path

KADAPT = config_path('peft', 'deit-digits_kadaptation_digits-cub.py')
LOADERS = [option for d in ('train_dataloader', 'val_dataloader', 'test_dataloader')
           for option in (f'{d}.num_workers=0', f'+{d}.persistent_workers=False')]


def tool(path, name):
    sys.path.insert(0, osp.join(ROOT, *path))
    try:
        return __import__(name)
    finally:
        sys.path.pop(0)


def test_train_merge_and_plain_model_agree(digits_root, tmp_path):
    cfg = Config.fromfile(KADAPT)
    torch.manual_seed(0)
    pretrain_cfg = Config.fromfile(config_path('fgvc', 'deit-digits_finetune_digits-cub.py'))
    pretrained = str(tmp_path / 'pretrain.pth')
    torch.save(dict(state_dict=MODELS.build(pretrain_cfg.model).state_dict()), pretrained)

    work = str(tmp_path / 'train')
    tool(['tools'], 'train').main([
        KADAPT, '--work-dir', work, '--cfg-options', f'pretrained={pretrained}',
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
        'default_hooks.checkpoint.interval=1', *LOADERS])
    ckpt = osp.join(work, 'epoch_1.pth')
    # TrainableParamsHook's record: adapter (4 layers x (4x64 + 64) + 4x64) + the 650 head
    record = json.load(open(osp.join(work, 'trainable_params.json')))
    assert record == dict(trainable=2186, total=148170 + 1536)
    saved = torch.load(ckpt, map_location='cpu', weights_only=True)['state_dict']
    assert all('lora_' in k or k.startswith(('backbone.shared.', 'head.')) for k in saved)
    assert sum(v.numel() for v in saved.values()) == 4 * (4 * 64 + 64) + 4 * 64 + 650
    assert any(v.abs().sum() > 0 for k, v in saved.items() if k.endswith('lora_q_v'))

    merger = tool(['tools', 'model_converters'], 'merge_adapter')
    dst = str(tmp_path / 'merged.pth')
    options = {'pretrained': pretrained}
    merger.merge(KADAPT, ckpt, dst, options)
    with pytest.raises(Exception, match='refusing to overwrite'):
        merger.merge(KADAPT, ckpt, dst, options)

    cfg.merge_from_dict(options)
    from tlalign_mm.utils.pretrained import use_pretrained
    use_pretrained(cfg, pretrained)
    adapted = MODELS.build(cfg.model)
    load_checkpoint(adapted, ckpt, map_location='cpu', strict=True)
    plain_cfg = dict(cfg.model, backbone=dict(cfg.model.backbone.module))
    plain = MODELS.build(plain_cfg)
    load_checkpoint(plain, dst, map_location='cpu', strict=True)
    images = torch.rand(8, 3, 32, 32) * 255
    with torch.no_grad():
        out_adapted = adapted.eval()(adapted.data_preprocessor({'inputs': images})['inputs'])
        out_plain = plain.eval()(plain.data_preprocessor({'inputs': images})['inputs'])
    assert (out_adapted - out_plain).abs().max().item() <= 1e-5
    # the merge is not the frozen model: the trained ΔW is inside the qkv weights
    frozen = torch.load(pretrained, weights_only=True)['state_dict']
    merged = torch.load(dst, weights_only=True)['state_dict']
    key = 'backbone.layers.0.attn.qkv.weight'
    assert (merged[key] - frozen[key]).abs().max() > 0
    assert torch.equal(merged[key][64:128], frozen[key][64:128])  # k rows untouched


@pytest.mark.parametrize('config,why', [
    (KADAPT, 'KAdaptationModel adapts a frozen backbone'),
    (config_path('peft', 'deit-digits_lora_digits-cub.py'), 'adapts a frozen backbone'),
    (config_path('peft', 'deit-digits_linear_digits-cub.py'),
     'the backbone is frozen (frozen_stages=4)'),
])
def test_a_frozen_base_without_pretrained_is_refused(digits_root, tmp_path, capsys, config, why):
    """Train, test and merge alike: adapters or a linear probe over random weights they never
    change would give a number that means nothing."""
    checkpoint = str(tmp_path / 'adapter.pth')
    torch.save(dict(state_dict={}), checkpoint)
    ending = (", but `pretrained` is None: it would be trained and evaluated on random weights "
              "it never changes; pass --cfg-options pretrained=PATH (the pre-training "
              "checkpoint), or --allow-random-base if a random frozen base is the intent")
    runs = [(tool(['tools'], 'train').main, [config, '--work-dir', str(tmp_path / 'w'),
                                             '--cfg-options', *LOADERS]),
            (tool(['tools'], 'test').main, [config, checkpoint, '--cfg-options', *LOADERS])]
    if 'linear' not in config:
        runs.append((tool(['tools', 'model_converters'], 'merge_adapter').main,
                     [config, checkpoint, str(tmp_path / 'merged.pth')]))
    for main, argv in runs:
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        message = str(exit_.value.code)
        assert message.startswith('error: ') and message.endswith(ending), message
        assert why in message
    assert not (tmp_path / 'w').exists() and not (tmp_path / 'merged.pth').exists()
    # the flag lets the run past this check (here to the next one: an empty checkpoint)
    with pytest.raises(SystemExit) as exit_:
        tool(['tools'], 'test').main([config, checkpoint, '--allow-random-base',
                                      '--cfg-options', *LOADERS])
    assert f'checkpoint {checkpoint} does not fit this model' in str(exit_.value.code)


def test_merge_refuses_a_checkpoint_of_another_model_in_one_line(digits_root, tmp_path):
    pretrain_cfg = Config.fromfile(config_path('fgvc', 'deit-digits_finetune_digits-cub.py'))
    pretrained = str(tmp_path / 'pretrain.pth')
    torch.save(dict(state_dict=MODELS.build(pretrain_cfg.model).state_dict()), pretrained)
    merger = tool(['tools', 'model_converters'], 'merge_adapter')
    # a plain classifier's checkpoint (no adapters at all) given as the adapter checkpoint
    with pytest.raises(SystemExit) as exit_:
        merger.main([KADAPT, pretrained, str(tmp_path / 'merged.pth'), '--cfg-options',
                     f'pretrained={pretrained}'])
    message = str(exit_.value.code)
    assert message.startswith(f'error: checkpoint {pretrained} does not fit this model: it has '
                              'no weights for backbone')
    assert '\n' not in message and not (tmp_path / 'merged.pth').exists()
