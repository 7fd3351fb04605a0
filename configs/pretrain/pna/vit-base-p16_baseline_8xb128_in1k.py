# ViT-B/16 on ImageNet-1k, baseline: deit-small_baseline_8xb128_in1k.py
# with the base arch (768 dims, 12 layers, 12 heads, 16 px patches; DeiT's training recipe).
#   bash tools/dist_train.sh \
#       configs/pretrain/pna/vit-base-p16_baseline_8xb128_in1k.py 8
_base_ = ['./deit-small_baseline_8xb128_in1k.py']
model = dict(backbone=dict(arch='deit-base'), head=dict(in_channels=768))
