"""Label tracing through :class:`~tlalign_mm.models.backbones.IFormer` (docs/iformer.md).

iFormer mixes tokens in two ways per block: local branches (max-pool, depthwise convs, the fusing
3x3 depthwise and 1x1 convs) and a global attention over the low-frequency channels, pooled 2x2 in
stages 1-2. Labels live on each stage's grid and move like this:

- local branches keep every label where it is;
- the low branch pools the label map with the mixer's own pooling module, moves it with the
  head-averaged attention Ā it computed (``ȳ ← Ā·ȳ``), and upsamples it back with the mixer's
  own upsampling (nearest, edge cropped);
- the mixer's output label is the channel-share blend ``y_mix = (C_h·y + C_l·ŷ) / C`` of the
  unmoved (high-frequency, ``C_h`` channels) and moved (low-frequency, ``C_l``) labels, and the
  block's residual gives ``y ← ½(y_mix + y)`` (:func:`~.propagation.residual_update`); the MLP
  leaves labels unchanged;
- the stem's first grid has one token per 4x4 pixel cell; a stage transition (3x3 stride-2 conv)
  gives each new token the mean label of the 2x2 cells it strides over (real cells only at an
  odd edge).

Every step is a convex combination, so every label stays a distribution and the two-source
scalar form is exact. The summary is the mean final-stage label (iFormer pools globally).
Nothing is re-implemented: the attention is the one the mixer's ``softmax`` module produced for
the features (read with a forward hook, before attention dropout).
"""
import torch
import torch.nn.functional as F

from ..models.backbones import IFormer
from .propagation import residual_update
from .token_grid import footprint_share
from .tracer import StagedLabelTracer, UnsupportedBackboneError, register_tracer

STEM_STRIDE = 4


def to_map(labels, grid):
    """(B, H*W, D) row-major labels -> (B, D, H, W)."""
    return labels.transpose(1, 2).reshape(labels.size(0), labels.size(2), *grid)


def to_tokens(label_map):
    """(B, D, H, W) -> (B, H*W, D)."""
    return label_map.flatten(2).transpose(1, 2)


def stride_two_mean(label_map):
    """Each token of a 3x3 stride-2 transition gets the mean label of the 2x2 cells it strides
    over; a partial cell at an odd bottom/right edge averages its real cells only."""
    valid = label_map.new_ones(1, 1, *label_map.shape[-2:])
    pool = dict(kernel_size=2, stride=2, ceil_mode=True)
    return F.avg_pool2d(label_map, **pool) / F.avg_pool2d(valid, **pool)


def mixer_propagate(labels, grid, attention, mixer):
    """One Inception mixer + residual: ``y ← ½((C_h·y + C_l·ŷ)/C + y)``.

    Args:
        labels: (B, H*W, D) token labels on the stage grid.
        grid: (H, W) of the stage.
        attention: (B, N, N) head-averaged attention over the (pooled) grid of the low mixer.
        mixer (InceptionMixer): the block's mixer (its channel split, pooling and upsampling).
    """
    low = mixer.low_mixer
    pooled = low.pool(to_map(labels, grid))
    if attention.shape[-1] != pooled.shape[-2] * pooled.shape[-1]:
        raise RuntimeError(
            f'attention over {attention.shape[-1]} tokens does not fit the {grid[0]}x{grid[1]} '
            f'label grid pooled to {tuple(pooled.shape[-2:])}: the backbone moved tokens in a '
            'way the tracer does not know')
    moved = torch.bmm(attention.to(labels.dtype), to_tokens(pooled))
    moved = to_tokens(low.unpool(to_map(moved, pooled.shape[-2:]), grid))
    blended = (mixer.high_dims * labels + mixer.low_dims * moved) / mixer.dims
    return residual_update(labels, blended)


@register_tracer(IFormer)
class IFormerLabelTracer(StagedLabelTracer):
    """Traces token labels through an :class:`IFormer` between :meth:`attach` and
    :meth:`detach`; ``history`` records the (B, H*W, D) labels of the current stage grid.

    Args:
        backbone (IFormer): any arch, any input size.
        kernel (str): ``'auto'`` or ``'explicit'`` (the same: the mixer's attention is always
            explicit). Defaults to 'auto'.
    """

    def __init__(self, backbone, kernel='auto'):
        super().__init__(backbone, kernel)
        self.mixers = []
        for s, b, block in self._stage_blocks():
            mixer = getattr(block, 'mixer', None)
            low = getattr(mixer, 'low_mixer', None)
            if not isinstance(getattr(low, 'softmax', None), torch.nn.Module):
                raise UnsupportedBackboneError(
                    f'stage {s} block {b} mixer {type(mixer).__name__} has no low-frequency '
                    'attention with a softmax module; TL-Align cannot trace it')
            self.mixers.append(mixer)
        self.num_blocks = len(self.mixers)

    @property
    def token_size(self):
        return STEM_STRIDE

    def pixels_to_tokens(self, pixel_map, grid_hw):
        return footprint_share(pixel_map, grid_hw, STEM_STRIDE)

    def _attach(self):
        backbone = self.backbone
        self._handles.append(backbone.patch_embed.register_forward_hook(self._on_stem))
        for index, mixer in enumerate(self.mixers):
            self._handles.append(mixer.low_mixer.softmax.register_forward_hook(
                self._make_propagator(index, mixer)))
        blocks_before = 0
        for stage in backbone.stages:
            if stage.downsample is not None:
                self._handles.append(stage.downsample.register_forward_hook(
                    self._make_transition(blocks_before)))
            blocks_before += len(stage.blocks)

    def _on_stem(self, module, inputs, output):
        self._start_pass(output.shape[-2:])

    def _make_propagator(self, index, mixer):

        def propagate(module, inputs, probs):
            if self.labels is None or index != self._next_block:
                return
            with torch.no_grad(), torch.autocast(probs.device.type, enabled=False):
                probs = probs.detach()
                averaged = probs[:, 0] if probs.size(1) == 1 else probs.mean(dim=1)
                self.labels = mixer_propagate(self.labels, self._grid, averaged.float(), mixer)
            self._next_block += 1
            self.record()

        return propagate

    def _make_transition(self, blocks_before):

        def transition(module, inputs, output):
            if not self._transition_due(blocks_before, inputs[0].shape[-2:],
                                        'a stage transition'):
                return
            grid = self._grid
            with torch.no_grad(), torch.autocast(output.device.type, enabled=False):
                label_map = stride_two_mean(to_map(self.labels, grid))
            if label_map.shape[-2:] != output.shape[-2:]:
                raise RuntimeError(f'the transition made a {tuple(output.shape[-2:])} grid, '
                                   f'2x2 label cells give {tuple(label_map.shape[-2:])}')
            self.labels = to_tokens(label_map)
            self._grid = tuple(output.shape[-2:])

        return transition
