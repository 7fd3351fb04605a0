"""Saving the analysis tools' figures: titled, laid out and written atomically."""
from .atomic_io import atomic_open


def save_figure(fig, path: str, title: str, dpi: int = 120) -> None:
    """Title ``fig``, lay it out, write it to the PNG ``path`` (replaced atomically), close it."""
    import matplotlib.pyplot as plt
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    with atomic_open(path, 'wb') as f:
        fig.savefig(f, dpi=dpi, format='png')
    plt.close(fig)
