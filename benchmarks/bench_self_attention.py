"""Self-attention's gradient on a CPU: fastai's `SimpleSelfAttention`, fastres's as it was (autograd differentiates the
Gram matrix), and fastres's with `_Gram`.

    python benchmarks/bench_self_attention.py                      # a few minutes; writes results/bench_self_attention.{md,json}
    python benchmarks/bench_self_attention.py --out bench_self_attention_epyc_zen3

Why: the layer's output is gamma * x x^T conv(x) + x. Autograd differentiates the Gram matrix G = x x^T as two matrix
products and adds one of them, transposed, to the other: a sum of two memory layouts, which is slow on a CPU. `_Gram`
(10_recipes) returns x (dG + dG^T) in one product instead, and fastres's layer scales the small (c, c) matrix by gamma and
adds the residual inside the last product (`baddbmm`), where it used two elementwise passes over the activation. Two
measurements, in the type fastres trains in on this machine (bf16 with native bf16, else fp32), channels-last:
1. the layer alone, forward and backward, at the first stage's shape of `Recipe.leaderboard()` and `Recipe()`
   (256 channels at 32x32 for 128 px images), batches 32 and 64;
2. `Recipe.leaderboard()`'s whole training step with the layer as it was and as it is (bench_train's interleaved rounds).
"""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT)); sys.path.insert(0, str(ROOT/'benchmarks'))
RESULTS = ROOT/'benchmarks'/'results'
import torch, fastai.layers
from fastres import Recipe
from fastres.recipes import SimpleSelfAttention
from fastres.learner import tune_malloc
from bench_train import machine, md_table, fmt, leaderboard_step_rows, leaderboard_step_md, layer_step_args, medians, roof_dtype

SHAPES = [(32, 256, 32, 32), (64, 256, 32, 32)]
cl = torch.channels_last

class AutogradGram(SimpleSelfAttention):
    "fastres's layer before `_Gram` (channels-last input only): autograd's Gram gradient, gamma and the residual elementwise."
    def forward(self, x):
        assert x.is_contiguous(memory_format=cl) and not self.sym
        for hook in self.conv._forward_pre_hooks.values(): hook(self.conv, (x,))
        n, c, h, w = x.shape
        xt = x.permute(0, 2, 3, 1).reshape(n, h*w, c)
        conv_t = xt @ self.conv.weight[:, :, 0].t()
        o = conv_t @ (xt.transpose(1, 2) @ xt)
        o = self.gamma.to(o.dtype)*o + xt
        return o.view(n, h, w, c).permute(0, 3, 1, 2)

FASTAI, BEFORE = "fastai's", 'fastres, autograd Gram (before)'
VARIANTS = {FASTAI: lambda sa: lambda x: fastai.layers.SimpleSelfAttention.forward(sa, x),  # each: the layer `sa` computed its way
            BEFORE: lambda sa: lambda x: AutogradGram.forward(sa, x), 'fastres': lambda sa: sa}

def part_module(reps, dtype):
    "Each variant's forward and backward, alternated rep by rep; the median per variant."
    rows = []
    for shape in SHAPES:
        torch.manual_seed(0)
        sa = SimpleSelfAttention(shape[1], ks=1).eval()  # (eval: spectral norm's weight stays the same between calls)
        with torch.no_grad(): sa.gamma.fill_(0.1)        # as if trained (it starts at 0)
        sa = sa.to(dtype)
        x = torch.randn(shape).to(dtype).contiguous(memory_format=cl).requires_grad_()
        dy = torch.randn(shape).to(dtype).contiguous(memory_format=cl)
        ps = [x, sa.gamma, sa.conv.weight_orig]
        fs = {k: make(sa) for k, make in VARIANTS.items()}
        def run(f): o = f(x); return (o, *torch.autograd.grad(o, ps, dy))
        res = {k: run(f) for k, f in fs.items()}
        for k, got in res.items():  # the same layer: each way's output and gradients against fastai's
            for a, b in zip(got, res[FASTAI]):
                torch.testing.assert_close(a.float(), b.float(), rtol=2e-2, atol=2e-2*b.abs().max().item())
        step = lambda f: (lambda: torch.autograd.grad(f(x), ps, dy))
        rows.append(dict(shape=shape, **medians({k: step(f) for k, f in fs.items()}, reps, warmup=2)))
        print(rows[-1], flush=True)
    return rows

def part_step(args):
    "The recipe's step with the layer as it was and as it is: bench_train's interleaved leaderboard rounds."
    def make(dls):
        learners = {k: Recipe.leaderboard().learner(dls, n_out=10, c_in=3, path='/tmp') for k in ('autograd Gram (before)', '_Gram')}
        layers = [m for m in learners['autograd Gram (before)'].model.modules() if isinstance(m, SimpleSelfAttention)]
        for m in layers: m.__class__ = AutogradGram
        print('self-attention layers swapped:', len(layers), flush=True)
        return learners
    return leaderboard_step_rows(args, torch.device('cpu'), make)

def main():
    args = layer_step_args(__doc__, 'bench_self_attention')
    tune_malloc()  # as in training: freed memory is reused, so a new tensor costs no page faults
    dtype = roof_dtype(torch.device('cpu'))
    info = machine(); print('machine:', json.dumps(info), 'dtype:', dtype, flush=True)
    res = dict(machine=info, settings=vars(args), dtype=str(dtype), module=part_module(args.reps, dtype), step=part_step(args))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS/f'{args.out}.json').write_text(json.dumps(res, indent=1))
    md = (f"# Self-attention's gradient: fastai's layer, autograd's Gram matrix and `_Gram`\n\nMachine: {info['cpu']}, {info['cores']} cores "
          f"({info.get('cpu_features', '')}); torch {info['torch']} ({info['torch_threads']} threads); {info['date']}. "
          f"Written by `python benchmarks/bench_self_attention.py{' --out ' + args.out if args.out != 'bench_self_attention' else ''}`. "
          f"{str(dtype).replace('torch.', '')} (fastres's training type on this machine), channels-last.\n\n"
          f"## `SimpleSelfAttention` (256 channels, 1x1 conv), forward and backward (median of {args.reps} alternated reps)\n\n"
          + md_table(res['module'], [('input', lambda r: '×'.join(map(str, r['shape'])))]
                     + [(f'{k}, ms', lambda r, k=k: fmt(r[k], '.1f')) for k in VARIANTS]
                     + [('fastres vs before', lambda r: f"{r[BEFORE]/r['fastres']:.2f}x"),
                        ("fastres vs fastai's", lambda r: f"{r[FASTAI]/r['fastres']:.2f}x")])
          + leaderboard_step_md(res['step'], args, 'self-attention gradient'))
    (RESULTS/f'{args.out}.md').write_text(md)
    print(md)

if __name__ == '__main__': main()
