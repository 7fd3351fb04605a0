"""Parameter-efficient transfer: KAdaptation and q/v LoRA as mmpretrain backbone wrappers.

Importing registers ``KAdaptationModel`` and ``QVLoRAModel`` in mmpretrain's ``MODELS``.
"""
from .kadaptation import AdapterTargetError, KAdaptationModel
from .kronecker_qv_linear import (AdapterShapeError, KroneckerQVLinear, SharedKroneckerFactors,
                                  kronecker_sum)
from .plain_weights import (AdapterMergeError, PlainWeightsMixin, merged_model_state_dict,
                            merged_weight_and_bias, plain_state_dict)
from .qv_lora import QVLoRAModel
from .qv_lora_linear import QVLoRALinear

__all__ = [
    'AdapterMergeError', 'AdapterShapeError', 'AdapterTargetError', 'KAdaptationModel',
    'KroneckerQVLinear', 'PlainWeightsMixin', 'QVLoRALinear', 'QVLoRAModel',
    'SharedKroneckerFactors', 'kronecker_sum', 'merged_model_state_dict', 'merged_weight_and_bias',
    'plain_state_dict'
]
