# UperNet over an iFormer (tlalign_mm IFormer, registered in mmpretrain), mmseg's Swin-UperNet
# recipe with the backbone swapped, so a classifier checkpoint of configs/pretrain/iformer/ (or
# one converted from the authors' release with tools/model_converters/iformer_to_mmpretrain.py)
# loads with prefix 'backbone.'. out_indices (0, 1, 2, 3): one LayerNorm-ed NCHW map per stage
# (strides 4-32, as the iFormer paper feeds UperNet). img_size stays the pre-training 224: the
# stage position embeddings are resized bilinearly to each input's grid at forward time, so the
# checkpoint loads unchanged. Defaults are iFormer-S; leaf configs set arch and head channels.
_base_ = ['mmseg::_base_/models/upernet_swin.py']

model = dict(
    pretrained=None,  # the backbone's init_cfg carries the checkpoint (leaf `pretrained`)
    data_preprocessor=dict(size=(512, 512)),  # the dataset's crop_size
    backbone=dict(
        _delete_=True,
        type='mmpretrain.IFormer',
        arch='small',
        img_size=224,
        out_indices=(0, 1, 2, 3),
        drop_path_rate=0.2),
    decode_head=dict(in_channels=[96, 192, 320, 384], num_classes=150),
    auxiliary_head=dict(in_channels=320, in_index=2, num_classes=150),
)
