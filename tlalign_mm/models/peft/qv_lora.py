"""mmpretrain's ``LoRAModel`` with the q/v split of fused qkv layers the paper's LoRA uses.

Everything but the layer replacement is mmpretrain's: target matching, per-target alpha /
rank / dropout, freezing all non-``lora_`` parameters, saving only ``lora_`` keys, and the
layer-depth hook for layer-wise lr decay. A matched Linear whose output is three times its input
(a fused qkv) gets :class:`QVLoRALinear`; any other matched Linear gets mmpretrain's
``LoRALinear`` as before.
"""
from mmpretrain.models.peft import LoRAModel
from mmpretrain.registry import MODELS

from .plain_weights import PlainWeightsMixin
from .qv_lora_linear import QVLoRALinear


@MODELS.register_module()
class QVLoRAModel(PlainWeightsMixin, LoRAModel):
    """LoRA whose fused-qkv targets adapt W_q and W_v separately (W_k untouched).

    Args:
        module (dict): config of the backbone to adapt.
        alpha (float): LoRA α (update scale α / rank). Defaults to 1.
        rank (int): rank of each update. Defaults to 0 (must be set, as in ``LoRAModel``).
        drop_rate (float): dropout on the adapter input. Defaults to 0.
        targets (list[dict]): as in ``LoRAModel``: ``dict(type=<regex or suffix>, ...)``.
        init_cfg (dict, optional): given to the wrapped module, which ``LoRAModel``
            initialises at construction (before replacing layers, so the pre-trained keys load
            under their own names); this is how the ``pretrained`` variable reaches it.
    """

    def __init__(self, module, alpha=1, rank=0, drop_rate=0., targets=(), init_cfg=None):
        module = dict(module)
        if init_cfg is not None:
            module['init_cfg'] = init_cfg
        super().__init__(module, alpha=alpha, rank=rank, drop_rate=drop_rate,
                         targets=list(targets))

    def _replace_module(self, module_name, current_module, alpha, rank, drop_rate):
        if current_module.out_features != 3 * current_module.in_features:
            return super()._replace_module(module_name, current_module, alpha, rank, drop_rate)
        parent_name, _, child = module_name.rpartition('.')
        parent = self.module.get_submodule(parent_name)
        setattr(parent, child, QVLoRALinear(current_module, alpha, rank, drop_rate))
