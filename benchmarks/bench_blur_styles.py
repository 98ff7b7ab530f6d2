"""What kornia's MaxBlurPool costs against Zhang's: `MaxBlurPool()` (a 2x2 max, then a 3-tap blur; what `Recipe.leaderboard()`
uses) against `MaxBlurPool(max_size=3, blur=6)` (kornia 0.3-0.4.1's `MaxBlurPool2d(3)`, the leaderboard entry's own;
`Recipe.leaderboard(blur_pool='kornia')`).

    python benchmarks/bench_blur_styles.py            # about 5 minutes on 2 cores

The layer alone (forward + backward under bf16 autocast, channels-last) at the four sizes the leaderboard network pools
at 128 px and batch 32, then that network's training step with each, in one process, interleaved round by round.
Writes results/bench_blur_styles.{md,json}.
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np, torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_train as bt  # this checkout's fastres, the machine description, the step timer
from fastres import tune_malloc
from fastres.recipes import Recipe, MaxBlurPool, blur_pool_kwargs

STYLES = ('zhang', 'kornia')

def layer_times(bs, size, rounds):
    "ms of each style's layer alone, forward + backward, at the stem's and the three shortcuts' sizes."
    res = []
    for c, px in ((64, size//2), (256, size//4), (512, size//8), (1024, size//16)):
        x = torch.randn(bs, c, px, px).to(memory_format=torch.channels_last)
        def run(layer):
            xi = x.bfloat16().requires_grad_()
            def f():
                with torch.autocast('cpu', dtype=torch.bfloat16): y = layer(xi)
                y.backward(torch.ones_like(y))
            return f
        fs, times = {s: run(MaxBlurPool(**blur_pool_kwargs(s))) for s in STYLES}, {s: [] for s in STYLES}
        for r in range(rounds + 1):
            for s, f in fs.items():
                ts = []
                for _ in range(5): t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
                if r: times[s] += ts
        for s in STYLES:
            t = times[s]
            res.append(dict(what=f'MaxBlurPool alone, forward + backward ({bs}x{c}x{px}x{px})', style=s, ms=1e3*float(np.median(t)),
                            iqr_ms=1e3*float(np.subtract(*np.percentile(t, [75, 25]))),
                            vs_zhang=float(np.median(t)/np.median(times['zhang']))))
            print(f"  {res[-1]['what']:55s} {s:7s} {res[-1]['ms']:7.1f} ms  {res[-1]['vs_zhang']:.2f}x", flush=True)
    return res

def step_rows(args):
    "The leaderboard network's training step with each style (fixed batch; median and IQR of interleaved rounds)."
    dls = bt.batch_dls(32, args.size, args.steps)
    learners = {s: Recipe.leaderboard(blur_pool=s).learner(dls, n_out=10, c_in=3, path='/tmp') for s in STYLES}
    times, res = bt.step_times(learners, args, 'leaderboard'), []
    for s in STYLES:
        t = times[s]
        res.append(dict(what='Recipe.leaderboard(blur_pool=...) training step (batch 32)', style=s, ms=1e3*float(np.median(t)),
                        iqr_ms=1e3*float(np.subtract(*np.percentile(t, [75, 25]))), vs_zhang=float(np.median(t)/np.median(times['zhang']))))
        print(f"  {res[-1]['what']:55s} {s:7s} {res[-1]['ms']:7.1f} ms  {res[-1]['vs_zhang']:.2f}x", flush=True)
    return res

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--size', type=int, default=128)
    ap.add_argument('--steps', type=int, default=6, help='steps per fit in each round')
    ap.add_argument('--rounds', type=int, default=4, help='timed rounds (after one warm-up round)')
    args = ap.parse_args()
    tune_malloc()  # as in training (resnet_learner does it)
    info = bt.machine()
    rows = layer_times(32, args.size, args.rounds) + step_rows(args)
    (bt.RESULTS/'bench_blur_styles.json').write_text(json.dumps(dict(machine=info, settings=vars(args), rows=rows), indent=1) + '\n')
    md = (f"# MaxBlurPool: Zhang's against kornia's (the leaderboard entry's)\n\nMachine: {info['cpu']}, {info['cores']} cores "
          f"({info.get('cpu_features', '')}), torch {info['torch']}, fastai {info['fastai']}; {info['date']}. Written by "
          f"`python benchmarks/bench_blur_styles.py`. bf16 autocast, channels-last, batch 32, {args.size} px; median over "
          f"{args.rounds} interleaved rounds.\n\n"
          + bt.md_table(rows, [('what', lambda r: r['what']), ('MaxBlurPool', lambda r: r['style']), ('ms', lambda r: bt.fmt(r['ms'])),
                               ('IQR ms', lambda r: bt.fmt(r['iqr_ms'])), ("time / Zhang's", lambda r: f"{r['vs_zhang']:.2f}x")]))
    (bt.RESULTS/'bench_blur_styles.md').write_text(md)
    print(md)

if __name__ == '__main__': main()
