# Full fine-tuning schedule for the fine-grained transfer configs. Recipe: the DeiT authors'
# transfer setting for CIFAR-10 and Stanford Cars (facebookresearch/deit issue #45): SGD,
# lr 0.01 at batch 768, weight decay 1e-4, 224 px, label smoothing 0.1, no stochastic depth or
# random erasing; here 100 epochs (theirs: 1000) with cosine decay after a 5-epoch linear warm-up,
# and no weight decay on norms, biases and position/token embeddings (as timm and mmpretrain's
# DeiT/Swin schedules). Used unchanged for every pre-training arm: only `pretrained` differs.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
    paramwise_cfg=dict(
        norm_decay_mult=0.0,
        bias_decay_mult=0.0,
        custom_keys={
            '.cls_token': dict(decay_mult=0.0),
            '.pos_embed': dict(decay_mult=0.0),
            '.absolute_pos_embed': dict(decay_mult=0.0),
            '.relative_position_bias_table': dict(decay_mult=0.0),
        }),
)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=0.0, by_epoch=True, begin=5,
         convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=100, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=768)
