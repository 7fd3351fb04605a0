"""One variable, ``pretrained``, chooses the checkpoint a downstream config starts from.

Every transfer config names its pre-training checkpoint in a top-level ``pretrained`` and wires
it into ``model.backbone.init_cfg`` (``type='Pretrained'``, ``prefix='backbone.'``). mmengine
substitutes variables when the file is parsed, so ``--cfg-options pretrained=...`` alone would
change the variable but not the init_cfg; :func:`use_pretrained` re-points it. Arms of a
benchmark therefore share one downstream file and differ only in this value.

mmengine loads a pretrained backbone with ``strict=False`` and only *warns* about missing keys,
so a checkpoint of the wrong model trains a randomly initialised backbone without complaint.
:func:`check_pretrained_backbone` refuses that before any weight is touched.
"""
import os.path as osp

from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from ..errors import TLAlignError
from .checkpoint_fit import checkpoint_state_dict

BACKBONE_PREFIX = 'backbone.'
# Share of the backbone's weights (by element count) that may be absent from the checkpoint:
# heads of new outputs (e.g. Swin's per-stage norms for dense prediction) are legitimately new.
MAX_MISSING_FRACTION = 0.1


class PretrainedCheckpointError(TLAlignError, ValueError):
    """The pre-training checkpoint is missing or does not fit the backbone."""


def use_pretrained(cfg, checkpoint):
    """Point ``model.backbone.init_cfg`` at ``checkpoint`` (``None``: random initialisation),
    and a neck that loads from the same pre-training checkpoint (CLIP's projection) with it."""
    if 'pretrained' not in cfg:
        raise PretrainedCheckpointError(
            'this config declares no top-level `pretrained` variable, so --cfg-options '
            'pretrained=... has nothing to re-point; set model.backbone.init_cfg instead')
    before = (pretrained_init_cfg(cfg) or {}).get('checkpoint')  # the backbone's, until now
    cfg.pretrained = checkpoint
    backbone = cfg.model.backbone
    if checkpoint is None:
        backbone.init_cfg = None
    else:
        backbone.init_cfg = dict(type='Pretrained', checkpoint=checkpoint,
                                 prefix=BACKBONE_PREFIX)
    necks = cfg.model.get('neck') or []
    for neck in necks if isinstance(necks, (list, tuple)) else [necks]:  # mmdet: a list
        neck_init = neck.get('init_cfg')
        if isinstance(neck_init, dict) and neck_init.get('type') == 'Pretrained' and (
                neck_init.get('checkpoint') == before):
            neck.init_cfg = None if checkpoint is None else dict(neck_init, checkpoint=checkpoint)


def pretrained_init_cfg(cfg):
    """The backbone's ``Pretrained`` init_cfg, or None when it starts from scratch."""
    model = cfg.get('model') or {}
    init_cfg = (model.get('backbone') or {}).get('init_cfg')
    for item in init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg]:
        if isinstance(item, dict) and item.get('type') == 'Pretrained':
            return item
    return None


RANDOM_BASE_FLAG = '--allow-random-base'


def frozen_base(cfg) -> str:
    """Why ``cfg``'s backbone keeps (part of) its weights frozen, or '' when it trains them all.

    An adapter wrapper (KAdaptation, q/v LoRA: any backbone with a ``base_state_dict``) and a
    linear probe (``frozen_stages``) train on top of weights they never change; from a random
    initialisation they produce a number that looks like a result and means nothing.
    """
    from mmpretrain.registry import MODELS
    backbone = (cfg.get('model') or {}).get('backbone') or {}
    kind = backbone.get('type')
    cls = MODELS.get(kind) if isinstance(kind, str) else kind
    if cls is not None and hasattr(cls, 'base_state_dict'):
        return f'{cls.__name__} adapts a frozen backbone'
    if (backbone.get('frozen_stages') or 0) > 0:
        return f'the backbone is frozen (frozen_stages={backbone["frozen_stages"]})'
    return ''


def check_frozen_base_is_pretrained(cfg, allow_random_base: bool = False) -> None:
    """Refuse a frozen backbone without a ``pretrained`` checkpoint, in one line."""
    if allow_random_base or pretrained_init_cfg(cfg) is not None:
        return
    why = frozen_base(cfg)
    if why:
        raise PretrainedCheckpointError(
            f'{why}, but `pretrained` is None: it would be trained and evaluated on random '
            'weights it never changes; pass --cfg-options pretrained=PATH (the pre-training '
            f'checkpoint), or {RANDOM_BASE_FLAG} if a random frozen base is the intent')


def _is_local(path):
    return '://' not in path


def check_pretrained_exists(cfg):
    """Fail in one line when the backbone's local pre-training checkpoint does not exist."""
    init_cfg = pretrained_init_cfg(cfg)
    if init_cfg is None:
        return
    path = init_cfg.get('checkpoint')
    if not path or (_is_local(path) and not osp.isfile(path)):
        raise PretrainedCheckpointError(
            f'pretrained checkpoint not found: {path} (model.backbone.init_cfg.checkpoint); '
            'train the pre-training config first or pass --cfg-options pretrained=PATH')


def _sample(keys, n=5):
    keys = sorted(keys)
    more = f' (+{len(keys) - n} more)' if len(keys) > n else ''
    return ', '.join(keys[:n]) + more


def check_pretrained_backbone(model, cfg):
    """Compare the checkpoint's ``backbone.*`` keys with the built backbone, before init.

    Raises :class:`PretrainedCheckpointError` when the checkpoint has no weights under the
    prefix or leaves more than ``MAX_MISSING_FRACTION`` of the backbone uninitialised; logs the
    missing and unexpected keys otherwise. Shape differences that mmpretrain resizes on load
    (position embeddings, relative position tables) are fine and left to it.
    """
    init_cfg = pretrained_init_cfg(cfg)
    if init_cfg is None or not _is_local(init_cfg.get('checkpoint', '')):
        return
    path, prefix = init_cfg['checkpoint'], init_cfg.get('prefix') or ''
    state = checkpoint_state_dict(path)
    loaded = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    if not loaded:
        tops = sorted({k.split('.', 1)[0] + '.' for k in state})
        raise PretrainedCheckpointError(
            f'{path} has no weights under prefix {prefix!r} (its top-level keys: '
            f'{_sample(tops)}); is it an mmpretrain classifier checkpoint?')
    model = model.module if is_model_wrapper(model) else model
    backbone = model.backbone  # an adapter wrapper compares its frozen, plain-named weights
    own = getattr(backbone, 'base_state_dict', backbone.state_dict)()
    missing = [k for k in own if k not in loaded]
    unexpected = [k for k in loaded if k not in own]
    total = sum(v.numel() for v in own.values())
    missing_numel = sum(own[k].numel() for k in missing)
    if missing_numel > MAX_MISSING_FRACTION * total:
        raise PretrainedCheckpointError(
            f'{path} does not fit {type(model.backbone).__name__}: '
            f'{missing_numel / total:.0%} of the backbone weights have no key in it '
            f'(missing: {_sample(missing)}; unexpected: {_sample(unexpected)}); '
            'check the arch and that the checkpoint was trained with this backbone')
    print_log(f'pretrained backbone from {path}: {len(own) - len(missing)}/{len(own)} tensors; '
              f'missing: {_sample(missing) or "none"}; unexpected: '
              f'{_sample(unexpected) or "none"}', logger='current')
