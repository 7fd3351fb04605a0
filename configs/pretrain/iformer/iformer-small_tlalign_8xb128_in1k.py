# TL-Align iFormer-S: the authors' recipe with the same Mixup 0.8 / CutMix 1.0 switch, both
# recording their mix (AlignedMixup, AlignedCutMix), and the CutMix label replaced by the mean
# final-stage label traced through every block (docs/iformer.md). On Mixup batches the traced
# label equals Mixup's own, so the two arms differ only in the CutMix label.
#   bash tools/dist_train.sh configs/pretrain/iformer/iformer-small_tlalign_8xb128_in1k.py 8
_base_ = ['./iformer-small_mixup-cutmix_8xb128_in1k.py']
data_preprocessor = dict(type='MixRecordingDataPreprocessor')
model = dict(
    train_cfg=dict(
        augments=[dict(type='AlignedMixup', alpha=0.8), dict(type='AlignedCutMix', alpha=1.0)],
        probs=[0.5, 0.5]))
custom_hooks = [dict(type='TLAlignHook', label_mode='scalar')]
