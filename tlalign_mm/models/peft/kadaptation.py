"""KAdaptation (He et al., AAAI 2023) on mmpretrain's ``LoRAModel`` machinery:
``backbone=dict(type='KAdaptationModel', module=<any backbone>, ...)``.

Everything but the layer replacement is ``LoRAModel``'s: target matching (full regex match or
name suffix, per-target settings), freezing every parameter whose name lacks ``.lora_``, saving
only those, and forgiving the frozen backbone's missing keys at load time. Every fused qkv Linear
the ``targets`` match (mmpretrain ``VisionTransformer``'s ``layers.*.attn.qkv``, Swin's
``stages.*.blocks.*.attn.w_msa.qkv``) becomes a :class:`KroneckerQVLinear`; the A_i factors live
here once, as ``shared.lora_*``, and all adapted layers share them. A checkpoint is the head plus
about 50k numbers for a ViT-B; the frozen backbone comes from the pre-training checkpoint.
"""
import re

from mmengine.logging import print_log
from mmpretrain.models.peft import LoRAModel
from mmpretrain.registry import MODELS

from .kronecker_qv_linear import KroneckerQVLinear, SharedKroneckerFactors
from .plain_weights import PlainWeightsMixin
from ...errors import TLAlignError


class AdapterTargetError(TLAlignError, ValueError):
    """No layer of the wrapped module matched the adapter's targets."""


#: Adapter keys of checkpoints written before the adapter used ``LoRAModel``'s ``lora_`` names.
_EARLIER_SHARED_KEY = re.compile(r'(^|\.)shared\.([qv]_(?:left|right))$')
_EARLIER_LAYER_KEY = re.compile(r'\.kron_([qv]_[uv]|bias)$')


def _checked_targets(targets, scale):
    """``targets`` in ``LoRAModel``'s one form (dicts with a ``type``), each target's ``scale``
    handed to ``LoRAModel`` as its ``alpha`` (the factor on the update in both methods)."""
    if not targets or not all(isinstance(t, dict) and 'type' in t for t in targets):
        raise AdapterTargetError(
            f'KAdaptation targets take LoRAModel\'s form, e.g. [dict(type=\'qkv\')] (a '
            f'target may also set scale and drop_rate), got {targets!r}')
    return [dict({k: v for k, v in t.items() if k != 'scale'}, alpha=t.get('scale', scale))
            for t in targets]


def renamed_earlier_keys(state_dict: dict, prefix: str = '') -> dict:
    """``state_dict`` with the adapter keys of earlier checkpoints (``shared.q_left``,
    ``...qkv.kron_q_u``, ``...qkv.kron_bias``) renamed to today's ``lora_`` names, in place.

    Without the rename ``LoRAModel``'s load hook would drop them as frozen-backbone keys and the
    adapter would silently start from its initialisation.
    """
    for key in [k for k in state_dict if k.startswith(prefix)]:
        tail = key[len(prefix):]
        new_tail = _EARLIER_LAYER_KEY.sub(r'.lora_\1',
                                          _EARLIER_SHARED_KEY.sub(r'\1shared.lora_\2', tail))
        if new_tail != tail:
            state_dict[prefix + new_tail] = state_dict.pop(key)
    return state_dict


@MODELS.register_module()
class KAdaptationModel(PlainWeightsMixin, LoRAModel):
    """Kronecker adaptation of W_q and W_v in every matched fused qkv layer.

    Args:
        module (dict): config of the backbone to adapt.
        num_terms (int): n: the number of Kronecker terms and the side of each shared A_i;
            each B_i is (dim/n)×(dim/n), so n must divide every adapted layer's dim.
            Defaults to 32 (the paper's ViT-B setting: B_i 24×24).
        scale (float): s, the factor on the Kronecker sum. Defaults to 160 (the paper's).
        drop_rate (float): dropout on the Kronecker sum while training. Defaults to 0.5.
        targets (Sequence[dict]): as in mmpretrain's ``LoRAModel``: ``dict(type=<regex (full
            match) or name suffix>)`` per group of fused qkv Linear layers, optionally with its
            own ``scale`` / ``drop_rate``. Defaults to ``[dict(type='qkv')]``.
        init_cfg (dict, optional): given to the wrapped module (so that the project's
            ``pretrained`` variable reaches it); ``LoRAModel`` applies it at construction,
            before the layers are replaced, so the pre-trained keys load under their own names.
    """

    def __init__(self, module: dict, num_terms: int = 32, scale: float = 160.0,
                 drop_rate: float = 0.5, targets=(dict(type='qkv'), ), init_cfg=None):
        module = dict(module)
        if init_cfg is not None:
            module['init_cfg'] = init_cfg
        self.num_terms = num_terms
        super().__init__(module, alpha=scale, drop_rate=drop_rate,
                         targets=_checked_targets(targets, scale))
        adapted = sum(isinstance(m, KroneckerQVLinear) for m in self.module.modules())
        print_log(f'KAdaptation on {adapted} qkv layers (n={num_terms}, scale={scale}, '
                  f'dropout={drop_rate})', logger='current')
        self._register_load_state_dict_pre_hook(self._rename_earlier_keys)

    def apply_lora(self):
        self._modules.setdefault('shared', SharedKroneckerFactors(self.num_terms))
        super().apply_lora()
        if not self.applied:
            raise AdapterTargetError(
                f'KAdaptation targets {self.targets} match no nn.Linear of '
                f'{type(self.module).__name__}; name its fused qkv layers (e.g. "qkv")')

    def _replace_module(self, module_name, current_module, alpha, rank, drop_rate):
        parent_name, _, child = module_name.rpartition('.')
        parent = self.module.get_submodule(parent_name)
        setattr(parent, child, KroneckerQVLinear(current_module, self.shared, alpha, drop_rate))

    @staticmethod
    def _rename_earlier_keys(state_dict, prefix, *args):
        renamed_earlier_keys(state_dict, prefix)
