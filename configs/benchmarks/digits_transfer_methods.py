# Transfer methods on the digits fine-grained task: one pre-training arm (the tiny DeiT with
# CutMix), its checkpoint transferred to the CUB-format digits by full fine-tuning, a linear
# probe, q/v LoRA and KAdaptation; accuracy (mean ± std over 3 seeds) and trainable parameters.
#   python tools/benchmark.py configs/benchmarks/digits_transfer_methods.py
arms = dict(cutmix=dict(pretrain='configs/pretrain/deit/deit-digits_cutmix_digits.py',
                        label='CutMix'))
tasks = dict(
    fine_grained=dict(
        type='transfer', metric='accuracy/top1', label='CUB-fmt fgvc',
        methods=dict(
            finetune=dict(config='configs/peft/deit-digits_finetune_digits-cub.py',
                          label='Full fine-tune'),
            linear=dict(config='configs/peft/deit-digits_linear_digits-cub.py',
                        label='Linear probe'),
            lora=dict(config='configs/peft/deit-digits_lora_digits-cub.py', label='LoRA (q/v)'),
            kadaptation=dict(config='configs/peft/deit-digits_kadaptation_digits-cub.py',
                             label='KAdaptation'),
        )),
)
seeds = [0, 1, 2]
data = dict(root='data', make_digits=True)   # $TLALIGN_DATA_ROOT overrides the root
_loaders = ['train_dataloader', 'val_dataloader', 'test_dataloader']
cfg_options = dict(
    all=[f'{d}.num_workers=0' for d in _loaders] +
    [f'+{d}.persistent_workers=False' for d in _loaders])
