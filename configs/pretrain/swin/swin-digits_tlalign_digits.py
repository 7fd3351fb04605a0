# TL-Align: tiny Swin on the digits data; token-CutMix on the 4 px patch grid and the loss uses the
# mean final-stage label traced through every (shifted) window attention and patch merging.
_base_ = ['./swin-digits_cutmix_digits.py']

data_preprocessor = dict(type='MixRecordingDataPreprocessor')
model = dict(train_cfg=dict(augments=[
    dict(type='AlignedTokenCutMix', alpha=1.0, patch_size={{_base_.swin_digits_patch_size}})
]))
custom_hooks = [dict(type='TLAlignHook', label_mode='scalar')]
