# Mask R-CNN + FPN over an mmpretrain VisionTransformer. A plain ViT has one stride-16 scale, so
# the patch tokens of blocks 3, 6, 9 and 12 are reshaped to maps and mmseg's MultiLevelNeck
# rescales them (x4, x2, x1, x0.5) to the strides 4-32 that mmdet's FPN and Mask R-CNN heads
# expect - the same pyramid as the ViT-UperNet recipe. Defaults are DeiT-S.
# img_size=1024 fixes the stored position-embedding grid (64x64): mmpretrain's load pre-hook
# resizes the checkpoint's 14x14 grid to it, and its forward resizes it again (bicubic) to each
# batch's padded size; the data preprocessor pads to multiples of 32 (= two patches) so all four
# levels tile the image exactly.
_base_ = ['mmdet::_base_/models/mask-rcnn_r50_fpn.py']

model = dict(
    data_preprocessor=dict(pad_size_divisor=32),
    backbone=dict(
        _delete_=True,
        type='mmpretrain.VisionTransformer',
        arch='deit-small',
        img_size=1024,
        patch_size=16,
        out_indices=(2, 5, 8, 11),
        out_type='featmap',
        final_norm=False,
        drop_path_rate=0.1,
        interpolate_mode='bicubic'),
    neck=[
        dict(type='mmseg.MultiLevelNeck', in_channels=[384, 384, 384, 384], out_channels=384,
             scales=[4, 2, 1, 0.5]),
        dict(type='FPN', in_channels=[384, 384, 384, 384], out_channels=256, num_outs=5),
    ],
)
