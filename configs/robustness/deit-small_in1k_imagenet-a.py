# An ImageNet-1k DeiT-S checkpoint on ImageNet-A (7,500 natural adversarial images, 200 classes;
# the 1000-way logits restricted to those 200, top-1/top-5 in percent).
#   python tools/test.py configs/robustness/deit-small_in1k_imagenet-a.py CKPT
# Data: $IMAGENET_A_ROOT (default data/imagenet-a), the archive unpacked: one folder per wnid.
# The 1000-class output order is read from ImageNet's train/ folder ($IMAGENET_ROOT/train, its
# sorted wnids); without it pass a text file with the 1000 wnids in order:
#   --cfg-options test_dataloader.dataset.parent_classes=data/imagenet/meta/wnids.txt
_base_ = ['../pretrain/deit/deit-small_cutmix_8xb128_in1k.py']

subset_name = 'imagenet-a'
subset_root = '{{$IMAGENET_A_ROOT:data/imagenet-a}}'
robust_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
test_dataloader = dict(
    batch_size=128,
    num_workers=8,
    dataset=dict(
        _delete_=True,
        type='ImageNetSubsetDataset',
        data_root=subset_root,
        parent_classes='{{$IMAGENET_ROOT:data/imagenet}}/train',
        pipeline=robust_test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_evaluator = dict(_delete_=True, type='SubsetAccuracy', topk=(1, 5), prefix=subset_name)
