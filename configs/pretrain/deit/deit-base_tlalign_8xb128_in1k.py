# TL-Align DeiT-base: the baseline recipe with token-CutMix on the 16px patch grid, every
# token's label traced through all blocks' attention, and the loss on the aligned label.
#   bash tools/dist_train.sh configs/pretrain/deit/deit-base_tlalign_8xb128_in1k.py 8
_base_ = ['./deit-base_cutmix_8xb128_in1k.py']
data_preprocessor = dict(type='MixRecordingDataPreprocessor')
model = dict(
    train_cfg=dict(augments=[dict(type='AlignedTokenCutMix', alpha=1.0, patch_size=16)]))
custom_hooks = [dict(type='TLAlignHook', label_mode='scalar')]
