# PNA baseline for DeiT-S on ImageNet-1k: the project's CutMix recipe unchanged (no negatives).
# The three PNA files in this folder differ from it only in the data preprocessor (negative
# views) and the classifier (negative loss).
#   bash tools/dist_train.sh configs/pretrain/pna/deit-small_baseline_8xb128_in1k.py 8
_base_ = ['../deit/deit-small_cutmix_8xb128_in1k.py']
