# Mask R-CNN + FPN with a Swin-S (mmpretrain SwinTransformer 'small') backbone on COCO, 3x schedule
# (36 epochs, multi-scale + crop training), 8 GPUs x 2 images.
# Dataset: $COCO_ROOT (default data/coco/).
#   bash tools/dist_train.sh configs/det/mask-rcnn_swin-small_fpn_ms-crop-3x_coco.py 8
# Checkpoint: `pretrained` (default: the CutMix-baseline pre-training's last epoch); evaluate
# another arm with the same file: --cfg-options pretrained=work_dirs/<pretrain config>/epoch_300.pth
_base_ = [
    '../_base_/models/mask-rcnn_mmpretrain_swin_fpn.py',
    '../_base_/datasets/coco_instance_ms-crop.py',
    '../_base_/schedules/mask-rcnn_adamw_3x.py',
    'mmdet::_base_/default_runtime.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

pretrained = 'work_dirs/swin-small_cutmix_8xb128_in1k/epoch_300.pth'
model = dict(
    backbone=dict(
        arch='small',
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')))
