"""Label tracing through a stock mmpretrain ``SwinTransformer`` (docs/tl_align.md, "Swin").

Nothing of the backbone is re-implemented and no second attention is computed. The stock
``WindowMSA`` already materialises its post-softmax window attention (relative position bias and
shift mask included, before attention dropout) through its own ``nn.Softmax`` module, so the
tracer reads that very tensor with a forward hook and moves the labels one block forward from it.
Four kinds of hooks are attached while tracing and removed by :meth:`SwinLabelTracer.detach`:

- ``patch_embed`` (forward hook): the patch grid the backbone computed → initial labels;
- each block's ``attn.w_msa`` (forward pre-hook): whether this call got a shift mask — the stock
  code drops the shift (and the mask) when a map is exactly one window wide, so the presence of
  the mask *is* the shift actually applied;
- each ``attn.w_msa.softmax`` (forward hook): the window attention → label propagation;
- each stage's ``downsample`` (forward hook): patch merging of the labels.

Kernels: the stock window attention is always explicit, so ``'auto'`` and ``'explicit'`` are the
only values accepted; any other is refused rather than silently ignored.
"""
import torch
import torch.nn.functional as F
from mmpretrain.models.backbones import SwinTransformer

from .propagation import residual_update
from .token_grid import patch_embed_share
from .tracer import StagedLabelTracer, UnsupportedBackboneError, register_tracer


def _pad_to_windows(grid, window_size, shift, *maps):
    """Pad (bottom/right) and roll ``maps`` (each (B, H, W, C)) exactly like ShiftWindowMSA."""
    from mmpretrain.models.utils.attention import ShiftWindowMSA
    height, width = grid
    pad_r = (window_size - width % window_size) % window_size
    pad_b = (window_size - height % window_size) % window_size
    out = []
    for x in maps:
        x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
        if shift > 0:
            x = torch.roll(x, shifts=(-shift, -shift), dims=(1, 2))
        out.append(ShiftWindowMSA.window_partition(x, window_size))
    return out, (height + pad_b, width + pad_r)


class WindowLayout:
    """Where every token of one stage grid sits in the windows of one block (pad, shift and
    partition exactly as ``ShiftWindowMSA``), as index vectors computed once per grid, window and
    shift by running the stock padding/roll/partition on a map of token indices.

    A block then moves the labels with two gathers and one batched product, instead of pad,
    roll, partition, reverse, roll and crop of the labels themselves.

    Attributes:
        into: (nW·n,) the token whose label each window position reads (a padding position
            reads token 0: padding keys get no weight, padding queries are dropped).
        back: (H·W,) the window position of each token.
        keep: (1, nW, 1, n) 1 for real tokens, 0 for padding; None when nothing is padded.
    """

    def __init__(self, grid, window_size, shift, device):
        height, width = grid
        tokens = torch.arange(1, height * width + 1, device=device).view(1, height, width, 1)
        (windows, ), (hp, wp) = _pad_to_windows(grid, window_size, shift, tokens)
        position = windows.flatten() - 1  # -1: padding
        real = position >= 0
        self.area = window_size * window_size
        self.num_windows = (hp // window_size) * (wp // window_size)
        self.window_size = window_size
        self.into = position.clamp_min(0)
        self.back = torch.empty(height * width, dtype=torch.long, device=device)
        self.back[position[real]] = torch.arange(position.numel(), device=device)[real]
        self.keep = None
        if (hp, wp) != tuple(grid):
            self.keep = real.float().view(1, self.num_windows, 1, self.area)


def window_propagate(labels, grid, attention, window_size, shift, layout=None):
    """``y ← ½(Ā_w y + y)`` on one stage grid, through the block's own windows.

    Args:
        labels: (B, H*W, D) token labels, row-major over ``grid``.
        grid: (H, W) of the stage.
        attention: (B*nW, N, N) head-averaged window attention, windows in the stock order.
        window_size, shift: the block's window side and the shift it actually applied.
        layout (WindowLayout, optional): the precomputed layout of (grid, window, shift).

    Padding tokens carry no label: each row of the head-averaged attention (the one the
    features used, padding keys included) is renormalised over the real tokens of its window, so
    every real token's label stays a distribution (and the scalar form exact).
    """
    if layout is None:
        layout = WindowLayout(grid, window_size, shift, labels.device)
    batch, tokens, width = labels.shape
    area, num_windows = layout.area, layout.num_windows
    if attention.shape != (batch * num_windows, area, area):
        raise RuntimeError(
            f'window attention of shape {tuple(attention.shape)} does not fit the label grid '
            f'{grid[0]}x{grid[1]} (batch {batch}, window {window_size}): the backbone '
            'moved tokens in a way the tracer does not know')
    windows = labels.index_select(1, layout.into).view(batch * num_windows, area, width)
    attention = attention.to(labels.dtype)
    if layout.keep is not None:
        attention = attention.view(batch, num_windows, area, area) * layout.keep
        # A row of a padding query may have no real key left; it is dropped below anyway.
        attention = attention / attention.sum(-1, keepdim=True).clamp_min(1e-30)
        attention = attention.view(batch * num_windows, area, area)
    moved = torch.bmm(attention, windows).view(batch, num_windows * area, width)
    return residual_update(labels, moved.index_select(1, layout.back))


class MergeLayout:
    """The token groups of mmcv ``PatchMerging`` on one grid (its own padding and sampler, run
    on a map of token indices): merging the labels is then one gather and one mean.

    Attributes:
        members: (L'·k²,) the tokens of each group (padding reads token 0 with weight 0).
        weights: (L', k², 1) 1/(real tokens of the group) per real member, 0 for padding; None
            when no group has padding (then the mean over the group is the merge).
    """

    def __init__(self, grid, merging, device):
        height, width = grid
        tokens = torch.arange(1, height * width + 1, device=device, dtype=torch.float64)
        maps = tokens.view(1, 1, height, width)
        if merging.adaptive_padding is not None:
            maps = merging.adaptive_padding(maps)
        groups = merging.sampler(maps)[0].t().round().long() - 1  # (L', k²); -1: padding
        self.group = groups.size(1)
        self.merged = groups.size(0)
        real = groups >= 0
        self.members = groups.clamp_min(0).flatten()
        self.weights = None
        if not bool(real.all()):
            count = real.sum(1, keepdim=True).clamp_min(1)
            self.weights = (real / count)[..., None].float()


def merge_labels(labels, grid, merging, layout=None):
    """Labels through mmcv ``PatchMerging``: each merged token gets the mean label of the real
    (non-padding) tokens of its group, grouped by the module's own padding and sampler."""
    if layout is None:
        layout = MergeLayout(grid, merging, labels.device)
    batch, _, width = labels.shape
    grouped = labels.index_select(1, layout.members).view(batch, layout.merged, layout.group,
                                                          width)
    if layout.weights is None:
        return grouped.mean(2)
    return (grouped * layout.weights.to(labels.dtype)).sum(2)


@register_tracer(SwinTransformer)
class SwinLabelTracer(StagedLabelTracer):
    """Traces token labels through ``backbone`` between :meth:`attach` and :meth:`detach`.

    ``history`` records ``(tokens, summary)`` with the (B, N_l, D) token labels on the current
    stage grid and their (B, D) mean.

    Args:
        backbone (SwinTransformer): any mmpretrain Swin arch and image size.
        kernel (str): ``'auto'`` or ``'explicit'`` (the same thing here). Defaults to 'auto'.
    """

    stays_attached = True  # every hook passes through without labels

    def __init__(self, backbone, kernel='auto'):
        super().__init__(backbone, kernel)
        self.blocks = []
        for s, b, block in self._stage_blocks():
            attn = block.attn
            if not (hasattr(attn, 'w_msa') and hasattr(attn, 'window_partition')
                    and isinstance(getattr(attn.w_msa, 'softmax', None), torch.nn.Module)):
                raise UnsupportedBackboneError(
                    f'stage {s} block {b} attention {type(attn).__name__} is not '
                    "mmpretrain's ShiftWindowMSA over a WindowMSA with a softmax module; "
                    'TL-Align cannot trace it')
            self.blocks.append(attn)
        self.num_blocks = len(self.blocks)
        self._shifted = None
        self._layouts = {}  # (kind, grid, window or stage, shift, device) -> layout

    @property
    def token_size(self):
        return int(self.backbone.patch_embed.projection.stride[0])

    def pixels_to_tokens(self, pixel_map, grid_hw):
        return patch_embed_share(self.backbone.patch_embed, pixel_map, grid_hw)

    # ---- attach / restore ------------------------------------------------------------------
    def _attach(self):
        backbone = self.backbone
        self._handles.append(backbone.patch_embed.register_forward_hook(self._on_patch_embed))
        for index, attn in enumerate(self.blocks):
            self._handles.append(attn.w_msa.register_forward_pre_hook(
                self._make_mask_probe(index), with_kwargs=True))
            self._handles.append(attn.w_msa.softmax.register_forward_hook(
                self._make_propagator(index, attn)))
        blocks_before = 0
        for stage in backbone.stages:
            blocks_before += len(stage.blocks)
            if stage.downsample is not None:
                self._handles.append(stage.downsample.register_forward_hook(
                    self._make_merger(blocks_before)))

    def _restore(self):
        self._shifted = None

    # ---- tracing ---------------------------------------------------------------------------
    def _on_patch_embed(self, module, inputs, output):
        self._shifted = None
        self._start_pass(output[1])

    def _make_mask_probe(self, index):

        def probe(module, args, kwargs):
            if self.labels is None or index != self._next_block:
                return
            mask = args[1] if len(args) > 1 else kwargs.get('mask')
            self._shifted = mask is not None

        return probe

    def _make_propagator(self, index, attn):

        def propagate(module, inputs, probs):
            if self.labels is None or index != self._next_block:
                return
            if self._shifted is None:
                raise RuntimeError('window attention ran without passing through the '
                                   'WindowMSA call the tracer watches')
            shift = attn.shift_size if self._shifted else 0
            key = ('window', self._grid, attn.window_size, shift, probs.device)
            layout = self._layouts.get(key)
            if layout is None:
                layout = self._layouts[key] = WindowLayout(self._grid, attn.window_size, shift,
                                                           probs.device)
            with torch.no_grad(), torch.autocast(probs.device.type, enabled=False):
                averaged = probs.float().mean(dim=1)  # no graph under no_grad: no detach
                self.labels = window_propagate(self.labels, self._grid, averaged,
                                               attn.window_size, shift, layout)
            self._next_block += 1
            self._shifted = None
            self.record()

        return propagate

    def _make_merger(self, blocks_before):

        def merge(module, inputs, output):
            # Merge once, right after the last block of this stage.
            if not self._transition_due(blocks_before, inputs[1], 'patch merging'):
                return
            key = ('merge', self._grid, blocks_before, None, self.labels.device)
            layout = self._layouts.get(key)
            if layout is None:
                layout = self._layouts[key] = MergeLayout(self._grid, module,
                                                          self.labels.device)
            with torch.no_grad():
                self.labels = merge_labels(self.labels, self._grid, module, layout)
            self._grid = tuple(int(v) for v in output[1])

        return merge
