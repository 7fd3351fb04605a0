"""The label-tracer contract, its error family and the backbone → tracer registry.

A *label tracer* follows one backbone's forward pass and moves a label with every token, so that
after the last block each token (and the image) carries the label of what it is made of. It
never changes the features: it attaches to the stock modules (forward hooks, or mmpretrain's own
switchable attention kernel) and restores them on :meth:`LabelTracer.detach`.

What every tracer provides (and what the hooks, ``align_labels`` and the analysis tools use):

- ``attach(source)`` / ``detach()``: trace the forward passes in between, with initial labels
  from ``source`` (a :class:`~.label_sources.MixRecordSource` or
  :class:`~.label_sources.ExplicitSource`); ``release()`` ends the traced passes of one batch
  (keeping the hooks installed where the tracer allows it, ``stays_attached``).
- ``pixels_to_tokens(pixel_map, grid_hw)``: how pixels map to the backbone's *first* token grid
  (its stem). A (B, H, W) per-pixel share becomes the (B, Hp*Wp) share of each token, row-major;
  only the tracer knows its stem (one patch conv, a conv stack, adaptive padding, ...).
- ``token_size``: the pixel side of one first-grid token (where token-CutMix boxes snap).
- ``labels``: the current (B, N, D) labels of every token the blocks see, extra tokens first;
  ``token_labels()`` drops the extra (class/distillation) tokens.
- ``summary_label()``: the (B, D) image-level label, pooled as the backbone pools its features.
- ``history``: set it to a list to record ``(token_labels(), summary_label())``, detached, once
  for the initial labels and once after every block (the token-fluctuation analysis).

A subclass implements :meth:`LabelTracer._attach` (register its hooks, keeping the handles in
``self._handles``), calls :meth:`LabelTracer.start` from its stem hook and
:meth:`LabelTracer.record` after moving the labels through a block, and implements
``pixels_to_tokens``, ``token_size`` and, if needed, ``_pool_summary`` / ``_check_complete``. It is registered for its
backbone class with :func:`register_tracer`; that is all a new backbone needs.
"""
import functools

import torch
from ..errors import TLAlignError


class UnsupportedBackboneError(TLAlignError, ValueError):
    """TL-Align cannot trace labels through this backbone, module or option.

    A ValueError, not a TypeError: mmengine re-raises TypeErrors from hooks as bare TypeErrors,
    and the tools print this family as one line.
    """


_TRACERS = {}


def register_tracer(*backbone_types: type):
    """Class decorator: ``tracer_type`` traces ``backbone_types`` (and their subclasses)."""

    def register(tracer_type):
        if not (isinstance(tracer_type, type) and issubclass(tracer_type, LabelTracer)):
            raise TypeError(f'{tracer_type!r} is not a LabelTracer subclass')
        for backbone_type in backbone_types:
            _TRACERS[backbone_type] = tracer_type
        return tracer_type

    return register


def registered_tracers() -> dict:
    """``{backbone class: tracer class}`` of every registered tracer."""
    return dict(_TRACERS)


def build_tracer(backbone, kernel: str = 'auto') -> 'LabelTracer':
    """The tracer registered for the nearest class of ``backbone`` in its MRO."""
    for backbone_type in type(backbone).__mro__:
        if backbone_type in _TRACERS:
            return _TRACERS[backbone_type](backbone, kernel=kernel)
    supported = ', '.join(sorted(t.__name__ for t in _TRACERS))
    raise UnsupportedBackboneError(
        f'TL-Align cannot trace labels through {type(backbone).__module__}.'
        f'{type(backbone).__name__}; supported backbones: {supported}')


class LabelTracer:
    """Base class of every label tracer; see the module docstring for the contract.

    Args:
        backbone (nn.Module): the stock backbone to trace.
        kernel (str): how attention is formed while tracing; each tracer lists the values it
            honours in ``kernels``. Defaults to ``'auto'``.
    """
    kernels = ('auto', )
    # Whether every hook of the subclass does nothing while ``labels`` is None, so the hooks
    # may stay installed between traced passes (see :meth:`release`).
    stays_attached = False

    def __init__(self, backbone, kernel: str = 'auto'):
        if kernel not in self.kernels:
            raise UnsupportedBackboneError(
                f'{type(self).__name__} supports kernel in {self.kernels}, got {kernel!r}')
        self.backbone = backbone
        self.kernel = kernel
        self.source = None
        self.labels = None
        self.grid_hw = None
        self.num_extra_tokens = 0
        self.history = None
        self._handles = []
        self._attached = False

    # ---- what a subclass implements ---------------------------------------------------------
    def _attach(self):
        """Register the forward hooks / kernels of one traced pass (handles in ``_handles``)."""
        raise NotImplementedError

    def _restore(self):
        """Undo what :meth:`_attach` changed beyond the hook handles (e.g. swapped kernels)."""

    def pixels_to_tokens(self, pixel_map: torch.Tensor, grid_hw: tuple) -> torch.Tensor:
        """(B, Hp*Wp) per-token share of a (B, H, W) per-pixel share on the first grid."""
        raise NotImplementedError

    @property
    def token_size(self) -> int:
        """Pixel side of one token of the first grid."""
        raise NotImplementedError

    def _pool_summary(self):
        """(B, D) image-level label of the current labels: the first extra (class) token's,
        else the token mean. Also recorded in ``history`` after every block."""
        if self.num_extra_tokens:
            return self.labels[:, 0]
        return self.labels.mean(dim=1)

    def _check_complete(self):
        """Raise unless the traced pass reached the backbone's output."""

    # ---- shared life cycle ------------------------------------------------------------------
    def attach(self, source) -> None:
        """Trace the next forward pass(es) with initial labels from ``source``.

        The hooks and kernels are installed on the first call only; while they stay installed
        (until :meth:`detach`), a later call just hands over the new source. A training loop thus
        installs nothing per iteration (and a compiled backbone sees the same modules each time).
        """
        if not self._attached:
            self._attach()
            self._attached = True
        self.source = source
        self.labels = None
        self.grid_hw = None

    def release(self) -> None:
        """End the traced pass(es). A tracer whose hooks pass through while it has no labels
        (``stays_attached``) keeps them installed for the next :meth:`attach`, and the backbone
        runs stock until then; any other is detached."""
        if not self.stays_attached:
            self.detach()
        self.source = None
        self.labels = None

    def detach(self) -> None:
        """Remove every hook and restore the stock modules; safe to call twice."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._restore()
        self._attached = False
        self.source = None

    def start(self, grid_hw: tuple, num_extra_tokens: int = 0) -> None:
        """The stem produced ``grid_hw``: take the initial labels from the source (none after
        :meth:`release`: the pass is not traced)."""
        if self.source is None:
            self.labels = None
            return
        self.grid_hw = tuple(int(v) for v in grid_hw)
        self.num_extra_tokens = num_extra_tokens
        pool = functools.partial(self.pixels_to_tokens, grid_hw=self.grid_hw)
        with torch.no_grad():
            labels = self.source.initial_labels(pool, self.grid_hw, num_extra_tokens)
        if labels.requires_grad:  # a source handing back its own input tensor
            labels = labels.detach()
        self.labels = labels.float()
        self.record()

    def summary_label(self) -> torch.Tensor:
        """(B, D) image-level label after the traced pass, pooled like the features."""
        self._check_traced()
        self._check_complete()
        return self._pool_summary()

    def token_labels(self) -> torch.Tensor:
        """(B, N_tokens, D) labels of the spatial tokens (extra tokens dropped)."""
        self._check_traced()
        return self.labels[:, self.num_extra_tokens:]

    def record(self) -> None:
        """Append the current labels to ``history`` when it is recording."""
        if self.history is not None:
            # Copies: a tracer may update its labels in place (the ViT riding kernel does).
            self.history.append((self.token_labels().detach().clone(),
                                 self._pool_summary().detach().clone()))

    def _check_traced(self):
        if self.labels is None:
            raise RuntimeError('no traced forward pass: the backbone did not run while attached')


class StagedLabelTracer(LabelTracer):
    """Base of tracers for backbones whose token grid shrinks from stage to stage (Swin,
    iFormer).

    It counts the blocks traced in the current pass (``_next_block``: a block run again by
    activation checkpointing during backward must not move the labels a second time), keeps the
    current stage grid (``_grid``) and lets each stage transition move the labels exactly once.
    A subclass sets ``num_blocks``, calls :meth:`_start_pass` from its stem hook and
    :meth:`_transition_due` from its transition hook.
    """
    kernels = ('auto', 'explicit')  # the stock modules always materialise the attention
    num_blocks = 0

    def __init__(self, backbone, kernel: str = 'auto'):
        super().__init__(backbone, kernel)
        self._next_block = 0
        self._grid = None
        self._last_transition = None

    def _stage_blocks(self):
        """``(stage index, block index, block)`` of every block of ``backbone.stages``."""
        for s, stage in enumerate(self.backbone.stages):
            for b, block in enumerate(stage.blocks):
                yield s, b, block

    def _start_pass(self, grid_hw):
        self._next_block = 0
        self._last_transition = None
        self.start(grid_hw)
        self._grid = self.grid_hw

    def _transition_due(self, blocks_before, grid, what):
        """Whether the transition after block ``blocks_before`` moves the labels now (once per
        pass); checks that it sees the labels' grid."""
        if (self.labels is None or self._next_block != blocks_before
                or self._last_transition == blocks_before):
            return False
        grid = tuple(int(v) for v in grid)
        if grid != self._grid:
            raise RuntimeError(f'{what} sees a {grid[0]}x{grid[1]} map but the labels are on '
                               f'{self._grid[0]}x{self._grid[1]}')
        self._last_transition = blocks_before
        return True

    def _check_complete(self):
        if self._next_block != self.num_blocks:
            raise RuntimeError(f'the traced pass reached {self._next_block} of '
                               f'{self.num_blocks} blocks; no final-stage labels')
