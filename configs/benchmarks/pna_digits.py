# PNA on the digits data: the CutMix baseline vs PNA with each negative loss (P-Rotate), scored
# on clean digits and on digits-C (the val split under 15 corruptions x 5 severities; made on the
# first run), three seeds. The report adds a table with every corruption and severity.
#   python tools/benchmark.py configs/benchmarks/pna_digits.py
# Confidence on negative views, per checkpoint: tools/analysis/negative_confidence.py (docs/pna.md).
arms = dict(
    baseline=dict(pretrain='configs/pretrain/deit/deit-digits_cutmix_digits.py',
                  label='CutMix'),
    uniform=dict(pretrain='configs/pretrain/pna/deit-digits_pna-rotate-uniform_digits.py',
                 label='PNA uniform'),
    l2=dict(pretrain='configs/pretrain/pna/deit-digits_pna-rotate-l2_digits.py',
            label='PNA L2'),
    contrastive=dict(pretrain='configs/pretrain/pna/deit-digits_pna-rotate-contrastive_digits.py',
                     label='PNA contrastive'),
)
baseline = 'baseline'  # every other arm: paired difference over seeds with a 95% t interval
tasks = dict(
    classification=dict(type='pretrain', metric='accuracy/top1', label='Digits cls'),
    digits_c=dict(type='robustness', config='configs/robustness/deit-digits_digits-c.py',
                  metric='digits-c/mean_acc', label='Digits-C'),
)
seeds = [0, 1, 2]
data = dict(root='data', make_digits=True)   # $TLALIGN_DATA_ROOT overrides the root
_loaders = ['train_dataloader', 'val_dataloader', 'test_dataloader']
cfg_options = dict(all=[f'{d}.num_workers=0' for d in _loaders] +
                   [f'+{d}.persistent_workers=False' for d in _loaders])
