"Smoke tests of the benchmark scripts: every training path they time builds and steps (tiny sizes; no timing checked)."
import argparse, importlib.util
from pathlib import Path
import torch

ROOT = Path(__file__).parents[1]

def _bench(name):
    "The benchmark script benchmarks/`name`.py, imported."
    spec = importlib.util.spec_from_file_location(name, ROOT/'benchmarks'/f'{name}.py')
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
    return m

def test_bench_train_step_paths_build_and_step():
    "Each path of the step part, and the recipe part's, on a batch that every step reuses (its loaders batch nothing: bs=None)."
    bt = _bench('bench_train')
    args = argparse.Namespace(rounds=1, bs=4, steps=2)
    dls = bt.batch_dls(args.bs, 32, args.steps)
    paths = {k: f for group in bt.step_variants(torch.device('cpu'), False).values() for k, f in group.items()}
    learners = {k: f(dls, 'xresnet18') for k, f in paths.items()}
    learners['Recipe()'] = bt.recipe_learner(dls)
    for learn in learners.values():  # the model built for the batch's 3 channels and 10 classes
        assert learn.model(dls.one_batch()[0].to(torch.float32)).shape == (4, 10)
    timed = {k: learners[k] for k in ('fastai default', 'fastres default')}
    timed['fastres default'].cpu_mixed_precision.tune_convs = False  # (timing each convolution's ways would take minutes)
    rows = bt.time_steps(timed, args, 'xresnet18')
    assert [r['variant'] for r in rows] == list(timed) and all(r['n'] == 1 and r['ms'] > 0 for r in rows)

def test_bench_self_attention_ways_agree():
    "The self-attention benchmark's three ways (fastai's, autograd's Gram gradient, `_Gram`) compute the same layer (its own check), on a tiny input."
    bsa = _bench('bench_self_attention')
    bsa.SHAPES = [(2, 16, 4, 4)]
    rows = bsa.part_module(1, torch.float32)
    assert list(rows[0]) == ['shape', *bsa.VARIANTS] and all(rows[0][k] > 0 for k in bsa.VARIANTS)
