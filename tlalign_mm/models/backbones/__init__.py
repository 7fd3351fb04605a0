from .iformer import IFormer  # noqa: F401
from .lvvit import LVViT  # noqa: F401
