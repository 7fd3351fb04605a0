# UperNet + LV-ViT-L with the authors' side layers (their upernet_lvvit_l config; published
# single/multi-scale mIoU 50.9/51.8): block outputs (14, 17, 20, 23), widths 768/768/768/2048,
# heads of 512 channels (L's, where S/M use 256). The backbone settings are
# upernet_lvvit-l_8xb2-160k_ade20k-512x512.py's.
_base_ = ['./upernet_lvvit-s_side-layers_8xb2-160k_ade20k-512x512.py']
pretrained = 'work_dirs/lvvit-l_token-labeling_8xb128_in1k/epoch_310.pth'
model = dict(
    backbone=dict(arch='l', out_indices=(14, 17, 20, 23), drop_path_rate=0.3,
                  init_cfg=dict(type='Pretrained', checkpoint=pretrained, prefix='backbone.')),
    neck=dict(in_channels=768),
    decode_head=dict(in_channels=[768, 768, 768, 2048], channels=512),
    auxiliary_head=dict(in_channels=768, channels=512),
)
