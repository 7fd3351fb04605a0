# mmseg's ViT/Swin UperNet optimisation on ADE20K: AdamW lr 6e-5, wd 0.01, 1500 linear warm-up
# iterations, then linear (power 1) decay to 0 at 160k iterations. Those recipes use plain AdamW,
# not layer-wise lr decay, and so do we (mmseg's LayerDecayOptimizerConstructor targets mmseg's
# own BEiT/MAE/ConvNeXt backbones).
# No weight decay on position embeddings, the class token, relative position bias tables and
# LayerNorms. The keys are substrings of mmpretrain's parameter names: its ViT names LayerNorms
# `layers.N.ln1/ln2` (hence '.ln'), its Swin `norm1/norm2/normN` (hence 'norm').
_base_ = ['mmseg::_base_/schedules/schedule_160k.py']

max_iters = 160000
warmup_iters = 1500
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=6e-5, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={
        'pos_embed': dict(decay_mult=0.),
        'cls_token': dict(decay_mult=0.),
        'relative_position_bias_table': dict(decay_mult=0.),
        'norm': dict(decay_mult=0.),
        '.ln': dict(decay_mult=0.),
    }))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=warmup_iters),
    dict(type='PolyLR', eta_min=0.0, power=1.0, begin=warmup_iters, end=max_iters,
         by_epoch=False),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=16000)
