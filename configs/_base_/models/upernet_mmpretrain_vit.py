# UperNet over an mmpretrain VisionTransformer, as mmseg's ViT-UperNet recipe
# (`mmseg::vit/vit_deit-*_mln_upernet_8xb2-160k_ade20k-512x512.py`) but with mmpretrain's backbone,
# so an mmpretrain classifier checkpoint loads with prefix 'backbone.'. The patch tokens of blocks
# 3, 6, 9 and 12 are reshaped to stride-16 maps and MultiLevelNeck rescales them to strides
# 4, 8, 16 and 32 for UPerHead. Defaults are DeiT-B; leaf configs override arch and channels.
# The checkpoint's 224x224 pos_embed is resized to the 32x32 grid of img_size=512 by mmpretrain's
# load pre-hook, and to other grids (whole-image testing) at run time by its forward.
_base_ = ['mmseg::_base_/models/upernet_vit-b16_ln_mln.py']

model = dict(
    pretrained=None,  # the backbone's init_cfg carries the checkpoint (leaf `pretrained`)
    data_preprocessor=dict(size=(512, 512)),  # the dataset's crop_size
    backbone=dict(
        _delete_=True,
        type='mmpretrain.VisionTransformer',
        arch='deit-base',
        img_size=512,
        patch_size=16,
        out_indices=(2, 5, 8, 11),
        out_type='featmap',
        final_norm=False,  # mmseg's "mln" recipe: no final LayerNorm on the block outputs
        drop_path_rate=0.1,
        interpolate_mode='bicubic'),
    neck=dict(in_channels=[768, 768, 768, 768], out_channels=768, scales=[4, 2, 1, 0.5]),
    decode_head=dict(in_channels=[768, 768, 768, 768], num_classes=150),
    auxiliary_head=dict(in_channels=768, in_index=3, num_classes=150),
)
