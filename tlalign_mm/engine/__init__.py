from .cpu_distributed import (CPUDistributedDataParallel, close_process_group,
                              init_cpu_process_group, process_group_closed)
from .hooks import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403
from .resumable_epoch_loop import ResumableEpochBasedTrainLoop
