from .checkpoint import (CorruptedCheckpointError, UnsafeCheckpointError,
                         install_safe_local_loader, safe_torch_load)
from .config_checks import (ClassCountError, DatasetRootError, check_data_roots,
                            check_num_classes)
from .stack import StackVersionError, check_stack, stack_versions

__all__ = [
    'CorruptedCheckpointError', 'UnsafeCheckpointError', 'install_safe_local_loader',
    'safe_torch_load', 'ClassCountError', 'DatasetRootError', 'check_data_roots',
    'check_num_classes', 'StackVersionError', 'check_stack', 'stack_versions'
]
