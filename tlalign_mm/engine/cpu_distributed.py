"""Distributed data parallel on CPU processes (gloo).

mmengine always passes ``device_ids=[LOCAL_RANK]`` to DDP wrappers and initialises the process
group after ``torch.cuda.set_device``; both fail on a CPU-only machine. The runner skips its own
initialisation when a process group already exists, so ``tools/train.py`` creates the gloo group
itself and selects this wrapper, which drops the device ids (DDP requires none for CPU modules).
"""
import os
from contextlib import contextmanager

import torch.distributed as torch_dist
from mmengine.model import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):

    def __init__(self, module, device_ids=None, **kwargs):
        super().__init__(module=module, device_ids=None, **kwargs)


def init_cpu_process_group(timeout_s=1800):
    """Create the gloo process group from torchrun's environment, once."""
    from datetime import timedelta
    if torch_dist.is_available() and not torch_dist.is_initialized():
        torch_dist.init_process_group(
            backend='gloo', rank=int(os.environ['RANK']),
            world_size=int(os.environ['WORLD_SIZE']), timeout=timedelta(seconds=timeout_s))


def close_process_group(wait_for_all: bool = True) -> None:
    """Tear the process group down before the interpreter exits.

    Left to interpreter shutdown, gloo's communication threads can be destroyed while still
    joinable, and the C++ runtime aborts a rank ("terminate called without an active
    exception") after a run that succeeded. ``wait_for_all`` first waits until every rank is
    done (skip it on an error path, where the other ranks may never arrive).
    """
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return
    if wait_for_all:
        torch_dist.barrier()
    torch_dist.destroy_process_group()


@contextmanager
def process_group_closed():
    """Run a tool's work, then :func:`close_process_group`: after all ranks are done when it
    succeeded, at once when it raised (or exited with an error)."""
    try:
        yield
    except BaseException:
        close_process_group(wait_for_all=False)
        raise
    close_process_group()
