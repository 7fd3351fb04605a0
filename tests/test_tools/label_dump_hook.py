"""Test helper (imported by a training config through ``custom_imports``): every rank writes,
for chosen iterations, what its label-rewriting hook saw and wrote, so a test can recompute the
labels in a single process and compare."""
import copy
import os
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.registry import HOOKS
from mmpretrain.utils import get_ori_model

from tlalign_mm.augments import MixRecord


@HOOKS.register_module()
class LabelDumpHook(Hook):
    """Args:
        out_dir (str): where ``rank<r>_iter<i>.pth`` files go.
        iters (list[int]): 1-based iterations to dump; -1 is the last one of the run.
    """
    priority = 'LOW'  # after the label hook (NORMAL) attached its forward hooks

    def __init__(self, out_dir, iters=(1, -1)):
        self.out_dir, self.iters = out_dir, list(iters)
        self._handles, self._dump = [], None

    def _wanted(self, runner):
        it = runner.iter + 1
        return it in self.iters or (-1 in self.iters and it == runner.train_loop.max_iters)

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if not self._wanted(runner):
            return
        model = get_ori_model(runner.model)
        self._dump = dict(rank=get_rank(), state_dict=copy.deepcopy(model.state_dict()),
                          raw_inputs=[x.clone() for x in data_batch['inputs']])
        self._handles = [model.data_preprocessor.register_forward_hook(self._on_preprocessed)]

    def _on_preprocessed(self, module, args, output):
        samples = output['data_samples']
        record = MixRecord.from_data_samples(samples)
        self._dump.update(inputs=output['inputs'].detach().clone(), samples=samples,
                          sample_idx=[s.sample_idx for s in samples],
                          record={k: v.clone() for k, v in vars(record).items()})

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if self._dump is None:
            return
        for handle in self._handles:
            handle.remove()
        samples = self._dump.pop('samples')
        self._dump['gt_score'] = torch.stack([s.gt_score for s in samples])
        os.makedirs(self.out_dir, exist_ok=True)
        torch.save(self._dump, osp.join(self.out_dir,
                                        f'rank{self._dump["rank"]}_iter{runner.iter + 1}.pth'))
        self._dump, self._handles = None, []
