# UperNet + LV-ViT-L on ADE20K (published single/multi-scale mIoU 50.9/51.8): the LV-ViT-S
# recipe with block outputs (14, 17, 20, 23) (0-based) and drop path 0.3.
#   bash tools/dist_train.sh configs/seg/upernet_lvvit-l_8xb2-160k_ade20k-512x512.py 8
_base_ = ['./upernet_lvvit-s_8xb2-160k_ade20k-512x512.py']

pretrained = 'work_dirs/lvvit-l_token-labeling_8xb128_in1k/epoch_310.pth'
model = dict(
    backbone=dict(
        arch='l',
        out_indices=(14, 17, 20, 23),
        drop_path_rate=0.3,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(in_channels=[768, 768, 768, 768], out_channels=768),
    decode_head=dict(in_channels=[768, 768, 768, 768]),
    auxiliary_head=dict(in_channels=768),
)
