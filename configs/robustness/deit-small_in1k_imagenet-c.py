# An ImageNet-1k DeiT-S checkpoint on ImageNet-C: 15 corruptions x 5 severities of the 50,000 val
# images (224 px centre crops already, so no resize). Reports the accuracy of every corruption
# and severity, their mean (mean_acc) and mCE against AlexNet's errors (100 = AlexNet).
#   python tools/test.py configs/robustness/deit-small_in1k_imagenet-c.py CKPT
# Data: $IMAGENET_C_ROOT (default data/imagenet-c): <corruption>/<severity>/<wnid>/*.JPEG.
# One corruption only: --cfg-options "test_dataloader.dataset.corruptions=['fog']"
_base_ = ['../pretrain/deit/deit-small_cutmix_8xb128_in1k.py']

# AlexNet's top-1 error on each ImageNet-C corruption, averaged over the five severities: the
# normaliser of the published mCE.
alexnet_errors = dict(
    gaussian_noise=0.886428, shot_noise=0.894468, impulse_noise=0.922640,
    defocus_blur=0.819880, glass_blur=0.826268, motion_blur=0.785948, zoom_blur=0.798360,
    snow=0.866816, frost=0.826572, fog=0.819324, brightness=0.564592, contrast=0.853204,
    elastic_transform=0.646056, pixelate=0.717840, jpeg_compression=0.606500)
corruption_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs', meta_keys=('sample_idx', 'img_path', 'ori_shape', 'img_shape',
                                       'corruption', 'severity')),
]
test_dataloader = dict(
    batch_size=128,
    num_workers=8,
    dataset=dict(
        _delete_=True,
        type='ImageNetCDataset',
        data_root='{{$IMAGENET_C_ROOT:data/imagenet-c}}',
        pipeline=corruption_test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False),
)
test_evaluator = dict(_delete_=True, type='CorruptionAccuracy', reference_errors=alexnet_errors,
                      prefix='imagenet-c')
