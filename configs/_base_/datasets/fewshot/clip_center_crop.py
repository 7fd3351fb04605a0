# The KAdaptation authors' few-shot preprocessing (their ELEVATER `transform_clip` with
# DATASET.CENTER_CROP): the same deterministic resize + centre crop for training and testing, no
# random augmentation. Bicubic, short side to 224, crop 224.
clip_center_crop = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=224, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
