# LV-ViT-L fine-tuned at 448 px with token labeling (published 86.2 top-1). The authors' README
# gives a fine-tune command for S at 384 px only, and for any resolution the rule
# `--img-size N --token-label-size N/16`: this config is the S recipe
# (lvvit-s_token-labeling_finetune-384px_8xb64_in1k.py: lr 5e-6 constant after 5 warm-up
# epochs, wd 1e-8, batch 512, 300 + 10 epochs, no EMA) at 448 px with L's width and drop path
# (0.3), a 28x28 token-label grid and L's test crop ratio 1.0: an extrapolation, not a
# released command.
#   bash tools/dist_train.sh \
#       configs/pretrain/lvvit/lvvit-l_token-labeling_finetune-448px_8xb64_in1k.py 8 \
#       --cfg-options load_from=work_dirs/lvvit-l_token-labeling_8xb128_in1k/epoch_310.pth
_base_ = ['./lvvit-m_token-labeling_finetune-448px_8xb64_in1k.py']
load_from = 'work_dirs/lvvit-l_token-labeling_8xb128_in1k/epoch_310.pth'
# the M 448 px config (the S recipe at 448 px, 28x28 token labels, crop ratio 1.0) with L's width
# and drop path
model = dict(backbone=dict(arch='l', drop_path_rate=0.3), head=dict(in_channels=768))
