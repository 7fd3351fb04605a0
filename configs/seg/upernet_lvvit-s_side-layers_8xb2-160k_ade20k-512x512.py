# UperNet + LV-ViT-S on ADE20K as the LV-ViT authors built it (their
# seg/configs/lvvit/upernet_lvvit_s_512x512_160k_ade20k.py; published single/multi-scale mIoU
# 47.9/48.6): the paper-reproduction config beside the mmseg-style one
# (upernet_lvvit-s_8xb2-160k_ade20k-512x512.py, MultiLevelNeck at strides 4/8/16/32). Here the
# authors' side layers (`LVViTSideLayers`) turn block outputs (6, 9, 12, 15) into strides
# 4/8/16/16 with widths 384/384/384/2048; UperHead and the auxiliary FCNHead (on the third map)
# have 256 channels. Schedule, data and test mode are the mmseg-style config's (the authors').
#   bash tools/dist_train.sh configs/seg/upernet_lvvit-s_side-layers_8xb2-160k_ade20k-512x512.py 8
_base_ = ['./upernet_lvvit-s_8xb2-160k_ade20k-512x512.py']
embed_dims, last_channels, head_channels = 384, 2048, 256
model = dict(
    neck=dict(_delete_=True, type='mmpretrain.LVViTSideLayers', in_channels=embed_dims,
              last_channels=last_channels, norm_cfg=dict(type='SyncBN', requires_grad=True)),
    decode_head=dict(in_channels=[embed_dims] * 3 + [last_channels], channels=head_channels),
    auxiliary_head=dict(in_channels=embed_dims, in_index=2, channels=head_channels),
)
