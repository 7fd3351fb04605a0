# UperNet + LV-ViT-M with the authors' side layers (their upernet_lvvit_m config; published
# single/multi-scale mIoU 49.4/50.6): block outputs (10, 13, 16, 19), widths 512/512/512/2048,
# heads of 256 channels. The backbone settings are upernet_lvvit-m_8xb2-160k_ade20k-512x512.py's.
_base_ = ['./upernet_lvvit-s_side-layers_8xb2-160k_ade20k-512x512.py']
pretrained = 'work_dirs/lvvit-m_token-labeling_8xb128_in1k/epoch_310.pth'
model = dict(
    backbone=dict(arch='m', out_indices=(10, 13, 16, 19), drop_path_rate=0.2,
                  init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(in_channels=512),
    decode_head=dict(in_channels=[512, 512, 512, 2048]),
    auxiliary_head=dict(in_channels=512),
)
