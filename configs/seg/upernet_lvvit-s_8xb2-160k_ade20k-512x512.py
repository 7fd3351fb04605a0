# UperNet + LV-ViT-S on ADE20K, 512x512 crops, 160k iterations, 8 GPUs x 2 images (published
# single/multi-scale mIoU 47.9/48.6). Block outputs (6, 9, 12, 15) (0-based, the authors'
# choice) reshaped to stride-16 maps and rescaled to strides 4/8/16/32 by MultiLevelNeck; AdamW 6e-5, wd 0.01, 1500
# warm-up iterations then poly; sliding-window test 512 / stride 341. The backbone keeps its
# re-scaled residual and a real drop-path rate of 0.1 (the authors' seg code passes the rate as
# dropout and drops L's residual scale: not copied).
# Dataset: $ADE20K_ROOT (default data/ade/ADEChallengeData2016).
#   bash tools/dist_train.sh configs/seg/upernet_lvvit-s_8xb2-160k_ade20k-512x512.py 8
# Checkpoint: `pretrained`, any LV-ViT-S classifier checkpoint of ours (token labeling, TL-Align x
# token labeling, or the authors' release after tools/model_converters/lvvit_to_mmpretrain.py).
_base_ = [
    '../_base_/models/upernet_mmpretrain_vit.py',
    '../_base_/datasets/ade20k_env.py',
    '../_base_/schedules/upernet_adamw_160k.py',
    'mmseg::_base_/default_runtime.py',
]
custom_imports = dict(imports=['tlalign_mm'], allow_failed_imports=False)

pretrained = 'work_dirs/lvvit-s_token-labeling_8xb128_in1k/epoch_310.pth'
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.LVViT',
        arch='s',
        img_size=512,
        out_indices=(6, 9, 12, 15),
        out_type='featmap',
        final_norm=False,
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(in_channels=[384, 384, 384, 384], out_channels=384),
    decode_head=dict(in_channels=[384, 384, 384, 384]),
    auxiliary_head=dict(in_channels=384),
    test_cfg=dict(mode='slide', crop_size=(512, 512), stride=(341, 341)),
)
