"""The TensorBoard switch of the tools: mmengine's ``TensorboardVisBackend`` added to a config.

``tensorboard`` is an optional extra (``pip install -e ".[tensorboard]"``); asking for the switch
without it is one line up front instead of an ImportError at the first logged iteration.
"""
import importlib.util

from mmengine.config import Config

from ..errors import ToolInputError


def require_tensorboard() -> None:
    """Refuse ``--tensorboard`` in one line where the package is not installed."""
    if importlib.util.find_spec('tensorboard') is None:
        raise ToolInputError('--tensorboard needs the tensorboard package: pip install '
                             'tensorboard (or pip install -e ".[tensorboard]")')


def add_tensorboard(cfg: Config) -> None:
    """Training curves in TensorBoard as well: ``TensorboardVisBackend`` beside the config's own
    backends, so every scalar the logger writes (losses, lr, ``align_gap``, ``transmix_shift``,
    the token-labeling terms) lands in ``<work_dir>/<timestamp>/vis_data/events.out.tfevents.*``.
    """
    require_tensorboard()
    visualizer = cfg.get('visualizer') or dict(
        type='Visualizer', vis_backends=[dict(type='LocalVisBackend')])
    backends = list(visualizer.get('vis_backends') or [])
    if not any(backend.get('type') == 'TensorboardVisBackend' for backend in backends):
        backends.append(dict(type='TensorboardVisBackend'))
    visualizer['vis_backends'] = backends
    cfg.visualizer = visualizer
