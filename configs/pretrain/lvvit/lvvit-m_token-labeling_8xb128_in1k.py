# LV-ViT-M with token labeling on ImageNet-1k (84.0 top-1 at 224 px): drop path 0.2, test crop
# ratio 1.0; otherwise the LV-ViT-S recipe.
_base_ = ['./lvvit-s_token-labeling_8xb128_in1k.py']
arch, embed_dims, drop_path_rate = 'm', 512, 0.2
model = dict(backbone=dict(arch=arch, drop_path_rate=drop_path_rate),
             head=dict(in_channels=embed_dims))
test_pipeline = [  # crop ratio 1.0
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=224, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
