from .iformer import IFormer  # noqa: F401
