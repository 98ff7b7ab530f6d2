"Tests of the installed package that a notebook cannot make: a fresh interpreter, the public API."
import subprocess, sys

def test_star_import_in_fresh_process():
    "`from fastres import *` alone gives fastai's training API and fastres's models."
    code = ("from fastres import *\n"
            "m = xresnet18(n_out=3)\n"
            "assert isinstance(m, ResNet) and ConvLayer.__module__ == 'fastres.layers'\n"
            "assert Learner.fit_one_cycle and Learner.lr_find and DataBlock\n"
            "print(m(torch.randn(2, 3, 32, 32)).shape)")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert 'torch.Size([2, 3])' in out

def test_every_module_has_all():
    import importlib, pkgutil, fastres
    for mod in pkgutil.iter_modules(fastres.__path__):
        if mod.name.startswith('_'): continue
        m = importlib.import_module(f'fastres.{mod.name}')
        assert hasattr(m, '__all__'), f'fastres.{mod.name} has no __all__'
        for name in m.__all__: assert hasattr(m, name), f'fastres.{mod.name}.__all__ names missing {name}'
