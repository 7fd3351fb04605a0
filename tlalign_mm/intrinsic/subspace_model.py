"""Subspace training of an mmengine model: ``θ = θ₀ + P θ_d`` (or SAID's ``θ₀ + λ_t ⊙ P θ_d``).

The wrapped model keeps its own train/val/test steps, data preprocessor, losses and
predictions; its forward runs through ``torch.func.functional_call`` with every chosen weight
replaced by a function of the trainable θ_d (and λ), so the config's runner, optimizer and
evaluator measure the subspace model unchanged.
"""
import re

import torch
from mmengine.model import BaseModel
from torch import nn
from torch.func import functional_call

from .dense_projection import DenseProjection, ProjectionSizeError
from .fastfood_projection import FastfoodProjection

PROJECTIONS = dict(dense=DenseProjection, fastfood=FastfoodProjection)


class SubspaceModel(BaseModel):
    """Re-parametrise ``model``'s weights in a random d-dimensional subspace around θ₀.

    Args:
        model (BaseModel): the initialised model (θ₀); its parameters are frozen.
        dim (int): d. With ``said`` the T per-tensor scales count in d, so the projection gets
            d - T dimensions (as in Aghajanyan et al.).
        projection (str): ``'fastfood'`` (no D×d matrix) or ``'dense'``. Defaults to
            ``'fastfood'``.
        said (bool): learn one scale λ_t per weight tensor (initialised to 1). Defaults to False.
        seed (int): seed of the projection. Defaults to 0.
        param_regex (str, optional): re-parametrise only parameters whose name matches
            (``re.search``); default all.
    """

    def __init__(self, model, dim, projection='fastfood', said=False, seed=0, param_regex=None):
        super().__init__()
        if projection not in PROJECTIONS:
            raise ProjectionSizeError(f'unknown projection {projection!r}; known: '
                                      f'{sorted(PROJECTIONS)}')
        self.model = model
        self.data_preprocessor = model.data_preprocessor
        named = [(n, p) for n, p in model.named_parameters()
                 if param_regex is None or re.search(param_regex, n)]
        if not named:
            raise ProjectionSizeError(f'no parameter of the model matches {param_regex!r}')
        for param in model.parameters():
            param.requires_grad_(False)
        self._names = [n for n, _ in named]
        self._shapes = [p.shape for _, p in named]
        self._numels = [p.numel() for _, p in named]
        self.full_dim = sum(self._numels)
        proj_dim = dim - (len(named) if said else 0)
        if proj_dim < 1:
            raise ProjectionSizeError(f'SAID needs d > {len(named)} (one scale per tensor); '
                                      f'got d={dim}')
        self.projection = PROJECTIONS[projection](self.full_dim, proj_dim, seed=seed)
        self.theta_d = nn.Parameter(torch.zeros(proj_dim))
        self.said_scales = nn.Parameter(torch.ones(len(named))) if said else None

    def init_weights(self):
        """θ₀ is the wrapped model as given: nothing to initialise."""

    def num_trainable(self):
        return sum(p.numel() for p in self.parameters() if p.requires_grad)

    def subspace_params(self):
        """Every re-parametrised weight as ``θ₀ + (λ ⊙) P θ_d``, keyed by name."""
        own = dict(self.model.named_parameters())
        chunks = self.projection(self.theta_d).split(self._numels)
        params = {}
        for i, (name, shape, chunk) in enumerate(zip(self._names, self._shapes, chunks)):
            delta = chunk.view(shape)
            if self.said_scales is not None:
                delta = self.said_scales[i] * delta
            params[name] = own[name] + delta
        return params

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return functional_call(self.model, self.subspace_params(), (inputs, data_samples, mode))
