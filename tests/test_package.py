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

def _star(code):
    "The namespace that `code` (star imports) gives in a fresh interpreter: name -> (module or repr of the object's id)."
    script = (f"{code}\nimport types as _t\n"
              "print(repr({k: (v.__name__ if isinstance(v, _t.ModuleType) else id(v)) for k, v in dict(globals()).items() if not k.startswith('_')}))")
    out = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, check=True).stdout
    return eval(out.strip().splitlines()[-1])

def test_star_import_binds_no_submodules():
    "`from fastres import *` gives fastai's names (modules too: torch, nn, F, np, plt) and fastres's, not fastres's submodules."
    import types, fastres
    fa, fr = _star('from fastai.vision.all import *'), _star('from fastres import *')
    subs = {n for n, o in vars(fastres).items() if isinstance(o, types.ModuleType) and o.__name__.startswith('fastres.')}
    assert {'data', 'learner', 'core', 'layers', 'callbacks', 'summary', 'family'} <= subs
    assert not subs & set(fr), sorted(subs & set(fr))
    assert set(fa) <= set(fr), sorted(set(fa) - set(fr))  # every name of fastai's star import
    for m in ('torch', 'nn', 'F', 'np', 'plt'): assert fr[m] == fa[m], m
    assert set(fastres.__all__) == set(fr)
    # a user's variable called `data` (or `learner`, ...) survives the import
    ns = {'data': 1, 'learner': 2}; exec('from fastres import *', ns); assert (ns['data'], ns['learner']) == (1, 2)

def test_documented_fastai_names_replaced():
    "index.ipynb lists exactly the fastai names that `from fastres import *` replaces after `from fastai.vision.all import *`."
    import json, re
    from pathlib import Path
    code = ("import warnings; warnings.filterwarnings('ignore')\n"
            "fa, both = {}, {}\nexec('from fastai.vision.all import *', fa)\n"
            "exec('from fastai.vision.all import *\\nfrom fastres import *', both)\n"
            "print(sorted(k for k in fa if not k.startswith('_') and fa[k] is not both[k]))")
    replaced = eval(subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
    nb = json.loads((Path(__file__).parent.parent/'nbs'/'index.ipynb').read_text(encoding='utf-8'))
    text = next(''.join(c['source']) for c in nb['cells'] if "replaces these names of fastai's" in ''.join(c['source']))
    listed = text.split("replaces these names of fastai's with fastres's own:", 1)[1].strip().split('\n\n')[0]
    assert sorted(re.findall(r'`(\w+)`', listed)) == replaced
