# Swin-T for fine-grained transfer: mmpretrain's SwinTransformer (arch tiny, 224 px, window 7)
# with global average pooling and a linear head, as in mmpretrain's swin-tiny config. No
# stochastic depth, as in the DeiT-S transfer configs (one recipe for both backbones). Each leaf
# config sets head.num_classes from its dataset and backbone.init_cfg from its `pretrained`
# checkpoint; mmpretrain adapts relative-position tables on load.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='SwinTransformer',
        arch='tiny',
        img_size=224,
        drop_path_rate=0.0),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        in_channels=768,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    ),
)
