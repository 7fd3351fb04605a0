"""Intrinsic dimension of fine-tuning: random-subspace training through the model's runner."""
from .d90 import d90
from .dense_projection import DenseProjection, ProjectionSizeError
from .fastfood_projection import FastfoodProjection, fwht
from .subspace_model import PROJECTIONS, SubspaceModel

__all__ = ['DenseProjection', 'FastfoodProjection', 'PROJECTIONS', 'ProjectionSizeError',
           'SubspaceModel', 'd90', 'fwht']
