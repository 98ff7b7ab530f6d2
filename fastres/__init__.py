__version__ = "0.1.0"

# `from fastres import *` gives fastai's training API (Learner, DataBlock, lr_find, fit_one_cycle, ...)
# and then everything fastres exports; fastres's names win where both define one (ConvLayer, ResBlock, ...).
import warnings
# fastai 2.8 still decorates a few functions with torch.jit.script, which torch 2.14 flags on every import.
warnings.filterwarnings('ignore', message='`torch.jit.script` is deprecated', category=FutureWarning)
from fastai.vision.all import *
from .core import *
from .layers import *
from .xresnet import *
from .family import *
from .summary import *
from .data import *
from .learner import *
from .callbacks import *
from .cli import *
from .distributed import *
from .recipes import *
from .finetune import *

# What `from fastres import *` gives: every public name above except fastres's own submodules (`data`, `learner`,
# `core`, ...), which would overwrite a user's variables of those names. fastai's modules (torch, nn, F, np, plt) stay.
import types as _types
__all__ = [_n for _n, _o in list(globals().items()) if not _n.startswith('_')
           and not (isinstance(_o, _types.ModuleType) and _o.__name__.startswith(__name__ + '.'))]
