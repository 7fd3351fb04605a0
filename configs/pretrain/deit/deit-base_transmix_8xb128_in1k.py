# TransMix DeiT-base (Chen et al., CVPR 2022), the attention re-weighting peer of TL-Align: the
# baseline recipe with the TransMix authors' batch mixing (CutMix alpha=1 or Mixup alpha=0.8, one of
# the two per batch with probability 0.5 each; the aligned variants only add the mix record), and
# each CutMix label's own-image share set to (area lambda + last-block class-attention lambda) / 2.
#   bash tools/dist_train.sh configs/pretrain/deit/deit-base_transmix_8xb128_in1k.py 8
_base_ = ['./deit-base_cutmix_8xb128_in1k.py']
data_preprocessor = dict(type='MixRecordingDataPreprocessor')
model = dict(
    train_cfg=dict(
        augments=[dict(type='AlignedCutMix', alpha=1.0), dict(type='AlignedMixup', alpha=0.8)],
        probs=[0.5, 0.5]))
custom_hooks = [dict(type='TransMixHook')]
