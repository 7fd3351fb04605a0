# Mask R-CNN + FPN over an mmpretrain SwinTransformer, as mmdet's Swin recipe
# (`mmdet::swin/mask-rcnn_swin-t-p4-w7_fpn_1x_coco.py`) but with mmpretrain's backbone, so an
# mmpretrain classifier checkpoint loads with prefix 'backbone.'. The four LayerNorm-ed stage maps
# (strides 4-32) feed the FPN. Defaults are Swin-T (Swin-S has the same widths).
# img_size stays at the pre-training 224 (Swin has no absolute position embedding, so it only sizes
# bookkeeping); 7x7 windows are padded to any input. pad_small_map=True always pads and shifts, as
# mmdet's own Swin does.
_base_ = ['mmdet::_base_/models/mask-rcnn_r50_fpn.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.SwinTransformer',
        arch='tiny',
        img_size=224,
        window_size=7,
        pad_small_map=True,
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.2),
    neck=dict(in_channels=[96, 192, 384, 768]),
)
