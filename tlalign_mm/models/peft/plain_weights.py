"""The plain-backbone view of an adapted module: original key names, adapters merged or not.

An adapter wrapper keeps each adapted Linear as ``<name>.original_layer`` beside its factors.
A plain checkpoint of the same backbone has ``<name>.weight``/``<name>.bias``; these helpers map
one onto the other, so that a merged adapter loads into the unwrapped backbone config and a
pre-training checkpoint can be checked against the wrapped backbone.
"""
from mmpretrain.models.peft.lora import LoRALinear
from ...errors import TLAlignError


def merged_weight_and_bias(layer):
    """Weight and bias of the plain Linear equivalent to an adapted ``layer``."""
    if isinstance(layer, LoRALinear):  # mmpretrain's own whole-matrix LoRA
        delta = layer.scaling * layer.lora_up.weight @ layer.lora_down.weight
        return layer.original_layer.weight + delta, layer.original_layer.bias
    return layer.merged_weight_and_bias()


def is_adapted_layer(module):
    return isinstance(module, LoRALinear) or hasattr(module, 'merged_weight_and_bias')


def plain_state_dict(module, merge=True):
    """``module``'s weights under the unadapted key names.

    Args:
        module (nn.Module): a backbone whose Linear layers were replaced by adapter layers.
        merge (bool): fold each adapter's update into its weight (call in eval mode), else
            return the frozen original weights. Defaults to True.

    Returns:
        dict: tensors, detached, keyed as in the backbone before adaptation.
    """
    adapted = {name: m for name, m in module.named_modules() if is_adapted_layer(m)}
    state = {}
    for key, value in module.state_dict().items():
        owner = key.rsplit('.', 1)[0]
        while owner and owner not in adapted:
            owner = owner.rsplit('.', 1)[0] if '.' in owner else ''
        if not owner:
            state[key] = value.detach()
    for name, layer in adapted.items():
        if merge:
            weight, bias = merged_weight_and_bias(layer)
        else:
            weight, bias = layer.original_layer.weight, layer.original_layer.bias
        state[f'{name}.weight'] = weight.detach()
        if bias is not None:
            state[f'{name}.bias'] = bias.detach()
    return state


class PlainWeightsMixin:
    """For wrappers holding the adapted backbone as ``self.module``."""

    def base_state_dict(self):
        """The frozen backbone under its plain key names (what a pre-training checkpoint
        holds); used to check that checkpoint against the wrapped backbone."""
        return plain_state_dict(self.module, merge=False)

    def merged_state_dict(self):
        """The adapted backbone as a plain backbone state dict, every ΔW merged."""
        return plain_state_dict(self.module, merge=True)


class AdapterMergeError(TLAlignError, ValueError):
    """The model has no adapter wrapper to merge."""


def merged_model_state_dict(model, wrapper_name='backbone'):
    """A whole model's state dict with its adapter wrapper replaced by the merged backbone.

    The result loads, key for key, into the same model config whose ``backbone`` is the
    wrapper's ``module`` (the plain backbone). Dropout is switched off for the merge.
    """
    wrapper = getattr(model, wrapper_name, None)
    if not hasattr(wrapper, 'merged_state_dict'):
        raise AdapterMergeError(
            f'model.{wrapper_name} is {type(wrapper).__name__}, not an adapter wrapper '
            '(KAdaptationModel / QVLoRAModel); nothing to merge')
    was_training = model.training
    model.eval()
    state = {}
    for name, child in model.named_children():
        if child is wrapper:
            state.update({f'{name}.{k}': v for k, v in wrapper.merged_state_dict().items()})
        else:
            state.update({k: v.detach() for k, v in child.state_dict(prefix=f'{name}.').items()})
    model.train(was_training)
    return state
