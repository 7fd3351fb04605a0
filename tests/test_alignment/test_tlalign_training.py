"""TL-Align through the real mmengine runner on the digits data."""
import glob
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from tlalign_mm.alignment import UnsupportedBackboneError
from tlalign_mm.alignment.kernel_swap import wrapped_stock
from tlalign_mm.engine.hooks import TLAlignConfigError

from ..conftest import config_path

TLALIGN = config_path('pretrain', 'deit', 'deit-digits_tlalign_digits.py')
NO_WORKERS = dict(num_workers=0, persistent_workers=False)


def load_cfg(path, work_dir, **overrides):
    cfg = Config.fromfile(path)
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.update(NO_WORKERS)
    cfg.val_dataloader.update(NO_WORKERS)
    cfg.test_dataloader.update(NO_WORKERS)
    cfg.merge_from_dict(overrides)
    return cfg


def logged(work_dir, key):
    (path, ) = glob.glob(osp.join(str(work_dir), '*', 'vis_data', 'scalars.json'))
    with open(path) as f:
        rows = [json.loads(line) for line in f]
    return [r[key] for r in rows if key in r]


@pytest.mark.parametrize('run', ['deit_tlalign', 'swin_tlalign'])
def test_tlalign_training_lowers_loss_and_logs_the_gap(trained_digits, run):
    """The shared 12-epoch digits runs (ViT: blocks; Swin: windows, shifts and merging)."""
    trained = trained_digits(run)
    check_12_epochs_learnt_with_gap(trained.work_dir, trained.log)


def check_12_epochs_learnt_with_gap(work_dir, log_text):
    """A 12-epoch digits TL-Align run (any backbone): the loss fell, the gap was logged."""
    losses = logged(work_dir, 'loss')
    gaps = logged(work_dir, 'align_gap')
    assert len(losses) == 12 * 3 and len(gaps) == len(losses)  # 19 iters per epoch, every 5th
    # Soft CutMix targets keep the loss far above zero; the first epochs sit at ln(10).
    first, last = sum(losses[:6]) / 6, sum(losses[-6:]) / 6
    assert first == pytest.approx(2.30, abs=0.03)
    assert last < first - 0.05, losses
    # The traced label really differs from the area ratio.
    assert all(0.0 <= g <= 1.0 for g in gaps) and max(gaps) > 0.01
    assert 'align_gap' in log_text
    assert logged(work_dir, 'accuracy/top1')[-1] > 15.0  # chance is 10


def attached_anything(model):
    backbone = model.backbone
    hooks = any(m._forward_hooks for m in model.modules())
    kernels = any(wrapped_stock(layer.attn.scaled_dot_product_attention) is not None
                  for layer in backbone.layers)
    return hooks or kernels


def test_hook_is_detached_outside_training_and_last_batch_of_one(digits_root, tmp_path):
    cfg = load_cfg(TLALIGN, tmp_path, train_cfg=dict(max_epochs=1, val_interval=1))
    # 33 samples with batch 32: the epoch ends with a batch of one sample.
    cfg.train_dataloader.dataset['indices'] = 33
    cfg.val_dataloader.dataset['indices'] = 16
    runner = Runner.from_cfg(cfg)
    hook = next(h for h in runner.hooks if type(h).__name__ == 'TLAlignHook')
    seen = []
    original = hook.on_backbone_done

    def spy(module, args, output):
        if hook.batch_samples is not None:
            seen.append(len(hook.batch_samples))
            assert attached_anything(runner.model)
        original(module, args, output)

    hook.on_backbone_done = spy
    runner.train()
    assert seen == [32, 1]
    assert not attached_anything(runner.model)
    metrics = runner.val_loop.run()
    assert 'accuracy/top1' in metrics
    assert not attached_anything(runner.model)
    losses = logged(tmp_path, 'loss')
    assert all(torch.isfinite(torch.tensor(losses)))


def test_hook_refuses_stock_cutmix(digits_root, tmp_path):
    cfg = load_cfg(TLALIGN, tmp_path, train_cfg=dict(max_epochs=1))
    cfg.model.train_cfg = dict(augments=[dict(type='CutMix', alpha=1.0)])
    with pytest.raises(TLAlignConfigError, match=r"\['CutMix'\] record no mix"):
        Runner.from_cfg(cfg).train()


def test_switch_to_a_stock_augment_mid_training_stops_with_one_error(digits_root, tmp_path):
    """mmpretrain's SwitchRecipeHook replaces the batch augments at epoch 2: an aligned one keeps
    training (epoch 2 of 3), a stock one (epoch 3) would silently train on the area label."""
    cfg = load_cfg(TLALIGN, tmp_path, train_cfg=dict(max_epochs=3, val_interval=100))
    cfg.train_dataloader.dataset['indices'] = 32
    aligned = dict(augments=[dict(type='AlignedCutMix', alpha=1.0)])
    stock = dict(augments=[dict(type='CutMix', alpha=1.0)])
    cfg.custom_hooks.append(dict(type='SwitchRecipeHook', schedule=[
        dict(action_epoch=2, batch_augments=aligned),
        dict(action_epoch=3, batch_augments=stock)]))
    runner = Runner.from_cfg(cfg)
    with pytest.raises(TLAlignConfigError, match=r"\['CutMix'\] record no mix"):
        runner.train()
    assert runner.iter == 2  # epochs 1 (token-CutMix) and 2 (pixel CutMix) trained


def test_hook_refuses_unsupported_backbone(digits_root, tmp_path):
    cfg = load_cfg(TLALIGN, tmp_path, train_cfg=dict(max_epochs=1))
    cfg.model.backbone = dict(type='ResNet', depth=18)
    cfg.model.head = dict(type='LinearClsHead', num_classes=10, in_channels=512)
    cfg.model.neck = dict(type='GlobalAveragePooling')
    with pytest.raises(UnsupportedBackboneError, match='ResNet'):
        Runner.from_cfg(cfg).train()


DIGITS = '[' + ','.join(f'digit_{i}' for i in range(10)) + ']'


def test_deit_small_imagenet_config_starts_training(digits_root, tmp_path, tool):
    """The paper-scale TL-Align config on an ImageNet-format folder (digits, 224 px crops)."""
    cfg = config_path('pretrain', 'deit', 'deit-small_tlalign_8xb128_in1k.py')
    out = tool(
        ['tools/train.py', cfg, '--work-dir', str(tmp_path), '--cfg-options',
         'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
         '+train_dataloader.dataset.indices=2', '+train_dataloader.persistent_workers=False',
         # each image once per epoch (the recipe repeats it 3x): the one batch mixes two images
         'train_dataloader.sampler.num_repeats=1',
         'val_dataloader.batch_size=2', 'val_dataloader.num_workers=0',
         '+val_dataloader.dataset.indices=2', '+val_dataloader.persistent_workers=False',
         # 6 epochs of 1 iteration: the recipe's cosine phase starts after 5 warm-up epochs.
         'train_cfg.max_epochs=6', 'train_cfg.val_interval=6',
         'default_hooks.checkpoint.interval=6', 'default_hooks.logger.interval=1',
         # fp32: the recipe's AMP becomes bf16 autocast on CPU, about 40x slower on this
         # machine; the AMP swap is tested by test_paper_pretrain_recipes.py.
         'optim_wrapper.type=OptimWrapper',
         # the digits' 10 classes, not ImageNet's 1000 (a class without images is refused)
         'model.head.num_classes=10', 'data_preprocessor.num_classes=10',
         f'+train_dataloader.dataset.metainfo.classes={DIGITS}',
         f'+val_dataloader.dataset.metainfo.classes={DIGITS}'],
        env_extra={'IMAGENET_ROOT': str(digits_root / 'digits_imagenet')})
    assert out.returncode == 0, out.stderr[-3000:]
    log = out.stdout + out.stderr
    assert 'align_gap' in log
    assert osp.isfile(osp.join(tmp_path, 'epoch_6.pth'))
