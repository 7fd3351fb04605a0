"""A machine-independent measure of a train step's host work: dispatched aten ops and the
Python calls made inside tlalign_mm.

On a fast GPU a TL-Align step is host-bound: its extra cost is Python and kernel launches, not
arithmetic. Timing that on a CPU machine is noise; counting it is exact and repeatable. Every
aten op that reaches the dispatcher (views included, in forward and backward) is counted by a
``TorchDispatchMode``; every Python function call whose code lives in the ``tlalign_mm`` package
(hooks, tracer kernels, label arithmetic) is counted by a profile function.
"""
import os.path as osp
import sys
from collections import Counter

from torch.utils._python_dispatch import TorchDispatchMode

import tlalign_mm

PACKAGE_DIR = osp.dirname(osp.abspath(tlalign_mm.__file__)) + osp.sep


class _AtenOpCounter(TorchDispatchMode):

    def __init__(self):
        super().__init__()
        self.ops = Counter()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops[func.overloadpacket.__name__] += 1
        return func(*args, **(kwargs or {}))


def count_host_work(step):
    """Run ``step()`` once; returns ``(aten op counts, tlalign_mm Python call counts)``.

    Both are Counters keyed by op / ``file:function`` name.
    """
    calls = Counter()

    def profile(frame, event, arg):
        if event == 'call' and frame.f_code.co_filename.startswith(PACKAGE_DIR):
            code = frame.f_code
            calls[f'{osp.relpath(code.co_filename, PACKAGE_DIR)}:{code.co_name}'] += 1

    counter = _AtenOpCounter()
    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        with counter:
            step()
    finally:
        sys.setprofile(previous)
    return counter.ops, calls


# ops that make the host wait for the device (a value read back, a data-dependent shape)
HOST_SYNC_OPS = ('_local_scalar_dense', 'item', 'nonzero', 'unique', 'masked_select')


def host_work_rows(counts, blocks, base='cutmix'):
    """Per arm: total aten ops and tlalign_mm calls, the extra over ``base`` per block, and the
    extra host-synchronising ops.

    Args:
        counts (dict): arm -> (aten Counter, calls Counter) of one step.
        blocks (int): transformer blocks of the backbone.
    """
    base_ops = sum(counts[base][0].values())
    base_calls = sum(counts[base][1].values())
    rows = {}
    for arm, (ops, calls) in counts.items():
        total_ops, total_calls = sum(ops.values()), sum(calls.values())
        extra = ops - counts[base][0]
        rows[arm] = dict(aten_ops=total_ops, python_calls=total_calls,
                         extra_ops_per_block=(total_ops - base_ops) / blocks,
                         extra_calls_per_block=(total_calls - base_calls) / blocks,
                         top_extra_ops=dict(extra.most_common(12)),
                         extra_host_syncs={op: extra[op] for op in HOST_SYNC_OPS if extra[op]})
    return rows


def print_host_work(rows, blocks, where):
    """The table of :func:`host_work_rows` and each arm's most frequent extra ops."""
    print(f'host work of one train step, {blocks} blocks ({where}):')
    print(f'{"arm":<16}{"aten ops":>10}{"extra/block":>13}{"py calls":>10}{"extra/block":>13}')
    for arm, row in rows.items():
        print(f'{arm:<16}{row["aten_ops"]:>10}{row["extra_ops_per_block"]:>13.1f}'
              f'{row["python_calls"]:>10}{row["extra_calls_per_block"]:>13.1f}')
    for arm, row in rows.items():
        if row['top_extra_ops']:
            print(f'  {arm} extra ops: ' + ', '.join(f'{k} {v}'
                                                      for k, v in row['top_extra_ops'].items()))
