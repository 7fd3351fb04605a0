# UperNet on the ADE20K-format digits with the tiny iFormer backbone: mmseg's Swin-UperNet recipe
# with tlalign_mm's IFormer (hierarchical, every stage feeds UperNet directly; no neck), so any
# classifier checkpoint of that arch (configs/pretrain/iformer/iformer-digits_*) loads into it.
# Set `pretrained` to a checkpoint to transfer (tools/train.py --cfg-options pretrained=PATH).
_base_ = [
    'mmseg::_base_/models/upernet_swin.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/digits_seg_poly.py',
    '../_base_/datasets/digits_ade20k.py',
    '../_base_/models/iformer_digits_arch.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

pretrained = None  # path of an mmpretrain classifier checkpoint (prefix 'backbone.')
norm_cfg = dict(type='BN', requires_grad=True)
num_classes = 11
model = dict(
    data_preprocessor=dict(size=(32, 32)),
    backbone=dict(
        _delete_=True,
        type='mmpretrain.IFormer',
        arch={{_base_.iformer_digits_arch}},
        img_size=32,
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.1),
    decode_head=dict(in_channels={{_base_.iformer_digits_channels}}, in_index=[0, 1, 2, 3],
                     channels=64, num_classes=num_classes, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=96, in_index=2, channels=32, num_classes=num_classes,
                        norm_cfg=norm_cfg),
    test_cfg=dict(mode='whole'),
)

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=6e-4, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={
        'pos_embed': dict(decay_mult=0.),
        'norm': dict(decay_mult=0.)
    }))
