# Full fine-tuning arm of the digits transfer-methods task: the fine-grained digits config
# (configs/fgvc/deit-digits_finetune_digits-cub.py) unchanged, plus the trainable-parameter record.
#   python tools/train.py configs/peft/deit-digits_finetune_digits-cub.py \
#       --cfg-options pretrained=PRETRAIN_CKPT
_base_ = ['../fgvc/deit-digits_finetune_digits-cub.py']
custom_hooks = [dict(type='TrainableParamsHook')]
