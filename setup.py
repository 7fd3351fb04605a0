"""tlalign_mm: token-label alignment and transfer benchmarks on the OpenMMLab 2.x stack."""
from setuptools import find_packages, setup


def read_version():
    namespace = {}
    with open('tlalign_mm/version.py') as f:
        exec(f.read(), namespace)
    return namespace['__version__']


setup(
    name='tlalign_mm',
    version=read_version(),
    description='TL-Align (token-label alignment) and downstream transfer benchmarks '
    'on mmpretrain / mmsegmentation / mmdetection',
    packages=find_packages(exclude=('tests', 'configs', 'tools')),
    python_requires='>=3.10',
    # The stack is pinned and installed by tools/bootstrap.sh (mmcv needs a source build).
    install_requires=[],
)
