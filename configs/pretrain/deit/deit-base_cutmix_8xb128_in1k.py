# DeiT-B baseline: the DeiT-S recipe (see deit-small_cutmix_8xb128_in1k.py) with the base arch.
_base_ = ['./deit-small_cutmix_8xb128_in1k.py']
model = dict(backbone=dict(arch='deit-base'), head=dict(in_channels=768))
