# The iFormer authors' ImageNet schedule (their released args.yaml): AdamW lr 1e-3 for batch
# 1024, wd 0.05, 5 linear warm-up epochs from 1e-6, cosine to the minimum lr at epoch 300, then
# 10 cool-down epochs at that minimum (timm's cooldown_epochs=10: 310 in all). Minimum lr 1e-6
# (S) or 1e-5 (B/L, leaf configs). As timm's AdamW with filter_bias_and_bn: no weight decay on
# one-dimensional parameters (biases, norms, layer scales); position embeddings (4-D) decay.
# No gradient clipping here (S); B/L clip at norm 1.0. No EMA.
warmup_epochs = 5
cosine_epochs = 300
min_lr = 1e-6
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05, eps=1e-8, betas=(0.9, 0.999)),
    paramwise_cfg=dict(flat_decay_mult=0.0),
)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, end=warmup_epochs,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=min_lr, by_epoch=True, begin=warmup_epochs,
         end=cosine_epochs, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=cosine_epochs + 10, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=1024)
