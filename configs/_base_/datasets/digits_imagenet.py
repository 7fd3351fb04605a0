# ImageNet-format digits (tools/dataset_converters/make_digits_datasets.py); 32x32 images.
# The data folder is $TLALIGN_DATA_ROOT (default ./data).
_base_ = ['./digits_cls_pipelines.py']

dataset_type = 'ImageNet'
data_root = '{{$TLALIGN_DATA_ROOT:data}}/digits_imagenet'
data_preprocessor = dict(
    num_classes=10,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True,
)
train_dataloader = dict(
    batch_size=32,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        metainfo=dict(classes={{_base_.digits_classes}}),
        pipeline={{_base_.digits_train_pipeline}}),
    sampler=dict(type='DefaultSampler', shuffle=True),
)
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        metainfo=dict(classes={{_base_.digits_classes}}),
        pipeline={{_base_.digits_test_pipeline}}),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
