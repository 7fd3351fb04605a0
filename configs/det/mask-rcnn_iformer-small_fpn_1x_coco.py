# Mask R-CNN + FPN with an iFormer-small backbone on COCO,
# 1x schedule (12 epochs, single-scale 1333x800),
# 8 GPUs x 2 images (mmdet's Swin recipe; the iFormer paper reports 1x S 46.2 box / 41.9 mask AP,
# B 48.3 / 43.3). Dataset: $COCO_ROOT (default data/coco/).
#   bash tools/dist_train.sh configs/det/mask-rcnn_iformer-small_fpn_1x_coco.py 8
# Checkpoint: `pretrained` (default: the Mixup+CutMix pre-training's last epoch).
_base_ = [
    '../_base_/models/mask-rcnn_mmpretrain_iformer_fpn.py',
    '../_base_/datasets/coco_instance_env.py',
    '../_base_/schedules/mask-rcnn_adamw_1x.py',
    'mmdet::_base_/default_runtime.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

pretrained = 'work_dirs/iformer-small_mixup-cutmix_8xb128_in1k/epoch_310.pth'
model = dict(
    backbone=dict(
        arch='small',
        drop_path_rate=0.2,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(in_channels=[96, 192, 320, 384]))
