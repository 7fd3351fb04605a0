# The quick embedded demo (`make demo`): the digits rendered from scikit-learn's bundled digits
# (made on the first run, in the real dataset formats), the tiny DeiT pre-trained with the
# CutMix baseline and with TL-Align, 3 seeds, plus a from-scratch reference row; every arm is
# scored on digits classification (2,000 validation images from held-out source digits) and
# transferred to ADE20K-format UperNet segmentation with 100 labelled scenes (scored on 1,000).
# Under ten minutes on two idle CPU cores. Detection, CUB-format fine-grained transfer, three
# more arms and a positive control are in the full profile (configs/benchmarks/demo_full.py).
# docs/demo.md says why the data and recipes are sized as they are.
#   python tools/benchmark.py configs/benchmarks/demo.py
arms = dict(
    scratch=dict(pretrain=None, label='From scratch'),
    cutmix=dict(pretrain='configs/pretrain/deit/deit-digits_cutmix_digits.py',
                label='CutMix'),
    tlalign=dict(pretrain='configs/pretrain/deit/deit-digits_tlalign_digits.py',
                 label='TL-Align'),
)
baseline = 'cutmix'  # every other arm: paired difference over seeds with a 95% t interval
tasks = dict(
    classification=dict(type='pretrain', metric='accuracy/top1', label='Digits cls'),
    segmentation=dict(type='transfer', config='configs/seg/upernet_deit-digits_digits-ade20k.py',
                      metric='mIoU', label='ADE20K-fmt seg'),
)
seeds = [0, 1, 2]
# The benchmark's own digits, made once under data/demo (stamped with these sizes): a
# pre-training set of 3,000 renderings (300 per class) and 2,000 validation images, downstream
# sets with few labelled images and large evaluation splits. $TLALIGN_DATA_ROOT overrides the root.
data = dict(
    root='data/demo',
    make_digits=dict(
        imagenet=dict(train_per_class=300, val_per_class=200),
        ade20k=dict(num_train=100, num_val=1000),
    ))
# Two cells side by side, one CPU thread each: the tiny models use a second thread poorly, and a
# cell's numbers are the same whether it runs alone or beside another (`--jobs 1` reproduces them).
jobs = 2
threads_per_cell = 1
_loaders = ['train_dataloader', 'val_dataloader', 'test_dataloader']
cfg_options = dict(
    # Two cores: loading in the main process is faster than worker processes here ('+': not
    # every config names persistent_workers).
    all=[f'{d}.num_workers=0' for d in _loaders] +
    [f'+{d}.persistent_workers=False' for d in _loaders],
    # 40 epochs of the 3,000 images (3,760 iterations). Every cell is scored by the test loop on
    # its final weights, so validation during training is skipped (mmengine's loops validate at
    # the last epoch or iteration whatever the interval, hence the new key val_begin, '+').
    pretrain=['train_cfg.max_epochs=40', '+train_cfg.val_begin=100000'],
    segmentation=['+train_cfg.val_begin=100000'],
)
