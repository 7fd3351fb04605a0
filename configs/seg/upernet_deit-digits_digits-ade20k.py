# UperNet on the ADE20K-format digits with the tiny DeiT backbone: mmseg's ViT-UperNet recipe
# (four block outputs + MultiLevelNeck) with mmpretrain's VisionTransformer, so any mmpretrain
# classifier checkpoint of that arch loads into it: `--cfg-options pretrained=CKPT` transfers one.
_base_ = [
    'mmseg::_base_/models/upernet_vit-b16_ln_mln.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/digits_seg_poly.py',
    '../_base_/datasets/digits_ade20k.py',
    '../_base_/models/deit_digits_arch.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

pretrained = None  # path of an mmpretrain classifier checkpoint (prefix 'backbone.')
norm_cfg = dict(type='BN', requires_grad=True)
num_classes = 11
model = dict(
    pretrained=None,
    data_preprocessor=dict(size=(32, 32)),
    backbone=dict(
        _delete_=True,
        type='mmpretrain.VisionTransformer',
        arch={{_base_.deit_digits_arch}},
        img_size=32,
        patch_size={{_base_.deit_digits_patch_size}},
        out_indices=(0, 1, 2, 3),
        out_type='featmap',
        final_norm=False,
        drop_path_rate=0.0),
    neck=dict(in_channels=[64, 64, 64, 64], out_channels=64, scales=[2, 1, 0.5, 0.25]),
    decode_head=dict(in_channels=[64, 64, 64, 64], channels=64, num_classes=num_classes,
                     norm_cfg=norm_cfg),
    # No auxiliary FCN head: on 32 px scenes it does not change what the four-block backbone
    # learns in 500 iterations (docs/demo.md) and costs ~15% of every iteration.
    auxiliary_head=None,
    test_cfg=dict(mode='whole'),
)

# lr 6e-3 for the new neck and heads: at 6e-4 they stay on the plateau where the ten digits are
# equally likely for the whole schedule. The backbone trains at a tenth of it, the usual
# fine-tuning split: at the full 6e-3 a pre-trained backbone's features are overwritten within
# the first iterations and transfer shows nothing (docs/demo.md). mmengine matches the longest
# key first, hence the explicit backbone position embedding and class token.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=6e-3, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={
        'backbone.pos_embed': dict(lr_mult=0.1, decay_mult=0.),
        'backbone.cls_token': dict(lr_mult=0.1, decay_mult=0.),
        'backbone': dict(lr_mult=0.1),
        'norm': dict(decay_mult=0.)
    }))
