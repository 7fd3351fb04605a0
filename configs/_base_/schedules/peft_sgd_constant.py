# The KAdaptation authors' few-shot schedule (their ELEVATER toolkit): SGD momentum 0.9 without
# Nesterov, a constant learning rate (their `adjust_learning_rate` with no milestones), batch 64,
# 50 epochs for the final run (10 + EXTRA_FINAL_TRAIN_EPOCH 40), fp32. They choose lr in
# {1e-6, ..., 1e-1} and the weight decay (log-spaced 1e-6 ... 1e6) on a validation split per
# dataset, method and seed; the leaf sets the values, override with --cfg-options.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, nesterov=False, weight_decay=0.0))
param_scheduler = None
train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=50)
val_cfg = dict()
test_cfg = dict()
