# Mask R-CNN + FPN with a Swin-S (mmpretrain SwinTransformer 'small') backbone on COCO, 1x schedule
# (12 epochs) with the Swin paper's multi-scale training: short side 480-800 step 32 (or the
# 400-600 resize + 384-600 crop branch), the Swin-T 1x recipe of
# mask-rcnn_swin-tiny_fpn_ms-crop-1x_coco.py with the drop path of the Swin authors' Swin-S
# config, 0.2 (the Swin paper has no Swin-S 1x row). 8 GPUs x 2 images; --amp for fp16.
# mmdet's single-scale 1333x800 1x recipe is mask-rcnn_swin-small_fpn_1x_coco.py.
# Dataset: $COCO_ROOT (default data/coco/).
#   bash tools/dist_train.sh configs/det/mask-rcnn_swin-small_fpn_ms-crop-1x_coco.py 8
# Checkpoint: `pretrained` (default: the CutMix-baseline pre-training's last epoch); evaluate
# another arm with the same file: --cfg-options pretrained=work_dirs/<pretrain config>/epoch_300.pth
_base_ = [
    '../_base_/models/mask-rcnn_mmpretrain_swin_fpn.py',
    '../_base_/datasets/coco_instance_ms-crop.py',
    '../_base_/schedules/mask-rcnn_adamw_1x.py',
    'mmdet::_base_/default_runtime.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

pretrained = 'work_dirs/swin-small_cutmix_8xb128_in1k/epoch_300.pth'
model = dict(
    backbone=dict(
        arch='small',
        drop_path_rate=0.2,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')))
# The newest 3 epoch checkpoints are kept. The Swin authors trained in fp16: add --amp on a GPU
# (AmpOptimWrapper, dynamic loss scale). The file itself stays fp32 because mmcv's CPU detection
# ops (nms, RoIAlign) take no bfloat16, so CPU autocast cannot run it.
default_hooks = dict(checkpoint=dict(max_keep_ckpts=3))
