"""Would fusing each batch norm with the ReLU after it make the training step faster on a CPU? An experiment.

    python benchmarks/bench_fused_bn.py [--out NAME]   # about 4 minutes on 2 cores; writes results/NAME.{md,json} (NAME: bench_fused_bn)

In training, PyTorch's own kernels pass over a BN + ReLU pair's activations about 13 times: forward, the
statistics (1 read), the normalisation (read, write) and the ReLU (read, write); backward, ReLU's gradient (2 reads,
1 write), BN's two sums (2 reads) and BN's input gradient (2 reads, 1 write). Fused, with the ReLU's mask recomputed
from BN's input instead of read from its output, it takes 8: statistics (1), normalise + ReLU (2), the sums (2),
the input gradient (3). `BNReLU` below is that fused pair, built from four kernels that `torch.compile` generates
(fp32 inside, the input's dtype out; reductions per image first, then over the batch, which ran 1.4 to 6 times
faster here than one reduction over all the pixels). The script checks it against `nn.BatchNorm2d` + ReLU, then times
it alone at xresnet50's shapes and inside fastres's default xresnet50 training step, with all of the model's
BN + ReLU pairs swapped for it, interleaved with the unchanged step.

It is not part of fastres because it did not pay: on a 2-core AMD EPYC (CPU family 26) the fused pair was 0.61 to
0.99 times as fast as PyTorch's two kernels at xresnet50's shapes, and the step 0.96 times (1542 against 1484 ms;
results/bench_fused_bn.md). Fewer passes did not make up for slower kernels: in a separate measurement on the same
machine the generated reductions read 14 to 64 GB/s, against 35 to 62 GB/s for a plain copy of the same tensors, and
each pair adds a dozen small Python-level operations (its statistics, the running averages) that PyTorch does in C++.
On a 2-core Xeon with AMX (family 6, model 167; results/bench_fused_bn_xeon.md) the fused pair was faster for the
large tensors (1.37x and 1.30x at 16.8 and 8.4 MB) and slower for the small (0.90x at 1 MB), and the step again 0.99x
(1215 against 1205 ms). The 35 pairs hold 41% of the elements that the model's 55 BatchNorms normalise (102 of 249 M
at 128 px, batch 64): the rest sit in the wider tensors at the end of each bottleneck and its shortcut, whose BN is
followed by the residual add, not a ReLU. All BatchNorm passes took 260 ms of the 1217 ms step (bench_profile_xeon.md).
"""
import functools, json, sys, time, types
from pathlib import Path
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_train as bt  # this checkout's fastres, the machine description, the step timer
from fastres import resnet_learner, tune_malloc, accuracy

# The activations as (images, pixels, channels): channels-last memory seen without a copy.
def _as3(t): n, c, h, w = t.shape; return t.permute(0, 2, 3, 1).reshape(n, h*w, c)
def _as4(t3, shape): n, c, h, w = shape; return t3.view(n, h, w, c).permute(0, 3, 1, 2)

def _sums(x3):
    "Sums of x - s and its square per channel, s a sample of each channel (shifted data: no cancellation in E[x²] - E[x]²)."
    xf = x3.float(); s = xf[0, 0]; d = xf - s
    return s, d.sum(1).sum(0), (d*d).sum(1).sum(0)
def _norm_relu(x3, scale, shift): return torch.relu(x3.float()*scale + shift).to(x3.dtype)
def _grad_sums(x3, g3, scale, shift, mean):
    xf = x3.float(); dy = torch.where(xf*scale + shift > 0, g3.float(), 0.)
    return dy.sum(1).sum(0), (dy*(xf - mean)).sum(1).sum(0)
def _grad_input(x3, g3, scale, shift, k1, k0):
    xf = x3.float(); dy = torch.where(xf*scale + shift > 0, g3.float(), 0.)
    return (dy*scale + xf*k1 + k0).to(x3.dtype)

@functools.cache
def kernel(f): return torch.compile(f, dynamic=True)  # compiled on first use, once per function

class BNReLU(torch.autograd.Function):
    "relu(batch_norm(x)) in training mode for a channels-last 4-d `x`; updates `bn`'s running statistics as it would."
    @staticmethod
    def forward(ctx, x, weight, bias, bn):
        x3 = _as3(x); m = x3.shape[0]*x3.shape[1]
        s, sd, sdd = kernel(_sums)(x3)
        mean_d = sd/m; var = (sdd/m - mean_d*mean_d).clamp_(min=0); mean = s + mean_d
        bn.num_batches_tracked += 1
        bn.running_mean.lerp_(mean, bn.momentum); bn.running_var.lerp_(var*m/(m - 1), bn.momentum)
        rstd = torch.rsqrt(var + bn.eps); scale = weight*rstd; shift = bias - mean*scale
        ctx.save_for_backward(x3, scale, shift, mean, rstd); ctx.shape = x.shape
        return _as4(kernel(_norm_relu)(x3, scale, shift), x.shape)
    @staticmethod
    def backward(ctx, g):
        x3, scale, shift, mean, rstd = ctx.saved_tensors; m = x3.shape[0]*x3.shape[1]
        g3 = _as3(g)
        sdy, sdyx = kernel(_grad_sums)(x3, g3, scale, shift, mean)
        k1 = -scale*rstd*rstd*sdyx/m; k0 = -scale*sdy/m - k1*mean  # so that dx = scale*dy + k1*x + k0
        dx = kernel(_grad_input)(x3, g3, scale, shift, k1, k0)
        return _as4(dx, ctx.shape), sdyx*rstd, sdy, None

class FusedBNReLU(nn.Module):
    "A BatchNorm2d and the ReLU after it: fused in training on channels-last input, the plain pair otherwise."
    def __init__(self, bn): super().__init__(); self.bn = bn
    def forward(self, x):
        bn = self.bn
        if not (self.training and bn.momentum is not None and x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last)):
            return F.relu(bn(x))
        return BNReLU.apply(x.as_subclass(torch.Tensor), bn.weight, bn.bias, bn)

def fuse_bn_relu(model):
    "Swap every (BatchNorm2d, ReLU) pair inside an `nn.Sequential` of `model` for one `FusedBNReLU`; the number swapped."
    n = 0
    for mod in model.modules():
        if not isinstance(mod, nn.Sequential): continue
        items = list(mod._modules.items())
        for (k1, a), (k2, b) in zip(items, items[1:]):
            if type(a) is nn.BatchNorm2d and isinstance(b, nn.ReLU):
                mod._modules[k1], mod._modules[k2] = FusedBNReLU(a), nn.Identity(); n += 1
    return n

def pair(c):
    bn = nn.BatchNorm2d(c); bn.weight.data.uniform_(0.5, 1.5); bn.bias.data.uniform_(-0.5, 0.5)
    return bn

def run_pair(layer, x0, g, dtype):
    x = x0.detach().requires_grad_()
    with torch.autocast('cpu', dtype, enabled=dtype != torch.float32): y = layer(x)
    y.backward(g); return y, x.grad

def check(shape=(8, 16, 12, 12)):
    "Fused against BatchNorm2d + ReLU: fp32 (outputs, all gradients, running stats) and bf16 (outputs, input gradient)."
    torch.manual_seed(0)
    res = {}
    for dtype in (torch.float32, torch.bfloat16):
        x0 = (torch.randn(shape)*3 + 2).to(dtype).contiguous(memory_format=torch.channels_last)
        g = torch.randn(shape).to(dtype).contiguous(memory_format=torch.channels_last)
        ref, fus = nn.Sequential(pair(shape[1]), nn.ReLU()), nn.Sequential(pair(shape[1]), nn.ReLU())
        fus.load_state_dict(ref.state_dict()); fuse_bn_relu(fus)
        (yr, dxr), (yf, dxf) = run_pair(ref, x0, g, dtype), run_pair(fus, x0, g, dtype)
        bnr, bnf = ref[0], fus[0].bn
        rel = lambda a, b: ((a.float() - b.float()).abs().max()/b.float().abs().max()).item()
        r = dict(y=rel(yf, yr), dx=rel(dxf, dxr), dweight=rel(bnf.weight.grad, bnr.weight.grad), dbias=rel(bnf.bias.grad, bnr.bias.grad),
                 running_mean=rel(bnf.running_mean, bnr.running_mean), running_var=rel(bnf.running_var, bnr.running_var))
        if dtype == torch.bfloat16:
            # bf16 rounds BN's output differently, so the ReLU's mask flips for a few elements next to zero: count the rest
            r['dx_within_2pct'] = ((dxf.float() - dxr.float()).abs() <= 0.02*dxr.float().abs().max()).float().mean().item()
        res[str(dtype).split('.')[-1]] = r
    assert all(v < 1e-4 for v in res['float32'].values()), res
    assert res['bfloat16']['y'] < 0.02 and res['bfloat16']['dx_within_2pct'] > 0.999, res
    return res

def median_ms(f, n=20):
    for _ in range(3): f()
    ts = []
    for _ in range(n): t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return 1000*float(np.median(ts))

# xresnet50's BN + ReLU shapes at 128 px, batch 64: the stem, then the bottlenecks' inner widths per stage
SHAPES = [(64, 32, 64, 64), (64, 64, 32, 32), (64, 128, 16, 16), (64, 256, 8, 8), (64, 512, 4, 4)]

def layer_times():
    rows = []
    for shape in SHAPES:
        x0 = torch.randn(shape).to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
        g = torch.randn(shape).to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
        ref = nn.Sequential(pair(shape[1]), nn.ReLU(inplace=True)); fus = nn.Sequential(pair(shape[1]), nn.ReLU()); fuse_bn_relu(fus)
        te = median_ms(lambda: run_pair(ref, x0, g, torch.bfloat16)); tf = median_ms(lambda: run_pair(fus, x0, g, torch.bfloat16))
        rows.append(dict(shape='x'.join(map(str, shape)), mb=x0.numel()*2/1e6, eager_ms=te, fused_ms=tf, speedup=te/tf))
        print(f"  {rows[-1]['shape']:16s} PyTorch {te:7.2f} ms  fused {tf:7.2f} ms  x{te/tf:.2f}", flush=True)
    return rows

def step_times(rounds=6):
    dls = bt.batch_dls(64, 128, 6)
    make = lambda: resnet_learner(dls, 'xresnet50', n_out=10, c_in=3, metrics=accuracy, path='/tmp')
    plain, fused = make(), make()
    n = fuse_bn_relu(fused.model)
    args = types.SimpleNamespace(rounds=rounds, bs=64)
    return n, bt.step_rows(bt.step_times({'fastres default': plain, f'fastres default, BN + ReLU fused ({n} pairs)': fused}, args, 'xresnet50'), args, 'xresnet50')

def main():
    out_name = sys.argv[sys.argv.index('--out') + 1] if '--out' in sys.argv else 'bench_fused_bn'
    tune_malloc()  # as in the training step: no page faults for each call's memory
    info = bt.machine(); print('machine:', json.dumps(info), flush=True)
    print('== check'); chk = check(); print(' ', chk)
    print('== layer (forward + backward, bf16, channels-last)'); layers = layer_times()
    print('== step'); n, steps = step_times()
    out = dict(machine=info, check=chk, layers=layers, step=steps)
    (bt.RESULTS/f'{out_name}.json').write_text(json.dumps(out, indent=1))
    md = (f"# BN + ReLU fused with compiled kernels: an experiment\n\nMachine: {info['cpu']}, {info['cores']} cores "
          f"({info.get('cpu_features', '')}); torch {info['torch']}; {info['date']}. Written by `python benchmarks/bench_fused_bn.py --out {out_name}`.\n\n"
          f"Values against `nn.BatchNorm2d` + ReLU (largest difference over the largest value): fp32 {json.dumps({k: float(f'{v:.1e}') for k, v in chk['float32'].items()})}; "
          f"bf16 {json.dumps({k: float(f'{v:.1e}') if k != 'dx_within_2pct' else round(v, 5) for k, v in chk['bfloat16'].items()})}.\n\n"
          "## One pair alone, forward + backward (bf16 autocast, channels-last; median of 20)\n\n"
          + bt.md_table(layers, [('shape', lambda r: r['shape']), ('MB per tensor', lambda r: bt.fmt(r['mb'])),
                                 ('PyTorch ms', lambda r: bt.fmt(r['eager_ms'], '.2f')), ('fused ms', lambda r: bt.fmt(r['fused_ms'], '.2f')),
                                 ('speed-up', lambda r: f"{r['speedup']:.2f}x")])
          + f"\n## xresnet50 training step (128 px, batch 64; interleaved, median of {steps[0]['n']} steps each)\n\n"
          + bt.md_table(steps, [('training path', lambda r: r['variant']), ('ms/step', lambda r: bt.fmt(r['ms'], '.0f')),
                                ('IQR ms', lambda r: bt.fmt(r['iqr_ms'], '.0f')), ('vs first row', lambda r: f"{r['speedup']:.2f}x")]))
    (bt.RESULTS/f'{out_name}.md').write_text(md); print(md)

if __name__ == '__main__': main()
