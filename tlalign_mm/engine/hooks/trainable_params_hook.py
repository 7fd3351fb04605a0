"""Record how many parameters a run trains, beside its accuracy.

For parameter-efficient transfer the count is part of the result (KAdaptation's 79,699 against
full fine-tuning's 87.9M). ``before_train`` counts the model's ``requires_grad`` parameters
(after every freezing mechanism ran: ``frozen_stages``, adapter wrappers), logs them and writes
``trainable_params.json`` into the work dir, where the benchmark report reads it.
"""
import json
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ...benchmark.methods import TRAINABLE_PARAMS_FILE


def count_parameters(model):
    """(trainable, total) parameter element counts, each shared tensor counted once."""
    params = list(model.parameters())
    return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)


@HOOKS.register_module()
class TrainableParamsHook(Hook):
    priority = 'LOW'

    def before_train(self, runner):
        from mmengine.model import is_model_wrapper
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        trainable, total = count_parameters(model)
        runner.logger.info(f'trainable parameters: {trainable:,} of {total:,}')
        if is_main_process():
            with open(osp.join(runner.work_dir, TRAINABLE_PARAMS_FILE), 'w') as f:
                json.dump(dict(trainable=trainable, total=total), f, indent=2)
