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
    # The repair in Python on the host list: no dynamic-shape tensor op (``nonzero``) and no
    # per-element ``.item()`` in the step's dispatched work.
    order = index.tolist()
    fixed = [i for i, j in enumerate(order) if i == j]
    if len(fixed) >= 2:  # each fixed point takes the next one's value: a cycle among them
        values = [order[f] for f in fixed]
        for f, value in zip(fixed, values[-1:] + values[:-1]):
            order[f] = value
    elif len(fixed) == 1:  # swap with the neighbour, which is not a fixed point
        f = fixed[0]
        k = (f + 1) % batch_size
        order[f], order[k] = order[k], order[f]
    index = torch.tensor(order)
    return index.to(device) if device is not None else index
