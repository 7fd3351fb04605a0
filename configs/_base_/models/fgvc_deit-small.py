# DeiT-S for fine-grained transfer: mmpretrain's VisionTransformer (arch deit-small, 16 px
# patches, 224 px) with DeiT's class-token head, as in mmpretrain's deit-small config. No
# stochastic depth: DeiT's transfer recipe removes it. Each leaf config sets head.num_classes
# from its dataset and backbone.init_cfg from its `pretrained` checkpoint; mmpretrain resizes the
# position embedding on load when the checkpoint's grid differs.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='VisionTransformer',
        arch='deit-small',
        img_size=224,
        patch_size=16,
        drop_path_rate=0.0),
    neck=None,
    head=dict(
        type='VisionTransformerClsHead',
        in_channels=384,
        loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
    ),
)
