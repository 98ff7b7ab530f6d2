"""Would computing the convolutions' weight gradients as matrix products make the training step faster on a CPU? An experiment.

    python benchmarks/bench_matmul_wgrad.py [--out NAME] [--max-pixels 16 64 256]
    # about 5 minutes on 2 cores; writes results/NAME.{md,json} (NAME: bench_matmul_wgrad)

On the AVX-512 BF16 EPYCs (no AMX) oneDNN runs the weight-gradient pass of the step's convolutions with its older
`jit_bf16` kernels, at 0.56 to 0.65 of the bf16 matmul rate against about 0.75 for the other two passes
(results/bench_convs_epyc_zen5.md). A convolution's weight gradient is one matrix product, dW = dYᵀ · patches(X):
with channels-last activations dY is already a (pixels, out channels) matrix, and for a 1x1 convolution X is the
(pixels, in channels) matrix (no copy); for a k x k one the patches are gathered first (im2col, k² times X's size).
`WeightGradAsMatmul` below is that: a mode (fastres's `ConvTuner` with fixed ways) that, for convolutions under CPU bf16 autocast whose output has at most
`max_pixels` pixels per image, keeps oneDNN for the forward and the input gradient and takes the weight gradient from
one `torch.matmul`. The script checks it against PyTorch's convolution, times the weight gradient alone at each of
xresnet50's convolution shapes (the two ways alternated call by call), then the whole xresnet50 training step with the
mode on and off (interleaved fits in one process).

On a 2-core AMD EPYC without AMX (CPU family 26) it did not pay where it counts (results/bench_matmul_wgrad.md). Alone,
the matmul was 1.2 to 2.3 times as fast as oneDNN for the 4x4 and 8x8 outputs of the last two stages (their weight
gradients 146 against 189 ms a step, summed) and 0.3 to 0.9 times for the large outputs of the first two; inside the
step the mode gave 1.00 to 1.02 times (1233 to 1258 against 1261 ms, within the steps' spread).

On a 2-core Xeon with AMX (family 6, model 167) it did (results/bench_matmul_wgrad_xeon.md): oneDNN's weight
gradients ran at 0.26 of the matmul rate there, against 0.64 to 0.67 for the forward pass and the input gradients
(bench_convs_xeon.md), and the matmul was 1.2 to 5.2 times as fast for every output of at most 8x8 pixels, 0.13 to
1.4 times for the larger ones; summed over the model oneDNN took 304 ms a step, the faster of the two per shape 179 ms,
and the step with the mode on for outputs of at most 64 px ran 1.09 times as fast (1135 against 1241 ms). Since the
better way depends on the shape and the CPU, fastres now picks it per problem by timing both the first time it sees
one, for the forward pass and the input gradient too: `ConvTuner` (06_learner), on by default in `CPUMixedPrecision`.
This script keeps the fixed thresholds.
"""
import json, sys, time, types
from collections import Counter
from pathlib import Path
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from torch.nn.modules.utils import _pair

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_train as bt  # this checkout's fastres, the machine description, the step timer
from fastres import resnet_learner, tune_malloc, accuracy, get_arch, Callback

# The products and the mode are fastres's (06_learner): im2col, dW = dYᵀ · patches(X), and `ConvTuner`.
from fastres.learner import ConvTuner, conv_weight_grad_mm as weight_grad_matmul

def weight_grad_onednn(dy, x, w, stride, padding):
    return torch.ops.aten.convolution_backward(dy, x, w, None, stride, padding, (1, 1), False, (0, 0), 1, (False, True, False))[1]

class WeightGradAsMatmul(ConvTuner):
    """While on: conv2d calls under CPU bf16 autocast whose output has at most `max_pixels` pixels per image go through
    fastres's `ConvTuner` with the forward pass and the input gradient forced to oneDNN and the weight gradient to one
    matrix product; larger ones stay with PyTorch."""
    def __init__(self, max_pixels=64):
        super().__init__({'forward': 'onednn', 'input_grad': 'onednn', 'weight_grad': 'matmul'}); self.max_pixels = max_pixels
    def conv2d(self, x, w, bias=None, stride=1, padding=0, dilation=1, groups=1):
        if x.ndim == 4 and not isinstance(padding, str):
            (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
            if ((x.shape[2] + 2*ph - w.shape[2])//sh + 1)*((x.shape[3] + 2*pw - w.shape[3])//sw + 1) > self.max_pixels: return None
        return super().conv2d(x, w, bias, stride, padding, dilation, groups)

class MatmulWGradCB(Callback):
    "Turn `WeightGradAsMatmul` on for each training batch's forward pass (after fastres's autocast is entered)."
    order = 11  # after CPUMixedPrecision
    def __init__(self, max_pixels=64): self.mode, self.max_pixels = None, max_pixels
    def before_batch(self):
        if self.training: self.mode = WeightGradAsMatmul(self.max_pixels); self.mode.__enter__()
    def after_loss(self): self._off()
    def after_batch(self): self._off()
    def _off(self):
        if self.mode is not None: self.mode.__exit__(None, None, None); self.mode = None

def check():
    "Largest differences (over the largest value) from PyTorch's conv2d, output and both gradients, under bf16 autocast."
    torch.manual_seed(0)
    res = {}
    for n, ci, hw, co, k, s, p in [(4, 16, 8, 32, 3, 1, 1), (4, 16, 8, 32, 3, 2, 1), (4, 64, 4, 32, 1, 1, 0), (2, 8, 9, 8, 3, 2, 1), (2, 8, 7, 4, 5, 1, 2)]:
        x0 = torch.randn(n, ci, hw, hw).contiguous(memory_format=torch.channels_last); w0 = torch.randn(co, ci, k, k)
        out = []
        for on in (False, True):
            x, w = x0.clone().requires_grad_(), w0.clone().requires_grad_()
            mode = WeightGradAsMatmul(10**9)
            with torch.autocast('cpu', dtype=torch.bfloat16):
                if on:
                    with mode: y = F.conv2d(x, w, None, s, p)
                else: y = F.conv2d(x, w, None, s, p)
            if on: assert mode.calls == 1, "the mode did not take the call"
            if not on: g = torch.randn(y.shape)
            y.float().backward(g)
            out.append((y.float(), x.grad, w.grad))
        res[f"{n}x{ci}x{hw}x{hw} -> {co}, {k}x{k} stride {s}"] = {k_: ((a - b).abs().max()/a.abs().max()).item() for k_, a, b in zip(('y', 'dx', 'dw'), *out)}
    assert all(v < 1e-2 for r in res.values() for v in r.values()), res
    return res

def conv_shapes(arch='xresnet50', bs=64, size=128):
    "(input shape, out channels, kernel, stride, padding) of every 2-d convolution of `arch` with its count, from a forward pass."
    m, seen = get_arch(arch)(n_out=10, c_in=3), []
    hooks = [c.register_forward_hook(lambda c, i, o: seen.append((tuple(i[0].shape), c.out_channels, c.kernel_size[0], c.stride[0], c.padding[0])))
             for c in m.modules() if isinstance(c, nn.Conv2d) and c.groups == 1]
    with torch.no_grad(): m(torch.randn(bs, 3, size, size))
    for h in hooks: h.remove()
    return Counter(seen)

def layer_times(reps=15):
    "The weight gradient alone at each shape: oneDNN and the matmul alternated call by call, medians."
    rows = []
    for (xs, co, k, s, p), n in sorted(conv_shapes().items(), key=lambda kv: -kv[0][0][2]):
        if xs[1] == 3: continue  # the stem's first convolution: 3 input channels
        x = torch.randn(xs).to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
        w = (0.05*torch.randn(co, xs[1], k, k)).to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
        y = F.conv2d(x, w, None, s, p); dy = torch.randn(y.shape).to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
        fs = dict(onednn=lambda: weight_grad_onednn(dy, x, w, (s, s), (p, p)), matmul=lambda: weight_grad_matmul(dy, x, w.shape, (s, s), (p, p)))
        ts = {k_: [] for k_ in fs}
        for i in range(reps + 2):
            for k_, f in fs.items():
                t = time.perf_counter(); f(); dt = time.perf_counter() - t
                if i >= 2: ts[k_].append(dt)  # two warm-up calls each
        to, tm = (1000*float(np.median(ts[k_])) for k_ in fs)
        gflop = 2*y.numel()*xs[1]*k*k/1e9
        rows.append(dict(input='x'.join(map(str, xs)), out=co, k=k, stride=s, out_px=y.shape[2]*y.shape[3], count=n, gflop=gflop,
                         onednn_ms=to, matmul_ms=tm, onednn_gflops=gflop/to*1e3, matmul_gflops=gflop/tm*1e3, speedup=to/tm))
        print(f"  {rows[-1]['input']:16s} -> {co:4d} {k}x{k}/{s} x{n}: oneDNN {to:6.2f} ms  matmul {tm:6.2f} ms  x{to/tm:.2f}", flush=True)
    return rows

def step_times(max_pixels=(16, 64, 256), rounds=5):
    "The xresnet50 fastres default step, and the same with the mode on for outputs of at most each of `max_pixels` per image."
    dls = bt.batch_dls(64, 128, 6)
    def make():  # fastres's default path without its own `ConvTuner` (every pass by oneDNN), as this experiment was run
        learn = resnet_learner(dls, 'xresnet50', n_out=10, c_in=3, metrics=accuracy, path='/tmp')
        learn.cpu_mixed_precision.tune_convs = False; return learn
    learners = {'fastres default': make()}
    for px in max_pixels: learners[f'weight gradients by matmul for outputs of <= {px} px'] = make().add_cb(MatmulWGradCB(px))
    args = types.SimpleNamespace(rounds=rounds, bs=64)
    return bt.step_rows(bt.step_times(learners, args, 'xresnet50'), args, 'xresnet50')

def main():
    import argparse
    ap = argparse.ArgumentParser(); ap.add_argument('--out', default='bench_matmul_wgrad')
    ap.add_argument('--max-pixels', nargs='+', type=int, default=[16, 64, 256], help='a step with the mode on per value')
    args = ap.parse_args()
    tune_malloc()  # as in the training step: no page faults for each call's memory
    info = bt.machine(); print('machine:', json.dumps(info), flush=True)
    print('== check'); chk = check(); print(' ', chk)
    print('== weight gradient alone (bf16, channels-last)'); layers = layer_times()
    print('== step'); steps = step_times(tuple(args.max_pixels))
    out = dict(machine=info, check=chk, layers=layers, step=steps)
    (bt.RESULTS/f'{args.out}.json').write_text(json.dumps(out, indent=1))
    tot = lambda k, small=False: sum(r['count']*r[k] for r in layers if not small or r['out_px'] <= 64)
    best = sum(r['count']*min(r['onednn_ms'], r['matmul_ms']) for r in layers)
    md = (f"# Convolution weight gradients as matrix products: an experiment\n\nMachine: {info['cpu']}, {info['cores']} cores "
          f"({info.get('cpu_features', '')}); torch {info['torch']}; {info['date']}. Written by `python benchmarks/bench_matmul_wgrad.py --out {args.out} --max-pixels {' '.join(map(str, args.max_pixels))}`.\n\n"
          f"Values against PyTorch's conv2d under bf16 autocast (largest difference over the largest value), worst of five shapes: "
          f"output {max(r['y'] for r in chk.values()):.1e}, input gradient {max(r['dx'] for r in chk.values()):.1e}, "
          f"weight gradient {max(r['dw'] for r in chk.values()):.1e}.\n\n"
          "## The weight gradient alone, at xresnet50's shapes (128 px, batch 64; bf16, channels-last; the two ways alternated, median of 15)\n\n"
          + bt.md_table(layers, [('input', lambda r: r['input']), ('out', lambda r: str(r['out'])), ('kernel/stride', lambda r: f"{r['k']}x{r['k']}/{r['stride']}"),
                                 ('output px', lambda r: str(r['out_px'])), ('in the model', lambda r: f"x{r['count']}"),
                                 ('oneDNN ms', lambda r: bt.fmt(r['onednn_ms'], '.2f')), ('GFLOP/s', lambda r: bt.fmt(r['onednn_gflops'], '.0f')),
                                 ('matmul ms', lambda r: bt.fmt(r['matmul_ms'], '.2f')), ('GFLOP/s ', lambda r: bt.fmt(r['matmul_gflops'], '.0f')),
                                 ('speed-up', lambda r: f"{r['speedup']:.2f}x")])
          + f"\nSummed over the model's convolutions (each shape times its count): oneDNN {tot('onednn_ms'):.0f} ms, matmul {tot('matmul_ms'):.0f} ms, "
            f"the faster of the two per shape {best:.0f} ms; for the outputs of at most 64 px alone oneDNN {tot('onednn_ms', True):.0f} ms, "
            f"matmul {tot('matmul_ms', True):.0f} ms.\n"
          + f"\n## xresnet50 training step (128 px, batch 64; interleaved, median of {steps[0]['n']} steps each)\n\n"
          + bt.md_table(steps, [('training path', lambda r: r['variant']), ('ms/step', lambda r: bt.fmt(r['ms'], '.0f')),
                                ('IQR ms', lambda r: bt.fmt(r['iqr_ms'], '.0f')), ('vs first row', lambda r: f"{r['speedup']:.2f}x")]))
    (bt.RESULTS/f'{args.out}.md').write_text(md); print(md)

if __name__ == '__main__': main()
