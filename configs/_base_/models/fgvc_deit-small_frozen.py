# DeiT-S for linear probing: the whole backbone frozen with mmpretrain's own mechanism.
# VisionTransformer(frozen_stages=12) freezes patch embedding, cls token, position embedding,
# all 12 blocks and (since 12 == depth) the final norm, at construction, so DDP never registers
# those parameters. Only the head's linear layer trains; plain cross entropy, no smoothing.
_base_ = ['./fgvc_deit-small.py']

model = dict(
    backbone=dict(frozen_stages=12),
    head=dict(loss=dict(_delete_=True, type='CrossEntropyLoss', loss_weight=1.0)),
)
