"Tests of the installed package that a notebook cannot make: a fresh interpreter, the public API."
import json, re, subprocess, sys, textwrap, types
from pathlib import Path
import pytest

pytestmark = pytest.mark.xdist_group('package')  # (with pytest -n: one worker starts the interpreter they share)

# One fresh interpreter (its start, mostly fastai's imports, is the cost of these tests): `from fastres import *` first,
# with nothing imported before it, then fastai's star import alone, then fastai's followed by fastres's, each in a
# namespace of its own. Every namespace maps a name to the module's name (for a module) or the object's id: the ids of
# one process, so that equal ids are the same object.
SCRIPT = textwrap.dedent('''
    import json, types
    def star(code):
        ns = {}; exec(code, ns)
        return ns, {k: (v.__name__ if isinstance(v, types.ModuleType) else id(v)) for k, v in ns.items() if not k.startswith('_')}
    fr_ns, fr = star('from fastres import *')
    m = fr_ns['xresnet18'](n_out=3)
    fresh = dict(resnet=isinstance(m, fr_ns['ResNet']), conv_layer=fr_ns['ConvLayer'].__module__,
                 training_api=bool(fr_ns['Learner'].fit_one_cycle and fr_ns['Learner'].lr_find and fr_ns['DataBlock']),
                 out_shape=list(m(fr_ns['torch'].randn(2, 3, 32, 32)).shape))
    _, fa = star('from fastai.vision.all import *')
    _, both = star('from fastai.vision.all import *\\nfrom fastres import *')
    print(json.dumps(dict(fresh=fresh, fastres=fr, fastai=fa, both=both)))
''')

@pytest.fixture(scope='module')
def stars():
    out = subprocess.run([sys.executable, '-c', SCRIPT], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])

def test_star_import_in_fresh_process(stars):
    "`from fastres import *` alone gives fastai's training API and fastres's models."
    assert stars['fresh'] == dict(resnet=True, conv_layer='fastres.layers', training_api=True, out_shape=[2, 3])

def test_every_module_has_all():
    import importlib, pkgutil, fastres
    for mod in pkgutil.iter_modules(fastres.__path__):
        if mod.name.startswith('_'): continue
        m = importlib.import_module(f'fastres.{mod.name}')
        assert hasattr(m, '__all__'), f'fastres.{mod.name} has no __all__'
        for name in m.__all__: assert hasattr(m, name), f'fastres.{mod.name}.__all__ names missing {name}'

def test_star_import_binds_no_submodules(stars):
    "`from fastres import *` gives fastai's names (modules too: torch, nn, F, np, plt) and fastres's, not fastres's submodules."
    import fastres
    fa, fr = stars['fastai'], stars['fastres']
    subs = {n for n, o in vars(fastres).items() if isinstance(o, types.ModuleType) and o.__name__.startswith('fastres.')}
    assert {'data', 'learner', 'core', 'layers', 'callbacks', 'summary', 'family'} <= subs
    assert not subs & set(fr), sorted(subs & set(fr))
    assert set(fa) <= set(fr), sorted(set(fa) - set(fr))  # every name of fastai's star import
    for m in ('torch', 'nn', 'F', 'np', 'plt'): assert fr[m] == fa[m], m
    assert set(fastres.__all__) == set(fr)
    # a user's variable called `data` (or `learner`, ...) survives the import
    ns = {'data': 1, 'learner': 2}; exec('from fastres import *', ns); assert (ns['data'], ns['learner']) == (1, 2)

def test_documented_fastai_names_replaced(stars):
    "index.ipynb lists exactly the fastai names that `from fastres import *` replaces after `from fastai.vision.all import *`."
    fa, both = stars['fastai'], stars['both']
    replaced = sorted(k for k in fa if fa[k] != both[k])
    nb = json.loads((Path(__file__).parent.parent/'nbs'/'index.ipynb').read_text(encoding='utf-8'))
    text = next(''.join(c['source']) for c in nb['cells'] if "replaces these names of fastai's" in ''.join(c['source']))
    listed = text.split("replaces these names of fastai's with fastres's own:", 1)[1].strip().split('\n\n')[0]
    assert sorted(re.findall(r'`(\w+)`', listed)) == replaced
