# The quick embedded demo (`make demo`): the digits data that ship with scikit-learn (made on
# first run), the tiny DeiT pre-trained with the CutMix baseline and with TL-Align, 2 seeds,
# plus a from-scratch reference row; every arm is evaluated on digits classification and
# transferred to ADE20K-format UperNet segmentation of the framed digit scenes (one
# pre-training frame per image, docs/demo.md). Under ten minutes on two idle CPU cores.
# Detection and CUB-format fine-grained transfer are in the full profile
# (configs/benchmarks/demo_full.py).
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
seeds = [0, 1]
data = dict(root='data', make_digits=True)   # $TLALIGN_DATA_ROOT overrides the root
# Two cells side by side, one CPU thread each: the tiny models use a second thread poorly, and a
# cell's numbers are the same whether it runs alone or beside another (`--jobs 1` reproduces them).
jobs = 2
threads_per_cell = 1
_loaders = ['train_dataloader', 'val_dataloader', 'test_dataloader']
cfg_options = dict(
    # Two cores: loading in the main process is faster than worker processes here.
    all=[f'{d}.num_workers=0' for d in _loaders] +
    [f'{d}.persistent_workers=False' for d in _loaders],
    # Every cell is scored by the test loop on its final weights, so validation during
    # training is skipped (mmengine's loops validate at the last epoch or iteration whatever
    # the interval, hence val_begin; pre-training: once at the end instead of every 10 epochs).
    pretrain=['train_cfg.val_interval=60'],
    segmentation=['train_cfg.val_begin=100000'],
)
