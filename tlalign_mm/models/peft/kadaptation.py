"""KAdaptation (He et al., AAAI 2023) as a backbone wrapper in the manner of mmpretrain's
``LoRAModel``: ``backbone=dict(type='KAdaptationModel', module=<any backbone>, ...)``.

Every fused qkv Linear the ``targets`` match (mmpretrain ``VisionTransformer``'s
``layers.*.attn.qkv``, Swin's ``stages.*.blocks.*.attn.w_msa.qkv``) becomes a
:class:`KroneckerQVLinear`; the A_i factors live here once and are shared by all of them. Only
adapter parameters stay trainable in the backbone (the head outside trains as usual), and the
wrapper's state dict holds only them, so a checkpoint is the head plus about 50k numbers for a
ViT-B; the frozen backbone comes from the pre-training checkpoint at build time.
"""
import re

from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch import nn

from .kronecker_qv_linear import KroneckerQVLinear, SharedKroneckerFactors
from .plain_weights import PlainWeightsMixin
from ...errors import TLAlignError


class AdapterTargetError(TLAlignError, ValueError):
    """No layer of the wrapped module matched the adapter's targets."""


def _matching_target(name, targets):
    """The first target whose ``type`` matches ``name`` as mmpretrain's ``LoRAModel`` matches
    (full regex match or name suffix), or None."""
    for target in targets:
        if re.fullmatch(target['type'], name) or name.endswith(target['type']):
            return target
    return None


def _checked_targets(targets):
    """``targets`` in ``LoRAModel``'s one form: dicts with a ``type``."""
    if not targets or not all(isinstance(t, dict) and 'type' in t for t in targets):
        raise AdapterTargetError(
            f'KAdaptation targets take LoRAModel\'s form, e.g. [dict(type=\'qkv\')] (a '
            f'target may also set scale and drop_rate), got {targets!r}')
    return list(targets)


def _suffixes(key):
    parts = key.split('.')
    return ('.'.join(parts[i:]) for i in range(len(parts)))


@MODELS.register_module()
class KAdaptationModel(PlainWeightsMixin, BaseModule):
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
            ``pretrained`` variable reaches it); it is applied at construction, before the
            layers are replaced, so the pre-trained keys load under their own names.
    """

    def __init__(self, module, num_terms=32, scale=160.0, drop_rate=0.5,
                 targets=(dict(type='qkv'), ), init_cfg=None):
        super().__init__()
        module = dict(module)
        if init_cfg is not None:
            module['init_cfg'] = init_cfg
        self.module = MODELS.build(module)
        self.module.init_weights()
        targets = _checked_targets(targets)
        self.shared = SharedKroneckerFactors(num_terms)
        adapted = []
        for name, layer in list(self.module.named_modules()):
            target = _matching_target(name, targets) if isinstance(layer, nn.Linear) else None
            if target is not None:
                parent_name, _, child = name.rpartition('.')
                parent = self.module.get_submodule(parent_name)
                setattr(parent, child, KroneckerQVLinear(
                    layer, self.shared, target.get('scale', scale),
                    target.get('drop_rate', drop_rate)))
                adapted.append(name)
        if not adapted:
            raise AdapterTargetError(
                f'KAdaptation targets {targets} match no nn.Linear of '
                f'{type(self.module).__name__}; name its fused qkv layers (e.g. "qkv")')
        print_log(f'KAdaptation on {len(adapted)} qkv layers (n={num_terms}, scale={scale}, '
                  f'dropout={drop_rate})', logger='current')
        for name, param in self.named_parameters():
            param.requires_grad = self._is_adapter_key(name)
        self._frozen_keys = {k for k in self._plain_state_keys() if not self._is_adapter_key(k)}
        self._register_state_dict_hook(self._keep_adapter_keys)
        self.register_load_state_dict_post_hook(self._ignore_frozen_missing)

    @staticmethod
    def _is_adapter_key(name):
        return name.startswith('shared.') or name.rsplit('.', 1)[-1].startswith('kron_')

    def _plain_state_keys(self):
        return list(nn.Module.state_dict(self.module, prefix='module.'))

    @staticmethod
    def _keep_adapter_keys(module, state_dict, prefix, local_metadata):
        """Drop the frozen backbone from the saved state, leaving the adapter's parameters."""
        for key in [k for k in state_dict if k.startswith(prefix)]:
            if not module._is_adapter_key(key[len(prefix):]):
                state_dict.pop(key)

    @staticmethod
    def _ignore_frozen_missing(module, incompatible_keys):
        """A checkpoint without the frozen backbone is complete: it comes from pre-training."""
        for key in list(incompatible_keys.missing_keys):
            if any(s in module._frozen_keys for s in _suffixes(key)):
                incompatible_keys.missing_keys.remove(key)

    def get_layer_depth(self, param_name, prefix=''):
        return self.module.get_layer_depth(param_name, prefix)

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)
