from .negative_losses import NegativeContrastiveLoss, NegativeL2Loss, NegativeUniformLoss

__all__ = ['NegativeContrastiveLoss', 'NegativeL2Loss', 'NegativeUniformLoss']
