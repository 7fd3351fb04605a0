# UperNet + iFormer-base (the four stage outputs) on ADE20K, 512x512 crops, 160k iterations,
# 8 GPUs x 2 images (mmseg's Swin UperNet recipe; the iFormer paper reports S + UperNet 48.4
# mIoU). Dataset: $ADE20K_ROOT (default data/ade/ADEChallengeData2016).
#   bash tools/dist_train.sh configs/seg/upernet_iformer-base_8xb2-160k_ade20k-512x512.py 8
# Checkpoint: `pretrained` (default: the Mixup+CutMix pre-training's last epoch); another arm,
# or the authors' converted weights: --cfg-options pretrained=PATH
_base_ = [
    '../_base_/models/upernet_mmpretrain_iformer.py',
    '../_base_/datasets/ade20k_env.py',
    '../_base_/schedules/upernet_adamw_160k.py',
    'mmseg::_base_/default_runtime.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

pretrained = 'work_dirs/iformer-base_mixup-cutmix_8xb128_in1k/epoch_310.pth'
model = dict(
    backbone=dict(
        arch='base',
        drop_path_rate=0.3,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    decode_head=dict(in_channels=[96, 192, 384, 512]),
    auxiliary_head=dict(in_channels=384),
)
