# UperNet + LV-ViT-M on ADE20K (published single/multi-scale mIoU 49.4/50.6): the LV-ViT-S
# recipe with block outputs (10, 13, 16, 19) (0-based) and drop path 0.2.
#   bash tools/dist_train.sh configs/seg/upernet_lvvit-m_8xb2-160k_ade20k-512x512.py 8
_base_ = ['./upernet_lvvit-s_8xb2-160k_ade20k-512x512.py']

pretrained = 'work_dirs/lvvit-m_token-labeling_8xb128_in1k/epoch_310.pth'
model = dict(
    backbone=dict(
        arch='m',
        out_indices=(10, 13, 16, 19),
        drop_path_rate=0.2,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(in_channels=[512, 512, 512, 512], out_channels=512),
    decode_head=dict(in_channels=[512, 512, 512, 512]),
    auxiliary_head=dict(in_channels=512),
)
