# Mask R-CNN + FPN over an iFormer (tlalign_mm IFormer, registered in mmpretrain), mmdet's Swin
# Mask R-CNN recipe with the backbone swapped, so a classifier checkpoint of
# configs/pretrain/iformer/ (or one converted from the authors' release) loads with prefix
# 'backbone.'. The four LayerNorm-ed stage maps (strides 4-32) feed the FPN; the position
# embeddings (pre-training 224 grid) are resized to every input at forward time, any size and
# aspect ratio. Defaults are iFormer-S.
_base_ = ['mmdet::_base_/models/mask-rcnn_r50_fpn.py']

model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.IFormer',
        arch='small',
        img_size=224,
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.2),
    neck=dict(in_channels=[96, 192, 320, 384]),
)
