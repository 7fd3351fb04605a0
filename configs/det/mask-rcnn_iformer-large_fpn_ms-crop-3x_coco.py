# Mask R-CNN + FPN with an iFormer-large backbone on COCO,
# 3x schedule (36 epochs, multi-scale + crop training),
# 8 GPUs x 2 images (mmdet's Swin recipe; the iFormer paper reports 1x S 46.2 box / 41.9 mask AP,
# B 48.3 / 43.3). Dataset: $COCO_ROOT (default data/coco/).
#   bash tools/dist_train.sh configs/det/mask-rcnn_iformer-large_fpn_ms-crop-3x_coco.py 8
# Checkpoint: `pretrained` (default: the Mixup+CutMix pre-training's last epoch).
_base_ = [
    '../_base_/models/mask-rcnn_mmpretrain_iformer_fpn.py',
    '../_base_/datasets/coco_instance_ms-crop.py',
    '../_base_/schedules/mask-rcnn_adamw_3x.py',
    'mmdet::_base_/default_runtime.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

pretrained = 'work_dirs/iformer-large_mixup-cutmix_8xb128_in1k/epoch_310.pth'
model = dict(
    backbone=dict(
        arch='large',
        drop_path_rate=0.4,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(in_channels=[96, 192, 448, 640]))
