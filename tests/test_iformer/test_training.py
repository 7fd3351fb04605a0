"""The tiny digits iFormer through the real runner: with and without TL-Align, the head's loss
gets exactly the traced label, and the TL-Align checkpoint trains through UperNet and Mask R-CNN.
"""
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from tlalign_mm.benchmark.runner import pretrained_init
from tlalign_mm.utils.checkpoint import safe_torch_load

from ..conftest import LOADERS_IN_MAIN_PROCESS, ONE_THREAD, config_path
from ..test_alignment.test_tlalign_training import logged
from .test_alignment import reference_labels

TLALIGN = config_path('pretrain', 'iformer', 'iformer-digits_tlalign_digits.py')
BASELINE = config_path('pretrain', 'iformer', 'iformer-digits_cutmix_digits.py')
SEG = config_path('seg', 'upernet_iformer-digits_digits-ade20k.py')
DET = config_path('det', 'mask-rcnn_iformer-digits_digits-coco.py')
HEADS = [1, 1, 1, 2, 3]  # attention heads per block of the digits arch


def test_tlalign_run_learns_and_logs_the_gap(trained_digits):
    """12 epochs of 19 iterations, logged every 5th: the loss falls, the gap is logged.

    The gap is small for iFormer (at most ~0.006 on these runs, against ~0.1 for the ViT): only
    the low-frequency channel share C_l / C of each mixer moves labels, and its 2x2-pooled
    attention moves them between neighbours that mostly share a source."""
    trained = trained_digits('iformer_tlalign')
    losses, gaps = logged(trained.work_dir, 'loss'), logged(trained.work_dir, 'align_gap')
    assert len(losses) == 12 * 3 and len(gaps) == len(losses)
    first, last = sum(losses[:6]) / 6, sum(losses[-6:]) / 6
    assert last < first - 0.3, losses
    assert all(0.0 <= g <= 1.0 for g in gaps) and max(gaps) > 1e-3, gaps
    assert logged(trained.work_dir, 'accuracy/top1')[-1] > 50.0  # chance is 10


def test_baseline_run_learns_without_tracing(digits_root, tmp_path):
    """Plain CutMix, 3 epochs in this process: the loss falls and nothing is traced."""
    cfg = Config.fromfile(BASELINE)
    cfg.work_dir = str(tmp_path)
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=100)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.default_hooks.logger.interval = 5
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    Runner.from_cfg(cfg).train()
    losses = logged(tmp_path, 'loss')
    assert len(losses) == 3 * 3 and logged(tmp_path, 'align_gap') == []
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3 - 0.1, losses


def test_head_loss_gets_the_traced_label(digits_root, tmp_path):
    """One step of the TL-Align config: the label the loss sees is the naive reference's."""
    from tlalign_mm.augments import MixRecord
    cfg = Config.fromfile(TLALIGN)
    cfg.work_dir = str(tmp_path)
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False, batch_size=8)
    cfg.train_dataloader.dataset['indices'] = list(range(0, 400, 50))  # 8 different digits
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=100)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    runner = Runner.from_cfg(cfg)
    model = runner.model
    model.init_weights()  # now, so the runner's start does not undo the sharpening below
    torch.manual_seed(0)
    with torch.no_grad():  # peaked attention, so the traced label differs from the area ratio
        for name, param in model.backbone.named_parameters():
            if name.endswith('low_mixer.qkv.weight'):
                param.normal_(0, 0.5)
    seen = {}
    model.backbone.register_forward_pre_hook(
        lambda module, args: seen.update(images=args[0].detach().clone()))
    stock_loss = model.head.loss

    def spy(feats, data_samples, **kwargs):
        record = MixRecord.from_data_samples(data_samples)
        batch = record.own_mask.size(0)
        share = record.own_mask.reshape(batch, 8, 4, 8, 4).mean(dim=(2, 4)).reshape(batch, 64)
        # In train mode, as the step's forward (its BatchNorms normalise by batch statistics),
        # without touching the running statistics that the step's backward still holds.
        norms = [m for m in model.backbone.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        for norm in norms:
            norm.track_running_stats = False
        final = reference_labels(model.backbone, seen['images'], share[..., None], HEADS)
        for norm in norms:
            norm.track_running_stats = True
        seen['want'] = (final * record.own_score.double() +
                        (1 - final) * record.partner_score.double()).float()
        seen['area'] = record.mixed_score()
        seen['got'] = torch.stack([s.gt_score for s in data_samples])
        return stock_loss(feats, data_samples, **kwargs)

    model.head.loss = spy
    runner.train()
    torch.testing.assert_close(seen['got'], seen['want'], atol=1e-5, rtol=0)
    assert (seen['want'] - seen['area']).abs().max() > 1e-3


@pytest.mark.parametrize('config,schedule', [
    (SEG, ['train_cfg.max_iters=2', 'train_cfg.val_interval=100']),
    (DET, ['train_cfg.max_epochs=1', 'train_cfg.val_interval=100',
           '+train_dataloader.dataset.indices=8']),
], ids=['seg', 'det'])
def test_checkpoint_goes_through_the_dense_configs(trained_digits, config, schedule, tmp_path,
                                                    tool):
    from launch_utils import build_runner, load_config

    checkpoint = trained_digits('iformer_tlalign').checkpoint
    out = tool(['tools/train.py', config, '--work-dir', str(tmp_path / 'train'),
                '--cfg-options', *pretrained_init(checkpoint), *schedule,
                'train_dataloader.batch_size=4', 'default_hooks.logger.interval=1',
                '+val_dataloader.dataset.indices=4', *LOADERS_IN_MAIN_PROCESS],
               env_extra=ONE_THREAD)
    assert out.returncode == 0, out.stderr[-3000:]
    # Every backbone tensor but the new LayerNorms of stages 0-2 (the classifier normalised only
    # its last stage) comes from the checkpoint.
    assert (f'pretrained backbone from {checkpoint}: 132/138 tensors; missing: norm0.bias, '
            'norm0.weight, norm1.bias, norm1.weight, norm2.bias (+1 more); unexpected: none'
            ) in out.stdout + out.stderr
    losses = logged(tmp_path / 'train', 'loss')
    assert len(losses) == 2 and all(torch.isfinite(torch.tensor(losses)))

    # The initialised backbone holds exactly the checkpoint's tensors (the position embeddings
    # keep their 32 px grids and are resized at forward time).
    cfg = load_config(config, {'pretrained': checkpoint}, str(tmp_path / 'init'), 'none')
    runner = build_runner(cfg, ('train_dataloader', ), check_pretrained=True)
    runner.model.init_weights()
    own = runner.model.backbone.state_dict()
    state = safe_torch_load(checkpoint)['state_dict']
    trained = {k[len('backbone.'):]: v for k, v in state.items() if k.startswith('backbone.')}
    assert sorted(set(own) - set(trained)) == [f'norm{i}.{p}' for i in range(3)
                                               for p in ('bias', 'weight')]
    assert set(trained) <= set(own)
    for key, value in trained.items():
        torch.testing.assert_close(own[key], value, rtol=0, atol=0, msg=key)
