"""The label-rewriter contract: what turns a mixed batch into the labels the loss sees.

A *label rewriter* watches one forward pass of a mixed batch through the backbone and returns
the batch's new labels. :class:`~tlalign_mm.engine.hooks.MixedLabelHook` drives it during
training (and writes what it returns on the data samples); :func:`align_mixed_labels` drives it
once, outside any runner. Its life cycle:

- ``prepare(model)`` once before training: build whatever watches the backbone;
- ``begin(record)`` a mixed batch (its :class:`~tlalign_mm.augments.MixRecord`) is about to go
  through the backbone;
- ``finish()`` the backbone is done: return :class:`RewrittenLabels` and end the batch;
- ``close()`` training stops (validation, test, its end): remove everything it installed, so
  the stock backbone runs untouched.

The built-in rewriters are ``TracedLabels`` (TL-Align: labels traced through the attention of
any backbone with a registered tracer, scalar or K-dim, optionally every token's label for token
labeling) and ``ClassAttentionLabels`` (TransMix). A new one is a class registered with
:func:`register_rewriter` and named in ``MixedLabelHook(rewriter=dict(type=...))``.
"""
from dataclasses import dataclass
from typing import Dict, Optional, Type, Union

import torch

from ..errors import TLAlignError

_REWRITERS: Dict[str, Type['LabelRewriter']] = {}


class TLAlignConfigError(TLAlignError, ValueError):
    """The model is not set up so that a label rewriter can see the mix."""


@dataclass
class RewrittenLabels:
    """What a rewriter returns for one batch.

    Attributes:
        image: (B, K) image-level soft labels (the head's ``gt_score``).
        tokens: (B, N, K) per-token soft labels (token labeling's dense targets), or None.
        statistic: (B,) per-sample number whose mean absolute value is logged under the
            rewriter's ``log_key`` (how far the label moved from the area ratio).
    """
    image: torch.Tensor
    tokens: Optional[torch.Tensor]
    statistic: torch.Tensor


class LabelRewriter:
    """Base class of every label rewriter; see the module docstring for the life cycle.

    Class attributes:
        log_key: message-hub key of the logged statistic.
        config_error: the error type of a model set-up this rewriter cannot watch.
    """
    log_key = 'train/label_shift'
    config_error: Type[Exception] = TLAlignConfigError

    def prepare(self, model: torch.nn.Module) -> None:
        raise NotImplementedError

    def begin(self, record) -> None:
        raise NotImplementedError

    def finish(self) -> RewrittenLabels:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


def register_rewriter(rewriter_type: Type[LabelRewriter]) -> Type[LabelRewriter]:
    """Class decorator: make ``rewriter_type`` buildable by its class name."""
    if not (isinstance(rewriter_type, type) and issubclass(rewriter_type, LabelRewriter)):
        raise TypeError(f'{rewriter_type!r} is not a LabelRewriter subclass')
    _REWRITERS[rewriter_type.__name__] = rewriter_type
    return rewriter_type


def build_rewriter(cfg: Union[dict, LabelRewriter]) -> LabelRewriter:
    """A rewriter from ``dict(type=<registered name>, **arguments)`` (or one given as is)."""
    if isinstance(cfg, LabelRewriter):
        return cfg
    cfg = dict(cfg)
    name = cfg.pop('type', None)
    if name not in _REWRITERS:
        raise ValueError(f'unknown label rewriter {name!r}; registered: {sorted(_REWRITERS)}')
    return _REWRITERS[name](**cfg)


def align_mixed_labels(model: torch.nn.Module, inputs: torch.Tensor, record,
                       rewriter: Union[dict, LabelRewriter, None] = None) -> RewrittenLabels:
    """The labels training would give one mixed batch, outside any runner.

    Args:
        model: an mmpretrain classifier (its ``backbone`` is watched).
        inputs: (B, 3, H, W) the mixed images, as the data preprocessor outputs them.
        record: the batch's :class:`~tlalign_mm.augments.MixRecord`.
        rewriter: the rewriter or its config; defaults to TL-Align's scalar traced labels.

    Returns:
        :class:`RewrittenLabels`, computed by the same code as the training hook.
    """
    rewriter = build_rewriter(rewriter or dict(type='TracedLabels'))
    rewriter.prepare(model)
    try:
        rewriter.begin(record)
        with torch.no_grad():
            model.backbone(inputs)
        return rewriter.finish()
    finally:
        rewriter.close()
