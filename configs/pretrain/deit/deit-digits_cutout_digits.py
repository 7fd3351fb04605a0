# Cutout baseline: tiny DeiT on the digits data with mmpretrain's Cutout transform (one 16 px
# square, half the 32 px side as DeVries & Taylor use on 32 px CIFAR, filled with grey, on every
# image) and no batch mixing, so hard labels; everything else is the CutMix baseline's recipe.
_base_ = ['./deit-digits_cutmix_digits.py']

model = dict(train_cfg=dict(_delete_=True))
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=32, crop_ratio_range=(0.85, 1.0), backend='pillow'),
    dict(type='Cutout', shape=16, pad_val=128, prob=1.0),
    dict(type='PackInputs'),
]))
