# A CIFAR-100 fine-tuned DeiT-S (configs/fgvc/deit-small_finetune_cifar100-224.py) on CIFAR-100-C:
# 15 corruptions x 5 severities of the 10,000 test images, upsampled to 224 px like the training.
#   python tools/test.py configs/robustness/deit-small_cifar100-224_cifar100-c.py CKPT
# Data: $CIFAR100C_ROOT (default data/CIFAR-100-C), the archive unpacked: <corruption>.npy and
# labels.npy. Images are RGB arrays (to_rgb=False, as in the fine-tuning config).
_base_ = ['../fgvc/deit-small_finetune_cifar100-224.py']

cifar_c_test_pipeline = [
    dict(type='Resize', scale=(224, 224), backend='pillow', interpolation='bicubic'),
    dict(type='PackInputs', meta_keys=('sample_idx', 'ori_shape', 'img_shape', 'corruption',
                                       'severity')),
]
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CIFAR100CDataset',
        data_root='{{$CIFAR100C_ROOT:data/CIFAR-100-C}}',
        pipeline=cifar_c_test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_evaluator = dict(_delete_=True, type='CorruptionAccuracy', prefix='cifar100-c')
