"""The one protocol by which alignment code swaps an mmpretrain attention's kernel.

mmpretrain's ``MultiheadAttention`` calls its ``scaled_dot_product_attention`` instance attribute;
the ViT tracer and TransMix's class-attention capture replace it with a kernel that runs the stock
one and, beside it, does their own work. A swapped-in kernel remembers the stock kernel it wraps
(``wraps_stock``), so restoring puts back exactly that object and a kernel is never wrapped twice.
"""
from typing import Callable, Optional

_STOCK = '_tlalign_stock'


def mark_wrapping(kernel: Callable, stock: Callable) -> Callable:
    """Record on ``kernel`` the stock kernel it wraps; returns ``kernel``."""
    setattr(kernel, _STOCK, stock)
    return kernel


def wrapped_stock(kernel: Callable) -> Optional[Callable]:
    """The stock kernel ``kernel`` wraps, or None for a kernel that is not a swapped-in one."""
    return getattr(kernel, _STOCK, None)


def swap_kernel(attn, kernel: Callable) -> None:
    """Make ``kernel`` (marked with :func:`mark_wrapping`) ``attn``'s attention kernel."""
    attn.scaled_dot_product_attention = kernel


def restore_kernel(attn) -> None:
    """Put back the stock kernel if a swapped-in one is installed; safe to call twice."""
    stock = wrapped_stock(attn.scaled_dot_product_attention)
    if stock is not None:
        attn.scaled_dot_product_attention = stock
