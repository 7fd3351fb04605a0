# TL-Align: tiny DeiT on the digits data; token-CutMix on the 8 px patch grid and the loss uses the
# label traced through every block's attention.
_base_ = ['./deit-digits_cutmix_digits.py']

data_preprocessor = dict(type='MixRecordingDataPreprocessor')
model = dict(
    train_cfg=dict(augments=[dict(type='AlignedTokenCutMix', alpha=1.0, patch_size={{_base_.deit_digits_patch_size}})]))
custom_hooks = [dict(type='TLAlignHook', label_mode='scalar')]
