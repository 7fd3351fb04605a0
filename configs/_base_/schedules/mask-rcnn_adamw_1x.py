# mmdet's Swin Mask R-CNN optimisation, 1x (12 epochs): AdamW lr 1e-4, wd 0.05, 1000 linear
# warm-up iterations, lr x0.1 after epochs 8 and 11. No weight decay on position embeddings, the
# class token, relative position bias tables and LayerNorms; the keys are substrings of
# mmpretrain's parameter names (ViT LayerNorms are `layers.N.ln1/ln2`, hence '.ln'; Swin's are
# `norm*`). Batch 16 (8 GPUs x 2).
_base_ = ['mmdet::_base_/schedules/schedule_1x.py']

max_epochs = 12
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=1000),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[8, 11],
         gamma=0.1),
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(_delete_=True, type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(custom_keys={
        'pos_embed': dict(decay_mult=0.),
        'cls_token': dict(decay_mult=0.),
        'relative_position_bias_table': dict(decay_mult=0.),
        'norm': dict(decay_mult=0.),
        '.ln': dict(decay_mult=0.),
    }))
