"""Distributed data parallel on CPU processes (gloo).

mmengine always passes ``device_ids=[LOCAL_RANK]`` to DDP wrappers and initialises the process
group after ``torch.cuda.set_device``; both fail on a CPU-only machine. The runner skips its own
initialisation when a process group already exists, so ``tools/train.py`` creates the gloo group
itself and selects this wrapper, which drops the device ids (DDP requires none for CPU modules).
"""
import os

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
