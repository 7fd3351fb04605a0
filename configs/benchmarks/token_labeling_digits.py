# Token labeling on the digits data: the tiny LV-ViT without token labeling (class token, CutMix),
# with token labeling (MixToken, dense targets from a digits DeiT teacher's score maps) and
# TL-Align x token labeling (the traced labels are the targets, no score maps), three seeds.
# The score maps come first (docs/token_labeling.md, "Digits"):
#   python tools/train.py configs/pretrain/deit/deit-digits_tlalign_digits.py
#   python tools/token_labeling/make_score_maps.py configs/pretrain/deit/deit-digits_tlalign_digits.py \
#       work_dirs/deit-digits_tlalign_digits/epoch_60.pth --img-size 32 --out data/digits_score_maps
#   TOKEN_LABEL_ROOT=$PWD/data/digits_score_maps python tools/benchmark.py \
#       configs/benchmarks/token_labeling_digits.py
arms = dict(
    baseline=dict(pretrain='configs/pretrain/lvvit/lvvit-digits_baseline_digits.py',
                  label='LV-ViT (CutMix)'),
    token_labeling=dict(pretrain='configs/pretrain/lvvit/lvvit-digits_token-labeling_digits.py',
                        label='Token labeling'),
    tlalign_token_labeling=dict(
        pretrain='configs/pretrain/lvvit/lvvit-digits_tlalign-token-labeling_digits.py',
        label='TL-Align x TL'),
)
baseline = 'baseline'  # every other arm: paired difference over seeds with a 95% t interval
tasks = dict(
    classification=dict(type='pretrain', metric='accuracy/top1', label='Digits cls'),
)
seeds = [0, 1, 2]
data = dict(root='data', make_digits=True)   # $TLALIGN_DATA_ROOT overrides the root
_loaders = ['train_dataloader', 'val_dataloader', 'test_dataloader']
cfg_options = dict(all=[f'{d}.num_workers=0' for d in _loaders] +
                   [f'+{d}.persistent_workers=False' for d in _loaders])
