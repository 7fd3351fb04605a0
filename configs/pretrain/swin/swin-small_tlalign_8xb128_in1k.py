# TL-Align Swin-S: the baseline recipe with token-CutMix on the 4 px patch grid, every token's
# label traced through all (shifted) window attentions and patch mergings, and the loss on the
# mean final-stage label. patch_size=32 snaps the box to the last stage's tokens instead (every
# stage-4 token then starts pure); any multiple of 4 works.
#   bash tools/dist_train.sh configs/pretrain/swin/swin-small_tlalign_8xb128_in1k.py 8
_base_ = ['./swin-small_cutmix_8xb128_in1k.py']
data_preprocessor = dict(type='MixRecordingDataPreprocessor')
model = dict(
    train_cfg=dict(augments=[dict(type='AlignedTokenCutMix', alpha=1.0, patch_size=4)]))
custom_hooks = [dict(type='TLAlignHook', label_mode='scalar')]
