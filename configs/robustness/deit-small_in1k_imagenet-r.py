# An ImageNet-1k DeiT-S checkpoint on ImageNet-R (30,000 renditions: art, cartoons, sketches...,
# 200 classes; the 1000-way logits restricted to those 200).
#   python tools/test.py configs/robustness/deit-small_in1k_imagenet-r.py CKPT
# Data: $IMAGENET_R_ROOT (default data/imagenet-r), one folder per wnid; class order as in
# deit-small_in1k_imagenet-a.py.
_base_ = ['./deit-small_in1k_imagenet-a.py']
test_dataloader = dict(dataset=dict(data_root='{{$IMAGENET_R_ROOT:data/imagenet-r}}'))
test_evaluator = dict(prefix='imagenet-r')
