# TL-Align iFormer-L: iformer-large_mixup-cutmix_8xb128_in1k.py with the aligned Mixup/CutMix
# switch and the traced CutMix label (see iformer-small_tlalign_8xb128_in1k.py).
#   bash tools/dist_train.sh configs/pretrain/iformer/iformer-large_tlalign_8xb128_in1k.py 8
_base_ = ['./iformer-large_mixup-cutmix_8xb128_in1k.py']
data_preprocessor = dict(type='MixRecordingDataPreprocessor')
model = dict(
    train_cfg=dict(
        augments=[dict(type='AlignedMixup', alpha=0.8), dict(type='AlignedCutMix', alpha=1.0)],
        probs=[0.5, 0.5]))
custom_hooks = [dict(type='TLAlignHook', label_mode='scalar')]
