# An ImageNet-1k ViT-B/16 checkpoint on ImageNet-A:
# deit-small_in1k_imagenet-a.py with the base arch.
#   python tools/test.py configs/robustness/vit-base-p16_in1k_imagenet-a.py CKPT
_base_ = ['./deit-small_in1k_imagenet-a.py']
model = dict(backbone=dict(arch='deit-base'), head=dict(in_channels=768))
