"""Token fluctuation: how far the traced own-image share drifts from the CutMix area ratio by depth.

The numbers behind the TL-Align paper's motivating figure (docs/tl_align.md, "Token
fluctuation"). A label tracer with ``history`` set records, per depth (0 = the initial labels,
then after every block), the patch-token labels and the summary label (class token, or mean token
label for backbones without one). In the exact scalar form the labels *are* the own-image share,
so per depth we report

- ``a_cls``: the summary's own-image share, against the area ratio λ it starts from,
- ``abs_gap``: |a_cls − λ| over samples (mean and max) — zero at depth 0 by construction,
- ``patch_drift``: mean |a_token(ℓ) − a_token(0)| over patch tokens and samples.

Backbones that merge tokens (Swin) compare each token with the mean of the initial labels of the
patches it merged (average pooling on the initial grid); a grid that is no exact pooling of the
initial one reports NaN drift rather than a made-up number.
"""
import math

import torch
import torch.nn.functional as F

COLUMNS = ('depth', 'a_cls_mean', 'lambda_mean', 'abs_gap_mean', 'abs_gap_max',
           'signed_gap_mean', 'patch_drift_mean', 'samples')


def initial_on_grid(initial, num_tokens, grid_hw):
    """(B, num_tokens, D) initial token labels average-pooled onto a coarser token grid, or None.

    Args:
        initial: (B, H*W, D) initial labels on the row-major patch grid ``grid_hw``.
    """
    if initial.size(1) == num_tokens:
        return initial
    height, width = grid_hw
    factor = round(math.sqrt(initial.size(1) / num_tokens)) if num_tokens else 0
    if (factor < 2 or height % factor or width % factor
            or (height // factor) * (width // factor) != num_tokens):
        return None
    batch, _, dims = initial.shape
    grid = initial.transpose(1, 2).reshape(batch, dims, height, width)
    return F.avg_pool2d(grid, factor).flatten(2).transpose(1, 2)


class FluctuationStats:
    """Accumulates per-depth statistics over batches of scalar-form label histories."""

    def __init__(self):
        self.sums = None
        self.gap_max = None
        self.count = 0
        self.trajectories = []  # (a_cls(ℓ) for every depth, λ) of each sample

    def add(self, history, lam, grid_hw):
        """Args:
            history: list of (tokens (B, N_ℓ, 1), summary (B, 1)) from a tracer, depth 0 first.
            lam: (B,) area ratio of each sample.
            grid_hw: the initial patch grid (H, W) of ``history[0]``'s tokens.
        """
        if not history:
            raise RuntimeError('the tracer recorded no label history: did the backbone run '
                               'with the tracer attached?')
        if history[0][1].size(-1) != 1:
            raise ValueError('token fluctuation expects scalar-form labels (D = 1), got D = '
                             f'{history[0][1].size(-1)}')
        lam = lam.float().cpu()
        initial = history[0][0].float().cpu()
        shares, drifts = [], []
        for tokens, summary in history:
            shares.append(summary[:, 0].float().cpu())
            tokens = tokens.float().cpu()
            start = initial_on_grid(initial, tokens.size(1), grid_hw)
            drift = (tokens - start).abs().mean(dim=(1, 2)) if start is not None else \
                torch.full_like(lam, float('nan'))
            drifts.append(drift)
        share = torch.stack(shares)  # (depth + 1, B)
        drift = torch.stack(drifts)
        gap = share - lam
        sums = torch.stack([share.sum(1), lam.sum().expand(len(history)), gap.abs().sum(1),
                            gap.sum(1), drift.sum(1)], dim=1).double()
        if self.sums is None:
            self.sums, self.gap_max = sums, gap.abs().max(1).values.double()
        elif sums.shape != self.sums.shape:
            raise RuntimeError(f'label history depth changed from {len(self.sums)} to '
                               f'{len(sums)} entries between batches')
        else:
            self.sums += sums
            self.gap_max = torch.maximum(self.gap_max, gap.abs().max(1).values.double())
        self.count += lam.numel()
        self.trajectories += [(share[:, i].tolist(), float(lam[i])) for i in range(lam.numel())]

    def rows(self):
        """One dict per depth with the :data:`COLUMNS` keys."""
        if self.sums is None:
            raise RuntimeError('no batches were analysed')
        means = (self.sums / self.count).tolist()
        return [dict(zip(COLUMNS, (depth, m[0], m[1], m[2], float(self.gap_max[depth]), m[3],
                                   m[4], self.count))) for depth, m in enumerate(means)]
