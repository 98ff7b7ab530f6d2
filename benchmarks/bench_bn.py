"""Batch norm (and the ReLU or Mish after it) of bf16 channels-last activations on this CPU: PyTorch's kernels against fastres's.

    python benchmarks/bench_bn.py                    # about a minute; writes results/bench_bn.{md,json}
    python benchmarks/bench_bn.py --out bench_bn_xeon
    python benchmarks/bench_bn.py --recipe leaderboard --bs 32 --out bench_bn_mish_xeon   # Recipe.leaderboard()'s network (Mish)

For every distinct shape that batch norm sees in an xresnet50 training step (128 px, batch 64), and which activation
follows it (`bn_act_pairs`: then both are timed; PyTorch's batch norm then fastres's `relu_bf16` or `FastMish`, as before
the kernel took them in; fastres's batch norm and activation in one kernel), the forward and the
backward (the gradients of x, weight and bias), each timed alternately with a plain copy of the activation (the
memory-speed yardstick) and with the other kernel: the median of `--reps` calls. The last row adds them up over the
network's layers (a shape counts as often as it occurs), i.e. the batch norm (and its ReLUs') time of one step.
"""
import argparse, json, sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT/'benchmarks'/'results'
import torch, torch.nn as nn, torch.nn.functional as F
from fastres.core import get_arch
import fastres.xresnet, fastres.family  # (the registry's architectures)
from fastres.learner import tune_malloc, relu_bf16, batch_norm_bf16, bn_act_pairs, bn_bf16_kernel
from fastres.layers import mish_kernels
from fastres.recipes import Recipe
sys.path.insert(0, str(ROOT/'benchmarks'))
from bench_train import machine, md_table, fmt, medians

def bn_shapes(m, size, bs):
    "Counter of (input shape, the activation after it or '') of every BatchNorm2d in one forward pass of model `m`."
    shapes = Counter()
    acts = {id(bn): name for bn, _, name in bn_act_pairs(m)}
    hooks = [l.register_forward_hook(lambda mod, i, o: shapes.update([(tuple(i[0].shape), acts.get(id(mod), ''))]))
             for l in m.modules() if isinstance(l, nn.BatchNorm2d)]
    with torch.no_grad(): m(torch.zeros(bs, 3, size, size))
    for h in hooks: h.remove()
    return shapes

ACTS = {'': lambda y: y, 'relu': relu_bf16, 'mish': mish_kernels.apply}  # (fastres's activations: the path before the kernel took them in)

def time_shape(shape, act, reps):
    C = shape[1]
    x = torch.randn(*shape).to(torch.bfloat16).contiguous(memory_format=torch.channels_last).requires_grad_()
    dy = torch.randn(*shape).to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
    w, b = torch.ones(C, requires_grad=True), torch.zeros(C, requires_grad=True)
    rm, rv = torch.zeros(C), torch.ones(C)
    def fwd():
        return ACTS[act](F.batch_norm(x, rm, rv, w, b, True, 0.1, 1e-5))
    def fwd_fastres(): return batch_norm_bf16(x, rm, rv, w, b, 0.1, 1e-5, act=act or None)
    y, y_f = fwd(), fwd_fastres()
    bwd = lambda y: (lambda: torch.autograd.grad(y, (x, w, b), dy, retain_graph=True))
    xd = x.detach()
    t = medians({'copy': xd.clone, 'pytorch_fwd': fwd, 'fastres_fwd': fwd_fastres,
                 'pytorch_bwd': bwd(y), 'fastres_bwd': bwd(y_f)}, reps)
    return dict(shape='x'.join(map(str, shape)), act=act, **t)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--arch', default='xresnet50'); ap.add_argument('--recipe', choices=['leaderboard'], help="Recipe.leaderboard()'s network instead of --arch"); ap.add_argument('--size', type=int, default=128); ap.add_argument('--bs', type=int, default=64)
    ap.add_argument('--reps', type=int, default=21)
    ap.add_argument('--out', default='bench_bn')
    args = ap.parse_args()
    tune_malloc()  # as in training: freed memory is reused, so a new tensor costs no page faults
    if bn_bf16_kernel() is None: sys.exit("fastres's bf16 batch-norm kernel is not available on this machine: nothing to compare.")
    info = machine(); print('machine:', json.dumps(info), flush=True)
    model = Recipe.leaderboard().model(n_out=10) if args.recipe else get_arch(args.arch)(n_out=10)
    name = "Recipe.leaderboard()'s network" if args.recipe else f"an {args.arch}"
    shapes = bn_shapes(model, args.size, args.bs)
    rows = []
    for (shape, act), n in sorted(shapes.items(), key=lambda kv: (-kv[0][0][2], kv[0][1])):
        rows.append(dict(layers=n, **time_shape(shape, act, args.reps)))
        print(rows[-1], flush=True)
    keys = ['copy', 'pytorch_fwd', 'fastres_fwd', 'pytorch_bwd', 'fastres_bwd']
    total = dict(shape=f'all {sum(shapes.values())} layers of a step', act=sum(n for (_, a), n in shapes.items() if a), layers=sum(shapes.values()),
                 **{k: sum(r['layers']*r[k] for r in rows) for k in keys})
    rows.append(total)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS/f'{args.out}.json').write_text(json.dumps(dict(machine=info, settings=vars(args), rows=rows), indent=1))
    x = lambda a, b: (lambda r: f"{r[a]/r[b]:.2f}x")
    md = (f"# Batch norm (+ activation), bf16 channels-last: PyTorch against fastres's kernel\n\nMachine: {info['cpu']}, {info['cores']} cores "
          f"({info.get('cpu_features', '')}); torch {info['torch']} ({info['torch_threads']} threads); {info['date']}. "
          f"Written by `python benchmarks/bench_bn.py {' '.join(sys.argv[1:])}`.\n\nEvery batch-norm input shape of {name} training step at "
          f"{args.size} px, batch {args.bs}; 'act': the activation that follows the batch norm, timed with it (PyTorch: "
          f"`F.batch_norm`, then fastres's `relu_bf16` or `FastMish` as before this kernel; fastres: `batch_norm_bf16(act=...)`, one kernel). ms are medians of {args.reps} alternated calls. 'copy' is `x.clone()`, the "
          f"memory-speed yardstick (a forward needs about 1.5 copies' worth of traffic, a backward 2.5). The backward "
          f"gives the gradients of x, weight and bias. The last row sums over the network's layers (its 'act': how many had one).\n\n"
          + md_table(rows, [('shape', lambda r: r['shape']), ('act', lambda r: str(r['act']) if isinstance(r['act'], int) else (r['act'] or 'none')), ('layers', lambda r: str(r['layers'])), ('copy ms', lambda r: fmt(r['copy'], '.2f')),
                            ('PyTorch fwd ms', lambda r: fmt(r['pytorch_fwd'], '.2f')), ('fastres fwd ms', lambda r: fmt(r['fastres_fwd'], '.2f')),
                            ('fwd speed-up', x('pytorch_fwd', 'fastres_fwd')),
                            ('PyTorch bwd ms', lambda r: fmt(r['pytorch_bwd'], '.2f')), ('fastres bwd ms', lambda r: fmt(r['fastres_bwd'], '.2f')),
                            ('bwd speed-up', x('pytorch_bwd', 'fastres_bwd')),
                            ('fastres fwd / copy', x('fastres_fwd', 'copy')), ('fastres bwd / copy', x('fastres_bwd', 'copy'))]))
    (RESULTS/f'{args.out}.md').write_text(md)
    print(md)

if __name__ == '__main__': main()
