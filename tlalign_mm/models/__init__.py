from .data_preprocessors import *  # noqa: F401,F403
from .peft import *  # noqa: F401,F403
