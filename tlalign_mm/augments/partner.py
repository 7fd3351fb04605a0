"""Which image each sample of a batch is mixed with.

mmpretrain's CutMix and Mixup pair sample ``i`` with ``randperm(B)[i]``, which leaves about one
sample per batch mixed with itself (its "mixed" image and label are its own) and every sample of
a batch of one. :func:`partner_permutation` draws the same permutation and re-pairs the fixed
points among themselves (or with a neighbour when there is one), so no sample is its own partner
when the batch has two or more samples; a batch of one cannot be mixed and is reported once.
The permutation is drawn on the host: the repair needs to look at it, and a B-element index is
cheaper to copy than to synchronise on.
"""
import torch
from mmengine.logging import print_log

_warned_single = False


def partner_permutation(batch_size, device=None):
    """A random permutation of ``range(batch_size)`` without fixed points (``batch_size>=2``).

    Args:
        batch_size (int): number of samples.
        device (torch.device | str, optional): where the returned index lives.

    Returns:
        torch.Tensor: (batch_size,) int64 partner index.
    """
    global _warned_single
    index = torch.randperm(batch_size)
    if batch_size < 2:
        if not _warned_single:
            print_log('a batch of one sample cannot be mixed: it is paired with itself (image '
                      'and label unchanged); use drop_last=True or a larger batch',
                      logger='current', level=30)
            _warned_single = True
        return index.to(device) if device is not None else index
    fixed = torch.nonzero(index == torch.arange(batch_size)).flatten()
    if len(fixed) >= 2:  # each fixed point takes the next one's value: a cycle among them
        index[fixed] = index[fixed.roll(1)]
    elif len(fixed) == 1:  # swap with the neighbour, which is not a fixed point
        f = int(fixed)
        k = (f + 1) % batch_size
        index[f], index[k] = index[k].clone(), index[f].clone()
    return index.to(device) if device is not None else index
