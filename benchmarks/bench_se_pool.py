"""Squeeze-and-excitation's pool on a CPU: PyTorch's `nn.AdaptiveAvgPool2d(1)` against fastres's `GlobalAvgPool`.

    python benchmarks/bench_se_pool.py                        # a few minutes; writes results/bench_se_pool.{md,json}
    python benchmarks/bench_se_pool.py --out bench_se_pool_epyc_zen4

Why: an SE module's input feeds both its pool and its product, so autograd adds up two gradients of that tensor. The
pool's gradient from PyTorch is a new tensor in the default (NCHW) layout, the product's is channels-last in a
channels-last network, and adding tensors of two layouts is many times slower than adding two of one layout.
`GlobalAvgPool` (01_layers) gives its gradient as a broadcast view instead. Three measurements, all bf16 and
channels-last at the shapes of `Recipe.leaderboard()`'s SE-ResNeXt-50 (batch 32, 128 px):
1. the sum of two gradients: both channels-last, or one NCHW (as PyTorch's pool leaves it);
2. one SE module, forward and backward, with each pool;
3. the recipe's whole training step with each pool (bench_train's interleaved rounds of two learners).
"""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT/'benchmarks'))
RESULTS = ROOT/'benchmarks'/'results'
import torch, torch.nn as nn
from fastai.layers import SEModule
from fastres import Recipe
from fastres.layers import GlobalAvgPool, _se_module
from fastres.learner import tune_malloc
from bench_train import machine, md_table, fmt, leaderboard_step_rows, leaderboard_step_md, layer_step_args, medians

SHAPES = [(32, 256, 32, 32), (32, 512, 16, 16), (32, 1024, 8, 8), (32, 2048, 4, 4)]  # the SE inputs of the 4 stages
cl = torch.channels_last

def apart(reps, **fs):
    "Median ms of each function in `fs` over `reps` calls after two warm-up calls, each timed alone, one after the other (bench_train's `medians` a function at a time)."
    return {k: medians({k: f}, reps, warmup=2)[k] for k, f in fs.items()}

def part_add(reps):
    rows = []
    for shape in SHAPES:
        a, b = (torch.randn(shape).bfloat16().contiguous(memory_format=cl) for _ in range(2))
        nchw = b.contiguous()
        rows.append(dict(shape=shape, **apart(reps, cl_ms=lambda: a.add_(b), mixed_ms=lambda: a.add_(nchw))))
        print(rows[-1], flush=True)
    return rows

def part_module(reps):
    rows = []
    for shape in SHAPES:
        x = torch.randn(shape).bfloat16().contiguous(memory_format=cl).requires_grad_()
        dy = torch.randn(shape).bfloat16().contiguous(memory_format=cl)
        def step(se): torch.autograd.grad(se(x), x, dy)
        torch.manual_seed(0); old = SEModule(shape[1], 16).bfloat16().to(memory_format=cl)
        new = _se_module(shape[1], 16).bfloat16().to(memory_format=cl); new.load_state_dict(old.state_dict())
        rows.append(dict(shape=shape, **apart(reps, pytorch_ms=lambda: step(old), fastres_ms=lambda: step(new))))
        print(rows[-1], flush=True)
    return rows

def with_pytorch_pool(model):
    "`model` with every `GlobalAvgPool` of its SE modules replaced by PyTorch's pool (as before fastres had its own)."
    n = 0
    for m in model.modules():
        if hasattr(m, 'layers') and isinstance(m.layers[0], GlobalAvgPool): m.layers[0] = nn.AdaptiveAvgPool2d(1); n += 1
    return n

def part_step(args):
    "The recipe's step with PyTorch's SE pool and with `GlobalAvgPool`: bench_train's interleaved leaderboard rounds."
    def make(dls):
        learners = {pool: Recipe.leaderboard().learner(dls, n_out=10, c_in=3, path='/tmp') for pool in ('PyTorch', 'GlobalAvgPool')}
        print('SE pools replaced:', with_pytorch_pool(learners['PyTorch'].model), flush=True)
        return learners
    return leaderboard_step_rows(args, torch.device('cpu'), make)

def main():
    args = layer_step_args(__doc__, 'bench_se_pool')
    tune_malloc()  # as in training: freed memory is reused, so a new tensor costs no page faults
    info = machine(); print('machine:', json.dumps(info), flush=True)
    res = dict(machine=info, settings=vars(args), add=part_add(args.reps), module=part_module(args.reps), step=part_step(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS/f'{args.out}.json').write_text(json.dumps(res, indent=1))
    shape = lambda r: '×'.join(map(str, r['shape']))
    md = (f"# Squeeze-and-excitation's pool: PyTorch's against `GlobalAvgPool`\n\nMachine: {info['cpu']}, {info['cores']} cores "
          f"({info.get('cpu_features', '')}); torch {info['torch']} ({info['torch_threads']} threads); {info['date']}. "
          f"Written by `python benchmarks/bench_se_pool.py{' --out ' + args.out if args.out != 'bench_se_pool' else ''}`. "
          f"All bf16, channels-last.\n\n## The sum of a tensor's two gradients (median of {args.reps})\n\n"
          + md_table(res['add'], [('gradient', shape), ('both channels-last, ms', lambda r: fmt(r['cl_ms'], '.2f')),
                                  ('one NCHW (PyTorch pool\'s), ms', lambda r: fmt(r['mixed_ms'], '.2f')),
                                  ('slower by', lambda r: f"{r['mixed_ms']/r['cl_ms']:.1f}x")])
          + f"\n## One SE module (reduction 16), forward and backward (median of {args.reps})\n\n"
          + md_table(res['module'], [('input', shape), ('PyTorch pool, ms', lambda r: fmt(r['pytorch_ms'], '.2f')),
                                     ('GlobalAvgPool, ms', lambda r: fmt(r['fastres_ms'], '.2f')),
                                     ('speed-up', lambda r: f"{r['pytorch_ms']/r['fastres_ms']:.2f}x")])
          + leaderboard_step_md(res['step'], args, 'SE pool'))
    (RESULTS/f'{args.out}.md').write_text(md)
    print(md)

if __name__ == '__main__': main()
