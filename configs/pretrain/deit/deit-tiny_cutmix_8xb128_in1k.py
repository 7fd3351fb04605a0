# DeiT-T baseline: the DeiT-S recipe (see deit-small_cutmix_8xb128_in1k.py) with the tiny arch.
_base_ = ['./deit-small_cutmix_8xb128_in1k.py']
model = dict(backbone=dict(arch='deit-tiny'), head=dict(in_channels=192))
