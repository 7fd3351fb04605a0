# UperNet over an mmpretrain SwinTransformer, as mmseg's Swin-UperNet recipe
# (`mmseg::swin/swin-tiny-patch4-window7-in1k-pre_upernet_8xb2-160k_ade20k-512x512.py`) but with
# mmpretrain's backbone, so an mmpretrain classifier checkpoint loads with prefix 'backbone.'.
# out_indices (0, 1, 2, 3) gives one LayerNorm-ed NCHW map per stage (strides 4-32). Defaults are
# Swin-T; leaf configs override arch and the head channels.
# Swin has no absolute position embedding (use_abs_pos_embed=False), so img_size only sizes the
# patch grid bookkeeping: it stays at the pre-training 224 and windows (7x7, as pre-trained) are
# padded for 512 crops. Relative-position-bias tables load unchanged since the window is the same.
# pad_small_map=True always pads and shifts windows, as mmseg's and mmdet's own Swin do (mmpretrain
# otherwise refuses maps smaller than a window, e.g. the last stage of a short image).
_base_ = ['mmseg::_base_/models/upernet_swin.py']

model = dict(
    pretrained=None,  # the backbone's init_cfg carries the checkpoint (leaf `pretrained`)
    data_preprocessor=dict(size=(512, 512)),  # the dataset's crop_size
    backbone=dict(
        _delete_=True,
        type='mmpretrain.SwinTransformer',
        arch='tiny',
        img_size=224,
        window_size=7,
        pad_small_map=True,
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.3),
    decode_head=dict(in_channels=[96, 192, 384, 768], num_classes=150),
    auxiliary_head=dict(in_channels=384, in_index=2, num_classes=150),
)
