"""In-place against out-of-place elementwise arithmetic on this CPU, by dtype; and the bf16 ReLU from its bits.

    python benchmarks/bench_inplace.py                   # about a minute; writes results/bench_inplace.{md,json}
    python benchmarks/bench_inplace.py --out bench_inplace_xeon

Why: on the Xeon of benchmarks/results/*_xeon.md, PyTorch's bf16 additions and ReLUs ran 2-3x slower in place than
into a new tensor, while fp32 ran faster in place. A training step does such in-place work where autograd sums the
two gradients of a residual block's input and in the ReLU after each addition; fastres avoids both in bf16
(`split_paths` in 01_layers, `relu_bf16` / `BF16ReLU` in 06_learner). The tensors are larger than the last-level
cache (`--mib`), so memory, not cache, is measured. GB/s counts the bytes each op reads and writes once.
"""
import argparse, json, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT/'benchmarks'/'results'
import torch
from fastres.learner import tune_malloc, relu_bf16
sys.path.insert(0, str(ROOT/'benchmarks'))
from bench_train import machine, md_table, fmt

def best_ms(f, reps):
    "Best of `reps` timed calls after one warm-up call."
    f(); ts = []
    for _ in range(reps):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return 1000*min(ts)

def rows_for(dtype, n, reps):
    a, b = torch.randn(n).to(dtype), torch.randn(n).to(dtype)
    gb = n*a.element_size()/1e9
    ops = {  # name: (in place, into a new tensor, tensors read + written)
        'add (a + b)': (lambda: a.add_(b), lambda: a + b, 3),
        'multiply by a number': (lambda: a.mul_(0.5), lambda: a*0.5, 2),
        'ReLU': (lambda: a.relu_(), lambda: a.relu(), 2)}
    if dtype == torch.bfloat16:
        ops['ReLU from the bits (relu_bf16)'] = (lambda: relu_bf16(a, inplace=True), lambda: relu_bf16(a), 2)
    rows = []
    for name, (inplace, new, k) in ops.items():
        a.copy_(b)  # (each op's input: normal numbers, not what the previous op left)
        t_in, t_new = best_ms(inplace, reps), best_ms(new, reps)
        rows.append(dict(op=name, dtype=str(dtype).replace('torch.', ''), elements=n, inplace_ms=t_in, new_ms=t_new,
                         inplace_gbs=k*gb/t_in*1e3, new_gbs=k*gb/t_new*1e3, inplace_vs_new=t_new/t_in))
        print(f"{rows[-1]['dtype']:9s} {name:32s} in place {t_in:7.1f} ms ({rows[-1]['inplace_gbs']:5.1f} GB/s)   "
              f"new tensor {t_new:7.1f} ms ({rows[-1]['new_gbs']:5.1f} GB/s)", flush=True)
    return rows

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--mib', type=int, default=768, help='size of each tensor in MiB: above the last-level cache (480 MiB on the Xeon), under 1 GiB')
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--out', default='bench_inplace')
    args = ap.parse_args()
    tune_malloc()  # as in training: freed memory is reused, so a new tensor costs no page faults
    info = machine(); print('machine:', json.dumps(info), flush=True)
    # Every tensor the same size in bytes: under the 1 GiB `tune_malloc` keeps, so a new tensor reuses freed memory
    sizes = {dt: args.mib*2**20//dt.itemsize for dt in (torch.bfloat16, torch.float32, torch.float16)}
    rows = [r for dt, n in sizes.items() for r in rows_for(dt, n, args.reps)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS/f'{args.out}.json').write_text(json.dumps(dict(machine=info, settings=vars(args), rows=rows), indent=1))
    md = (f"# In place against into a new tensor: elementwise ops on the CPU\n\nMachine: {info['cpu']}, {info['cores']} cores "
          f"({info.get('cpu_features', '')}); torch {info['torch']} ({info['torch_threads']} threads); {info['date']}. "
          f"Written by `python benchmarks/bench_inplace.py`.\n\n{args.mib} MiB per tensor, best of "
          f"{args.reps}; GB/s counts the bytes each op reads and writes once. 'speed in place' is the time into a new tensor "
          f"over the time in place: below 1, in place is slower.\n\n"
          + md_table(rows, [('dtype', lambda r: r['dtype']), ('op', lambda r: r['op']),
                            ('in place ms', lambda r: fmt(r['inplace_ms'])), ('in place GB/s', lambda r: fmt(r['inplace_gbs'])),
                            ('new tensor ms', lambda r: fmt(r['new_ms'])), ('new tensor GB/s', lambda r: fmt(r['new_gbs'])),
                            ('speed in place', lambda r: f"{r['inplace_vs_new']:.2f}x")]))
    (RESULTS/f'{args.out}.md').write_text(md)
    print(md)

if __name__ == '__main__': main()
