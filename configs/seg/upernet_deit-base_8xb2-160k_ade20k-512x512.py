# UperNet + DeiT-B backbone (mmpretrain VisionTransformer 'deit-base', blocks 3/6/9/12 +
# MultiLevelNeck) on ADE20K, 512x512 crops, 160k iterations, 8 GPUs x 2 images.
# Dataset: $ADE20K_ROOT (default data/ade/ADEChallengeData2016).
#   bash tools/dist_train.sh configs/seg/upernet_deit-base_8xb2-160k_ade20k-512x512.py 8
# Checkpoint: `pretrained` (default: the CutMix-baseline pre-training's last epoch); evaluate
# another arm with the same file: --cfg-options pretrained=work_dirs/<pretrain config>/epoch_300.pth
_base_ = [
    '../_base_/models/upernet_mmpretrain_vit.py',
    '../_base_/datasets/ade20k_env.py',
    '../_base_/schedules/upernet_adamw_160k.py',
    'mmseg::_base_/default_runtime.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

pretrained = 'work_dirs/deit-base_cutmix_8xb128_in1k/epoch_300.pth'
model = dict(
    backbone=dict(
        arch='deit-base',
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(in_channels=[768, 768, 768, 768], out_channels=768),
    decode_head=dict(in_channels=[768, 768, 768, 768]),
    auxiliary_head=dict(in_channels=768),
)
