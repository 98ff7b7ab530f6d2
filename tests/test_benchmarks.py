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

def test_bench_train_epochsteps_pieces():
    "The epochsteps part's pieces: fixed-batch steps give the learner its own data back, and `Subnormals` counts a planted subnormal."
    bt = _bench('bench_train')
    args = argparse.Namespace(bs=4, size=32)
    dls = bt.batch_dls(args.bs, args.size, 2)
    learn = bt.resnet_learner(dls, 'xresnet18', n_out=10, path='/tmp')
    learn.cpu_mixed_precision.tune_convs = False  # (timing each convolution's ways would take minutes)
    times = bt.fixed_batch_steps(learn, args, n=3)
    assert len(times) == 2 and all(t > 0 for t in times) and learn.dls is dls
    sub = bt.Subnormals(every=2)
    learn.add_cb(sub)
    ps = list(learn.model.parameters())  # (the first: the stem's first convolution's weight, 4-d, channels-last after the fit)
    with torch.no_grad(): ps[0][0, 0, 0, :3] = torch.tensor([1e-40, -1e-39, 1e-37])  # two subnormals, one normal
    ps[1].grad = torch.full_like(ps[1], 1e-41)
    learn.opt.state[ps[1]]['sqr_avg'][0] = 1e-42  # (the fused Adam's state: grad_avg and sqr_avg for each weight, and a step count)
    for learn.iter in (0, 1): sub.after_step()  # (every=2: the second is skipped)
    n = sum(p.numel() for p in ps)
    assert all(p.grad is not None for p in ps)  # (fastai's zero_grad zeroes the fit's gradients, and keeps them)
    assert sub.log == [dict(step=0, weights=2/n, grads=ps[1].numel()/n, opt_state=1/(2*n))]
    assert list(sub.spent) == [0] and sub.spent[0] > 0  # (the look's time, which the part takes out of the step's)
