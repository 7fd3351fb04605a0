# A digits DeiT checkpoint (any configs/pretrain/*/deit-digits_* arm) on digits-C: the digits val
# split under the 15 ImageNet-C corruption families at severities 1-5 (CPU, seconds).
#   python tools/dataset_converters/make_digits_datasets.py data --kinds imagenet imagenet_c
#   python tools/test.py configs/robustness/deit-digits_digits-c.py CKPT
_base_ = ['../pretrain/deit/deit-digits_cutmix_digits.py']

test_dataloader = dict(
    batch_size=256,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='ImageNetCDataset',
        data_root='{{$TLALIGN_DATA_ROOT:data}}/digits_imagenet_c',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='PackInputs', meta_keys=('sample_idx', 'img_path', 'ori_shape',
                                               'img_shape', 'corruption', 'severity')),
        ]),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_evaluator = dict(_delete_=True, type='CorruptionAccuracy', prefix='digits-c')
