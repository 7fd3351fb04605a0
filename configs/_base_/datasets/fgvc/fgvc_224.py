# What every fine-grained transfer dataset shares: 224 px pipelines and loaders. The pipelines
# are the standard transfer/linear-evaluation ones (DeiT transfer, DINO linear evaluation):
# RandomResizedCrop + horizontal flip for training, short side 256 + centre crop 224 for testing,
# bicubic Pillow resizing as in the pre-training. No RandAugment, random erasing or batch mixing:
# the downstream run must add nothing that interacts with how the pre-training arms mixed.
# ImageNet normalisation, because the pre-training checkpoints were trained with it.
# 8 GPUs x 96 = 768 images a batch (the DeiT transfer batch); the schedules' lr is for 768.
data_preprocessor = dict(
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,  # LoadImageFromFile gives BGR
)
fgvc_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224, backend='pillow', interpolation='bicubic'),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
fgvc_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow', interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    batch_size=96,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=96,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
)
# Each dataset file sets test_dataloader = val_dataloader again (its own dataset); this one gives
# the merged test loader its batch size and sampler.
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator
