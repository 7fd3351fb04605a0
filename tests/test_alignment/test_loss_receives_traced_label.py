"""The head's loss receives exactly the traced label: one real training step through the digits
configs' own preprocessor, batch augment and TLAlignHook, checked against the naive references.

The spy sits on ``head.loss``: what it sees is what the loss is computed against. The reference
gets the very images the backbone saw and the batch's own mix record, pools the pixel mask onto
the patch grid by plain reshaping, propagates full labels in float64 by hand (ViT:
:mod:`.naive_reference`; Swin: the reference of :mod:`.test_swin_alignment`) and mixes the two
sources itself. An area-ratio label, a dropped block or a mis-pooled patch all fail it.
"""
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from ..conftest import config_path
from .naive_reference import reference_vit_labels
from .test_swin_alignment import reference_swin_labels

CONFIGS = dict(
    vit=config_path('pretrain', 'deit', 'deit-digits_tlalign_digits.py'),
    swin=config_path('pretrain', 'swin', 'swin-digits_tlalign_digits.py'),
)
NO_WORKERS = dict(num_workers=0, persistent_workers=False)


def one_step_runner(config, mode, work_dir):
    cfg = Config.fromfile(config)
    cfg.work_dir = str(work_dir)
    cfg.train_dataloader.update(NO_WORKERS, batch_size=8)
    # The annotation file is sorted by class: take 8 images of 8 different digits.
    cfg.train_dataloader.dataset['indices'] = list(range(0, 400, 50))
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=100)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.custom_hooks = [dict(type='TLAlignHook', label_mode=mode)]
    return Runner.from_cfg(cfg)


def sharpen(backbone):
    """Peaked attention: near-uniform rows at init would leave every label at λ."""
    torch.manual_seed(0)
    with torch.no_grad():
        for name, param in backbone.named_parameters():
            if 'qkv.weight' in name:
                param.normal_(0, 0.5)


def own_share_per_patch(own_mask, patch):
    batch, height, width = own_mask.shape
    cells = own_mask.reshape(batch, height // patch, patch, width // patch, patch)
    return cells.mean(dim=(2, 4)).flatten(1).double()


def expected_label(backbone, images, record, mode):
    """The reference aligned label for the batch (float64 math, then the loss's float32)."""
    own, partner = record.own_score.double(), record.partner_score.double()
    share = own_share_per_patch(record.own_mask, backbone.patch_embed.projection.stride[0])
    if mode == 'scalar':
        patch_labels, cls_label = share[..., None], record.lam.double()[:, None]
    else:
        patch_labels = share[..., None] * own[:, None] + (1 - share[..., None]) * partner[:, None]
        cls_label = record.lam.double()[:, None] * own + (1 - record.lam.double()[:, None]) * partner
    if hasattr(backbone, 'layers'):
        final = reference_vit_labels(backbone, images, patch_labels, cls_label).double()
    else:
        final = reference_swin_labels(backbone, images, patch_labels).double()
    backbone.train()
    if mode == 'scalar':
        final = final[:, :1] * own + (1 - final[:, :1]) * partner
    return final.float()


@pytest.mark.parametrize('mode', ['scalar', 'kdim'])
@pytest.mark.parametrize('backbone', ['vit', 'swin'])
def test_head_loss_gets_the_traced_label(digits_root, tmp_path, backbone, mode):
    from tlalign_mm.augments import MixRecord

    runner = one_step_runner(CONFIGS[backbone], mode, tmp_path)
    model = runner.model
    sharpen(model.backbone)
    seen = {}
    model.backbone.register_forward_pre_hook(
        lambda module, args: seen.update(images=args[0].detach().clone()))
    stock_loss = model.head.loss

    def spy(feats, data_samples, **kwargs):
        record = MixRecord.from_data_samples(data_samples)
        seen['got'] = torch.stack([s.gt_score for s in data_samples])
        seen['area'] = record.mixed_score()
        seen['want'] = expected_label(model.backbone, seen['images'], record, mode)
        return stock_loss(feats, data_samples, **kwargs)

    model.head.loss = spy
    runner.train()
    assert seen['got'].shape == (8, 10)
    torch.testing.assert_close(seen['got'], seen['want'], atol=1e-5, rtol=0)
    # Not a vacuous match: the traced label is far from the area-ratio label here.
    assert (seen['want'] - seen['area']).abs().max() > 1e-2
