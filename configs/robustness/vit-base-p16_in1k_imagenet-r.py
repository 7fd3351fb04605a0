# An ImageNet-1k ViT-B/16 checkpoint on ImageNet-R:
# deit-small_in1k_imagenet-r.py with the base arch.
#   python tools/test.py configs/robustness/vit-base-p16_in1k_imagenet-r.py CKPT
_base_ = ['./deit-small_in1k_imagenet-r.py']
model = dict(backbone=dict(arch='deit-base'), head=dict(in_channels=768))
