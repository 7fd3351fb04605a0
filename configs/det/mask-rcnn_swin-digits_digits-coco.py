# Mask R-CNN on the COCO-format digits with the tiny Swin backbone: the stage outputs (strides 4
# and 8) go straight into mmdet's FPN, which adds the coarser levels, as mmdet's Swin Mask R-CNN
# does with mmpretrain's SwinTransformer swapped in. Any mmpretrain classifier checkpoint of that
# arch (configs/pretrain/swin/swin-digits_*) loads into it: set `pretrained` (tools/train.py
# --cfg-options pretrained=PATH).
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    'mmdet::_base_/default_runtime.py',
    '../_base_/schedules/digits_det_cosine.py',
    '../_base_/datasets/digits_coco.py',
    '../_base_/models/swin_digits_arch.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

pretrained = None  # path of an mmpretrain classifier checkpoint (prefix 'backbone.')
num_classes = 10
model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    backbone=dict(
        _delete_=True,
        type='mmpretrain.SwinTransformer',
        arch={{_base_.swin_digits_arch}},
        img_size=32,
        patch_size={{_base_.swin_digits_patch_size}},
        window_size={{_base_.swin_digits_window_size}},
        out_indices=(0, 1),
        pad_small_map=True,
        drop_path_rate=0.1),
    neck=dict(in_channels={{_base_.swin_digits_channels}}, out_channels=64, num_outs=5),
    rpn_head=dict(in_channels=64, feat_channels=64,
                  anchor_generator=dict(scales=[4])),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=64),
        bbox_head=dict(in_channels=64, fc_out_channels=256, num_classes=num_classes),
        mask_roi_extractor=dict(out_channels=64),
        mask_head=dict(in_channels=64, conv_out_channels=64, num_classes=num_classes)),
)

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=4e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(custom_keys={
        'absolute_pos_embed': dict(decay_mult=0.),
        'relative_position_bias_table': dict(decay_mult=0.),
        'norm': dict(decay_mult=0.)
    }),
    clip_grad=dict(max_norm=10.0))
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval={{_base_.max_epochs}}))
