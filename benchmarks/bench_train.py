"""How fast fastres trains ResNets on this machine, side by side with a default fastai setup.

    python benchmarks/bench_train.py                      # every part but accuracy (about 35 min on 2 cores)
    python benchmarks/bench_train.py --parts step roofline # any subset; `accuracy` is never part of the default
    python benchmarks/bench_train.py --parts accuracy      # the 5-epoch Imagenette recipe (tens of minutes on a CPU)
    python benchmarks/bench_train.py --parts accuracy --recipe '{"act": "relu"}' --out accuracy_relu  # an ablation
    python benchmarks/bench_train.py --parts accuracy --preset mininet --out accuracy_mininet  # the mini-net recipe (about 25 min)
    python benchmarks/bench_train.py --parts accuracy --preset leaderboard --out accuracy_leaderboard  # the leaderboard's best entry (about 45 min)
    python benchmarks/bench_train.py --parts bnact --out bench_bnact_xeon  # Recipe.leaderboard()'s Mish inside the batch-norm kernel or not
    python benchmarks/bench_train.py --parts accuracy --preset leaderboard --averages ema:0.99 mean:0.75 --eval-sizes --out accuracy_leaderboard_averages
                                                         # weight averages kept beside the run, scored after it (paired)

Parts:
  step      training images/s of one step (forward, backward, optimiser) on a fixed batch, through fastai's Learner:
            fastres's default path against fastai's default Learner (fp32, contiguous, fastai Adam). fastai's paths
            and fastres's run in separate fresh processes (fastres tunes the process's allocator), alternated
            --step-procs times, each timing its paths interleaved
  roofline  the step's FLOPs (forward + backward, torch's FlopCounterMode) per second, over the matmul rate of the default
            path's type measured in the same run (bf16 on a CPU with AVX-512 BF16, fp32 on one without, fp16 on a GPU)
  profile   where the fastres step's time goes: wall time of each op inside real steps, by kind of operation
  convs     the step's convolutions by pass (forward, input gradient, weight gradient): oneDNN's own time per kernel call,
            GFLOP/s, and which kernels it picked (CPU only)
  data      images/s delivered by the input pipelines (fastres's cache + batch augmentation; fastai's DataBlock with
            JPEG decoding in worker processes)
  epoch     one full Imagenette epoch (train + validation), fastres's default recipe against fastai's, each in a fresh
            process: wall time, share of the training time spent waiting for data, peak memory. By default fastres runs
            before and after fastai (--epoch-runs), and the ratio uses its mean: a shared host whose speed drifts during
            the ~20 minutes then moves both sides alike
  epochsteps  fastres's default recipe in one process: the time of each training step through a full Imagenette epoch,
            between fixed-batch steps (as `step` times them) before and after it, and the share of values that are
            subnormal in the weights, gradients and optimiser state every 25 steps: is a step of the epoch slower than the
            benchmark's step, and does it slow down as the model trains? (--epoch-arch; not in the default set)
  recipe    step time of Recipe()'s model with each leaderboard trick added in turn (ReLU, Mish, self-attention,
            MaxBlurPool): what each costs on this machine
  blurpool  MaxBlurPool three ways: the blur as a depthwise convolution (fastres at first), as average pools after PyTorch's
            max pool under autocast (next), as average pools after a compiled max in the input's dtype (now): the layer
            alone, and the training steps of Recipe.mininet(), its deeper version and Recipe.leaderboard() (not in the default set)
  bnact     Recipe.leaderboard()'s training step with the Mish after each batch norm inside fastres's batch-norm kernel
            (the default), apart from it, and with PyTorch's batch norm (CPU with AVX-512 BF16; not in the default set)
  blurconv  Recipe.leaderboard()'s training step with and without anti-aliased strided convolutions (blur_conv=True; not in
            the default set)
  curves    the training loss of the same run in fp32 (fastai's Adam) and on fastres's default path (bf16
            where the CPU has it, channels-last, fused Adam): same seed, same batches
  accuracy  `Recipe()` or `Recipe.<preset>()` (fastres.recipes): 5 epochs at 128 px, top-1 accuracy and wall time; log in results/; then the
            final model scored at larger sizes and with its mirror image (not the target's protocol); with --averages,
            also weight averages of the same run (fastres's WeightAverage), each with and without precise BN statistics

Each run prints a table and writes results/bench_train.{md,json} (or results/accuracy.{md,json,log}) with a
description of the machine and the command line that made it, once it has finished: the accuracy log grows in results/accuracy.log.partial (or
--out's NAME.log.partial) and replaces the last log at the end, and a misspelt --preset or --recipe field stops
the script before it opens any file. A --n-per-class run needs its own --out, so that a quick check never replaces
full results. The data is found through $FASTRES_DATA (the folder that holds imagenette2*).
"""
import argparse, contextlib, shlex, dataclasses, difflib, gc, json, math, os, platform, re, resource, subprocess, sys, threading, time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's fastres
if 'FASTRES_DATA' not in os.environ and (ROOT.parent/'shared'/'data').is_dir():
    os.environ['FASTRES_DATA'] = str(ROOT.parent/'shared'/'data')
RESULTS = ROOT/'benchmarks'/'results'

import numpy as np, torch, torch.nn.functional as F
import fastai, fastres.layers, fastres.learner
from fastres import *
from fastai.vision.models import xresnet as fastai_xresnet
from torch.utils.flop_counter import FlopCounterMode
from torch.utils._python_dispatch import TorchDispatchMode
from collections import Counter

ARCHS = ('xresnet18', 'xresnet50')
SUBSET = {}  # get_dls(n_per_class=...) for quick checks of this script

# --- helpers ----------------------------------------------------------------------------------------------------
def machine():
    "What the figures were measured on."
    info = {}
    try:
        cpuinfo = Path('/proc/cpuinfo').read_text()
        # with the family and model: a virtual machine may name only the vendor ("AMD EPYC"), and AMD's family 25
        # is Zen 3 or 4, 26 Zen 5, whose speeds differ a lot (benchmarks/results/*_zen3/4/5.md)
        info['cpu'] = cpu_name(cpuinfo)
        flags = set(re.search(r'flags\s*:\s*(.*)', cpuinfo).group(1).split())
        info['cpu_features'] = ' '.join(f for f in ('avx2', 'avx512f', 'avx512_bf16', 'amx_bf16', 'amx_tile') if f in flags)
        info['memory_gb'] = round(int(re.search(r'MemTotal:\s*(\d+)', Path('/proc/meminfo').read_text()).group(1))/2**20, 1)
    except (OSError, AttributeError): info['cpu'] = platform.processor()
    info.update(cores=os.cpu_count(), torch_threads=torch.get_num_threads(), cpu_capability=torch.backends.cpu.get_cpu_capability(),
                gpu=torch.cuda.get_device_name() if torch.cuda.is_available() else None, python=platform.python_version(),
                torch=torch.__version__, fastai=fastai.__version__, platform=platform.platform(),
                date=datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC'))
    return info

def sync(device):
    if device.type == 'cuda': torch.cuda.synchronize(device)

class StepTimer(Callback):
    "Wall time of every training batch: forward, loss, backward, optimiser step, zero_grad and the callbacks around them."
    order = -20
    def __init__(self): self.times = []
    def before_batch(self):
        if self.training: sync(self.dls.device or torch.device('cpu')); self.t0 = time.perf_counter()
    def after_batch(self):
        if self.training: sync(self.dls.device or torch.device('cpu')); self.times.append(time.perf_counter() - self.t0)

class Tee:
    """Standard output that is also written to `path` (the accuracy run's log): to `path`.partial while the run goes
    (`tail -f` it), moved over `path` by `done()`. A run that fails or is stopped leaves the committed log as it was."""
    def __init__(self, stream, path):
        self.stream, self.path, self.partial = stream, Path(path), Path(f'{path}.partial')
        self.file = open(self.partial, 'w')
    def write(self, s): self.stream.write(s); self.file.write(s); return len(s)
    def flush(self): self.stream.flush(); self.file.flush()
    def done(self):
        "Close the log, put it in place of `path`, and return the standard output it wrapped."
        self.file.close(); os.replace(self.partial, self.path)
        return self.stream
    def __getattr__(self, k): return getattr(self.stream, k)

class PrintEpochs(Callback):
    "One line per epoch (the Recorder's row), for logs: fastai's progress bar writes hundreds of updates."
    order = Recorder.order + 10
    def before_fit(self): print('  '.join(self.recorder.metric_names), flush=True)
    def after_epoch(self):
        print('  '.join(f'{v:.4f}' if isinstance(v, float) else str(v) for v in self.recorder.log), flush=True)

class DataWait(Callback):
    "Training time spent between batches, i.e. waiting for the next batch (data loading and augmentation)."
    order = -20
    def before_train(self): self.wait, self.t = 0., time.perf_counter(); self.t_train = self.t
    def before_batch(self):
        if self.training: self.wait += time.perf_counter() - self.t
    def after_batch(self):
        if self.training: self.t = time.perf_counter()
    def after_train(self): self.train_s = time.perf_counter() - self.t_train

def _rss_kb(pid, field='VmRSS'):
    try: return int(re.search(rf'{field}:\s*(\d+)', Path(f'/proc/{pid}/status').read_text()).group(1))
    except (OSError, AttributeError): return 0

def _pss_kb(pid):
    try: return int(re.search(r'Pss:\s*(\d+)', Path(f'/proc/{pid}/smaps_rollup').read_text()).group(1))
    except (OSError, AttributeError): return 0

def _descendants(pid):
    res, todo = [], [pid]
    while todo:
        p = todo.pop()
        for t in Path(f'/proc/{p}/task').glob('*/children') if Path(f'/proc/{p}/task').exists() else []:
            try: kids = [int(k) for k in t.read_text().split()]
            except OSError: kids = []
            res += kids; todo += kids
    return res

RSS_EVERY, PSS_EVERY = 0.25, 10.  # seconds between MemorySampler's reads

class MemorySampler(threading.Thread):
    """Peak memory of this process and its worker processes: RSS (from /proc/PID/status) every `every` seconds, PSS
    (shared pages split; from /proc/PID/smaps_rollup) every `pss_every` and once at `stop`. Reading smaps_rollup walks the process's page
    tables, and at 4 reads a second it slowed the xresnet50 training step it measured by 18-27% (2-core EPYC; status
    reads cost nothing measurable), so PSS is read rarely: its peak may miss a short-lived high."""
    def __init__(self, every=RSS_EVERY, pss_every=PSS_EVERY):
        super().__init__(daemon=True)
        self.every, self.pss_every, self.stop_, self.peak_rss, self.peak_pss = every, pss_every, False, 0, 0
    def _total(self, read): return sum(read(p) for p in (os.getpid(), *_descendants(os.getpid())))
    def run(self):
        last_pss = -math.inf
        while not self.stop_:
            self.peak_rss = max(self.peak_rss, self._total(_rss_kb))
            if time.monotonic() - last_pss >= self.pss_every:
                self.peak_pss, last_pss = max(self.peak_pss, self._total(_pss_kb)), time.monotonic()
            time.sleep(self.every)
    def stop(self):
        self.stop_ = True; self.join()
        self.peak_pss = max(self.peak_pss, self._total(_pss_kb))  # a last read: a short run may have had only the first
        return self

def batch_dls(bs=64, size=128, n=8, device=None, channels_last=False):
    "DataLoaders that yield the same random batch `n` times: only the model's step is timed."
    g = torch.Generator().manual_seed(0)
    xb, yb = torch.randn(bs, 3, size, size, generator=g), torch.randint(0, 10, (bs,), generator=g)
    dl = lambda k: DataLoader([(xb, yb)]*k, bs=None)
    return DataLoaders(dl(n), dl(1), device=device)

def fastai_learner(dls, arch, precision='fp32'):
    "fastai's default Learner: its own xresnet, cross-entropy, fastai's Adam, fp32 (or `to_fp16()` on a GPU)."
    learn = Learner(dls, getattr(fastai_xresnet, arch)(n_out=10), loss_func=CrossEntropyLossFlat(), metrics=accuracy)
    return learn.to_fp16() if precision == 'fp16' else learn

def medians(fs, reps, warmup=1):
    "Median ms of each function in the dict `fs`, called in turn `reps` times after `warmup` rounds of calls (not timed)."
    ts = {k: [] for k in fs}
    for i in range(reps + warmup):
        for k, f in fs.items():
            t = time.perf_counter(); f(); dt = time.perf_counter() - t
            if i >= warmup: ts[k].append(dt)
    return {k: 1000*sorted(v)[len(v)//2] for k, v in ts.items()}

def fmt(v, spec='.1f'): return '-' if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)

def md_table(rows, cols):
    head = '| ' + ' | '.join(c for c, _ in cols) + ' |\n|' + '---|'*len(cols) + '\n'
    return head + ''.join('| ' + ' | '.join(f(r) for _, f in cols) + ' |\n' for r in rows)

class NoSplit(Callback):
    "`split_paths` off during this Learner's batches (the flag is the process's: paths timed side by side each set it)."
    def before_batch(self): fastres.layers._split_out_of_place = False
    def after_batch(self): fastres.layers._split_out_of_place = True

# --- parts ------------------------------------------------------------------------------------------------------
ONLY_WGRAD = {'forward': 'onednn', 'input_grad': 'onednn'}  # the weight gradients timed, the rest by oneDNN

def step_variants(device, with_compile):
    """The training paths to time, by process group: 'fastai' runs in a process fastres has not touched (the
    allocator: `tune_malloc`), 'fastres' in one where `resnet_learner` tuned it. The first path is the baseline."""
    fr = lambda dls, a, **kw: resnet_learner(dls, a, n_out=10, c_in=3, metrics=accuracy, path='/tmp', **kw)
    def tuned(learn, how):  # `ConvTuner` off (every pass by oneDNN, as before fastres timed the matmul against it), or partly on
        learn.cpu_mixed_precision.tune_convs = how; return learn
    def tuned_fastai(dls, a, precision='fp32'):
        tune_malloc(); return fastai_learner(dls, a, precision)
    def bf16_in_place(dls, a):  # PyTorch's in-place bf16 ReLUs and gradient sums (no `BF16ReLU`, no `split_paths`), as before fastres avoided them
        learn = fr(dls, a); learn.cpu_mixed_precision.fast_relu = False
        return learn.add_cb(NoSplit())
    def pytorch_bn(dls, a):  # PyTorch's batch norm instead of fastres's bf16 kernel (`BF16BatchNorm`)
        learn = fr(dls, a); learn.cpu_mixed_precision.fast_bn = False; return learn
    if device.type == 'cpu':
        if best_precision(device) == 'fp32':  # bf16 would be emulated: fastres trains in fp32 there
            paths = {"fastres precision='fp32' (plain: contiguous, no ConvTuner)": lambda dls, a: fr(dls, a, precision='fp32'),
                     'fastres default without ConvTuner (fp32, channels-last)': lambda dls, a: tuned(fr(dls, a), False)}
        else:
            paths = {"fastres default, fastai's optimiser (not fused)": lambda dls, a: fr(dls, a, fused=False),
                     'fastres default, bf16 ReLU and gradient sums in place (PyTorch\'s)': bf16_in_place,
                     'fastres default without ConvTuner': lambda dls, a: tuned(fr(dls, a), False),
                     "fastres default, PyTorch's batch norm (no BF16BatchNorm)": pytorch_bn,
                     'fastres default, ConvTuner on weight gradients only': lambda dls, a: tuned(fr(dls, a), ONLY_WGRAD)}
        v = {'fastai': {'fastai default': lambda dls, a: fastai_learner(dls, a, 'fp32')},
             'fastres': {'fastai default + tune_malloc only': tuned_fastai, **paths, 'fastres default': fr}}
    else:  # the GPU comparison: against fastai's own mixed precision
        def cl(dls, a):
            learn = fr(dls, a); learn.model.to(memory_format=torch.channels_last); return learn
        v = {'fastai': {'fastai to_fp16': lambda dls, a: fastai_learner(dls, a, 'fp16'),
                        'fastai fp32': lambda dls, a: fastai_learner(dls, a, 'fp32')},
             'fastres': {'fastres default': fr, 'fastres default + channels_last': cl}}
    if with_compile:
        def compiled(dls, a):
            learn = fr(dls, a)
            if device.type == 'cuda': learn.model.to(memory_format=torch.channels_last)
            learn.model.compile()
            return learn
        v['fastres']['fastres default + torch.compile'] = compiled
    return v

def step_times(learners, args, label):
    "Step times (s) of each `Learner` in the dict `learners`, interleaved round by round (round 0 warms up)."
    times = {k: [] for k in learners}
    for r in range(args.rounds + 1):
        for k, learn in learners.items():
            t = StepTimer()
            t0 = time.perf_counter()
            with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-4, cbs=t)
            if r == 0: print(f"  {label} {k}: warm-up {time.perf_counter()-t0:.0f} s", flush=True)
            else: times[k] += t.times[1:]  # the first step of each fit re-enters autocast, caches... : skip it
    return times

def step_rows(times, args, label):
    "Median, IQR and speed-up over the first path of each path's step times."
    base = float(np.median(next(iter(times.values()))))
    res = []
    for k, ts in times.items():
        t = float(np.median(ts))
        res.append(dict(arch=label, variant=k, ms=1000*t, img_s=args.bs/t, speedup=base/t, n=len(ts),
                        iqr_ms=1000*float(np.subtract(*np.percentile(ts, [75, 25])))))
        print(f"  {label:10s} {k:40s} {1000*t:8.0f} ms  {args.bs/t:7.1f} img/s  x{base/t:.2f}", flush=True)
    return res

def time_steps(learners, args, label): return step_rows(step_times(learners, args, label), args, label)

def child_step(group, arch, args, device):
    "In a fresh process: the step times of one group of `step_variants`, as a JSON line."
    dls = batch_dls(args.bs, args.size, args.steps, device=device)
    learners = {k: f(dls, arch) for k, f in step_variants(device, args.compile)[group].items()}
    print(json.dumps(step_times(learners, args, arch)), flush=True)

def part_step(args, device):
    """Step time of each training path for each arch. fastai's paths and fastres's run in separate fresh processes
    (fastres tunes the process's allocator), alternated `--step-procs` times; medians over all their rounds."""
    res = []
    for arch in args.archs:
        times = {}
        for rep in range(args.step_procs):
            for group in step_variants(device, args.compile):
                p = subprocess.run([sys.executable, __file__, '--child-step', group, '--archs', arch, '--size', str(args.size),
                                    '--bs', str(args.bs), '--steps', str(args.steps), '--rounds', str(args.rounds),
                                    *(['--compile'] if args.compile else []), *(['--device', args.device] if args.device else [])],
                                   capture_output=True, text=True)
                if p.returncode: raise RuntimeError(f"step child {group} failed:\n{p.stderr[-3000:]}")
                print('\n'.join(l for l in p.stdout.splitlines()[:-1] if 'warm-up' in l), flush=True)
                for k, ts in json.loads(p.stdout.strip().splitlines()[-1]).items(): times.setdefault(k, []).extend(ts)
        res += step_rows(times, args, arch)
    return res

RECIPE_STEPS = {'ReLU (fastres default path)': dict(act='relu', self_attention=False, blur_pool=False),
                "Mish (PyTorch's nn.Mish)": dict(self_attention=False, blur_pool=False, torch_mish=True),
                'Mish (FastMish)': dict(self_attention=False, blur_pool=False),
                'Mish + self-attention': dict(blur_pool=False),
                'Mish + self-attention + MaxBlurPool = Recipe()': {},
                "Recipe() with PyTorch's nn.Mish": dict(torch_mish=True)}

def with_torch_mish(m):
    "`m` with fastres's `FastMish` swapped for PyTorch's `nn.Mish` (the same function, PyTorch's kernels)."
    for name, c in list(m.named_children()):
        if isinstance(c, FastMish): setattr(m, name, nn.Mish())
        else: with_torch_mish(c)
    return m

def recipe_learner(dls, torch_mish=False, **kwargs):
    learn = Recipe(**kwargs).learner(dls, n_out=10, c_in=3, path='/tmp')
    if torch_mish: with_torch_mish(learn.model)
    return learn

def part_recipe(args, device):
    "What each of the leaderboard's model tricks in `Recipe()` costs per training step (xresnet50, fused ranger, bf16)."
    dls = batch_dls(args.bs, args.size, args.steps, device=device)
    learners = {k: recipe_learner(dls, **kw) for k, kw in RECIPE_STEPS.items()}
    return time_steps(learners, args, Recipe().arch)

class ConvBlurPool(MaxBlurPool):
    "MaxBlurPool as fastres computed it first: replicate pad + max pool, reflect pad, then the blur as a depthwise convolution."
    def forward(self, x):
        x = F.max_pool2d(F.pad(x, (0, 1, 0, 1), mode='replicate'), 2, stride=1)
        x = F.pad(x, self.pads(*x.shape[-2:]), mode='reflect')
        return F.conv2d(x, self.kernel.to(x.dtype).expand(x.shape[1], 1, *self.kernel.shape[2:]), stride=self.stride, groups=x.shape[1])

class AutocastBlurPool(MaxBlurPool):
    "MaxBlurPool as fastres computed it next: the blur as average pools, but PyTorch's max pool, and under autocast (whose padding returns fp32)."
    def forward(self, x):
        x = F.max_pool2d(F.pad(x, (0, 1, 0, 1), mode='replicate'), 2, stride=1)
        x = F.pad(x, self.pads(*x.shape[-2:]), mode='reflect')
        for _ in range(self.kernel.shape[-1]-2): x = F.avg_pool2d(x, 2, stride=1)
        return F.avg_pool2d(x, 2, stride=self.stride)

BLUR_POOLS = {'depthwise convolution': ConvBlurPool, 'average pools, max pool, autocast': AutocastBlurPool,
              'average pools, compiled max, own dtype': MaxBlurPool}

def _swap_blur(m, cls):
    for o in m.modules():
        if isinstance(o, MaxBlurPool): o.__class__ = cls
    return m

def part_blurpool(args, device):
    """MaxBlurPool three ways: the blur as a depthwise convolution (fastres at first); as two average pools after PyTorch's
    max pool, under autocast, which pads in fp32 and so returned fp32 (next); as average pools after a compiled max, in
    the input's dtype (now). The layer alone, forward + backward under autocast as in training, at the stem's size
    and at the leaderboard model's first max-pooled shortcut; then the training steps of the recipes that use it (same
    process, interleaved rounds)."""
    res = []
    if device.type == 'cpu': tune_malloc()  # as in the training step (resnet_learner does it): no page faults per call
    dt = torch.bfloat16 if device.type == 'cpu' else torch.float16
    def layer(cls, x):
        xi = x.to(dt).requires_grad_()
        def f():
            with torch.autocast(device.type, dtype=dt): y = cls()(xi)
            y.backward(torch.ones_like(y)); sync(device)
        return f
    for c, px in ((64, args.size//2), (256, args.size//4)):
        x = torch.randn(args.bs, c, px, px, device=device).to(memory_format=torch.channels_last)
        fs, times = {k: layer(cls, x) for k, cls in BLUR_POOLS.items()}, {}
        for r in range(args.rounds + 1):
            for k, f in fs.items():
                ts = []
                for _ in range(5): t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
                if r: times.setdefault(k, []).extend(ts)
        base = float(np.median(times['depthwise convolution']))
        for k, ts in times.items():
            t = float(np.median(ts))
            res.append(dict(what=f'MaxBlurPool alone, forward + backward ({args.bs}x{c}x{px}x{px}, {str(dt)[6:]} autocast, channels-last)', variant=k,
                            ms=1000*t, iqr_ms=1000*float(np.subtract(*np.percentile(ts, [75, 25]))), speedup=base/t))
            print(f"  MaxBlurPool alone {c}x{px}x{px} {k:40s} {1000*t:8.1f} ms  x{base/t:.2f}", flush=True)
    for name, recipe in (('mininet', Recipe.mininet()), ('mininet_deep', Recipe.mininet(arch='mininet_deep')), ('leaderboard', Recipe.leaderboard())):
        dls = batch_dls(recipe.bs, args.size, args.steps, device=device)
        learners = {k: _swap_blur(recipe.learner(dls, n_out=10, c_in=3, path='/tmp'), cls) for k, cls in BLUR_POOLS.items()}
        for r in step_rows(step_times(learners, args, name), argparse.Namespace(**(vars(args) | dict(bs=recipe.bs))), name):
            call = 'Recipe.leaderboard()' if name == 'leaderboard' else f"Recipe.mininet(arch={recipe.arch!r})"
            res.append(dict(what=f'{call} training step (batch {recipe.bs})', **{k: r[k] for k in ('variant', 'ms', 'iqr_ms', 'speedup')}))
    return res

class KeepActsApart(Callback):
    "Benchmark only: fastres's batch-norm kernel without the activations that follow it (`FastMish` runs them), as before it took them in."
    order = CPUMixedPrecision.order + 1
    def before_fit(self):
        mp = self.learn.cpu_mixed_precision
        if mp.bn is not None: mp.bn = BF16BatchNorm()  # (no model: no activations to take in)

def leaderboard_step_rows(args, device, make_learners):
    "Table rows of the interleaved training-step times of the learners `make_learners(dls)` builds, on `Recipe.leaderboard()`'s batch."
    bs = Recipe.leaderboard().bs
    learners = make_learners(batch_dls(bs, args.size, args.steps, device=device))
    rows = step_rows(step_times(learners, args, 'leaderboard'), argparse.Namespace(**(vars(args) | dict(bs=bs))), 'leaderboard')
    return [dict(what=f'Recipe.leaderboard() training step (batch {bs})', **row) for row in rows]

def leaderboard_step_md(rows, args, what):
    "A markdown section of `leaderboard_step_rows`'s `rows`, their variants in a column headed `what`."
    return (f"\n## `Recipe.leaderboard()`'s training step (batch 32, {args.size} px; median of {args.rounds} alternated rounds of "
            f"{args.steps} steps, each fit's first step left out)\n\n"
            + md_table(rows, [(what, lambda r: r['variant']), ('ms/step', lambda r: fmt(r['ms'], '.0f')),
                              ('IQR ms', lambda r: fmt(r['iqr_ms'], '.0f')), ('steps', lambda r: str(r['n'])),
                              ('speed-up', lambda r: f"{r['speedup']:.3f}x")]))

def layer_step_args(doc, out):
    """The command line of a benchmark that times one layer two ways and then `Recipe.leaderboard()`'s step with each
    (`leaderboard_step_rows`): `--reps` of the layer, `--rounds` of `--steps` steps at `--size` px, results named `--out`."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--reps', type=int, default=15); ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--steps', type=int, default=6, help='steps per fit in each round of the training step'); ap.add_argument('--size', type=int, default=128)
    ap.add_argument('--out', default=out)
    return ap.parse_args()

def part_bnact(args, device):
    """`Recipe.leaderboard()`'s training step (its batch of 32): the Mish after each of 35 batch norms inside fastres's
    batch-norm kernel (the default), the same kernel with the Mishes apart (`FastMish`'s compiled kernels), and PyTorch's
    batch norm with `FastMish`. Same process, interleaved rounds. CPU with AVX-512 BF16 only."""
    if device.type != 'cpu' or bn_bf16_kernel() is None: print("  (fastres's batch-norm kernel does not run here: skipped)"); return []
    r = Recipe.leaderboard()
    def make(dls):
        names = ("batch-norm kernel, Mish inside it (default)", "batch-norm kernel, Mish apart", "PyTorch's batch norm, Mish apart")
        learners = {k: r.learner(dls, n_out=10, c_in=3, path='/tmp') for k in names}
        learners["batch-norm kernel, Mish apart"].add_cb(KeepActsApart())
        learners["PyTorch's batch norm, Mish apart"].cpu_mixed_precision.fast_bn = False
        return learners
    return leaderboard_step_rows(args, device, make)

def part_blurconv(args, device):
    """`Recipe.leaderboard()`'s training step (its batch of 32) with and without anti-aliased strided convolutions
    (`blur_conv=True`: the first 3x3 of stages 2-4 at stride 1, then a blur with the stride). Same process, interleaved rounds."""
    return leaderboard_step_rows(args, device, lambda dls: {
        'Recipe.leaderboard()': Recipe.leaderboard().learner(dls, n_out=10, c_in=3, path='/tmp'),
        'Recipe.leaderboard(blur_conv=True)': Recipe.leaderboard(blur_conv=True).learner(dls, n_out=10, c_in=3, path='/tmp')})

def train_flops(arch, bs, size):
    "FLOPs of one training step's forward and backward (torch's FlopCounterMode: convolutions and matrix products)."
    m = getattr(fastai_xresnet, arch)(n_out=10)
    x, y = torch.randn(bs, 3, size, size), torch.randint(0, 10, (bs,))
    with FlopCounterMode(display=False) as fc: F.cross_entropy(m(x), y).backward()
    return fc.get_total_flops(), model_flops(m, torch.randn(bs, 3, size, size))

def matmul_rate(device, dtype=torch.bfloat16, sizes=(2048, 4096, 8192), reps=5):
    "Best matrix-multiply rate (GFLOP/s) over a few square sizes, the roof the model step is compared with."
    best = {}
    for n in sizes:
        a, b = torch.randn(n, n, dtype=dtype, device=device), torch.randn(n, n, dtype=dtype, device=device)
        for _ in range(2): a @ b
        ts = []
        for _ in range(reps):
            sync(device); t0 = time.perf_counter(); a @ b; sync(device); ts.append(time.perf_counter() - t0)
        best[n] = 2*n**3/min(ts)/1e9
    return max(best.values()), best

def roof_dtype(device):
    "The matrix products' type of fastres's default path: bf16 on a CPU with native bf16, fp32 on one without, fp16 on a GPU."
    return {'bf16': torch.bfloat16, 'fp32': torch.float32, 'fp16': torch.float16}[best_precision(device)]

def part_roofline(args, device, steps):
    dt = roof_dtype(device)
    peak, by_size = matmul_rate(device, dt)
    print(f"  {dt} matmul: {peak:.0f} GFLOP/s (by size: {', '.join(f'{k}: {v:.0f}' for k, v in by_size.items())})")
    res = []
    for arch in args.archs:
        flops, fwd = train_flops(arch, args.bs, args.size)
        for r in (r for r in steps if r['arch'] == arch):
            rate = flops/(r['ms']/1000)/1e9
            res.append(dict(arch=arch, variant=r['variant'], gflop_step=flops/1e9, gflop_fwd=fwd/1e9, gflops=rate, matmul_gflops=peak,
                            fraction=rate/peak))
            print(f"  {arch:10s} {r['variant']:34s} {flops/1e9:6.0f} GFLOP/step (forward {fwd/1e9:.0f})  {rate:7.0f} GFLOP/s  {rate/peak:.3f} of matmul")
    return res, dict(matmul_gflops=peak, matmul_by_size=by_size, matmul_dtype=str(dt).replace('torch.', ''))

KINDS = [('convolution', r'conv'), ('batchnorm', r'batch_norm|^bn_(fwd|bwd)$'),  # (bn_*: fastres's kernel, with the ReLU or Mish it took in)
         ('activation', r'relu|threshold|mish|silu|hardtanh'),
         ('residual add', r'^add_?$'), ('pooling', r'pool'), ('optimizer', r'adam|_foreach|lerp|addcdiv|zero_'),
         ('copy / cast / layout', r'^(copy_|to|_to_copy|contiguous|clone|empty_like|empty_strided|as_strided)$'),
         ('matmul', r'^(mm|bmm|addmm|linear|matmul)$'), ('loss', r'softmax|nll|cross_entropy')]

def _kind(op):
    name = op.split('::', 1)[-1]
    return next((k for k, pat in KINDS if re.search(pat, name)), 'other')

class OpTimer(TorchDispatchMode):
    """Wall time of each aten call that autograd or Python code makes, by op. Calls made inside another op's kernel are
    not seen again (the mode is off while it handles a call), so the op times add up to the step; on a GPU each call is
    synchronised first, so there the step itself runs slower."""
    def __init__(self, device): super().__init__(); self.device, self.ms, self.calls = device, Counter(), Counter()
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        sync(self.device); t = time.perf_counter()
        out = func(*args, **(kwargs or {}))
        sync(self.device); name = func.overloadpacket.__name__
        self.ms[name] += 1e3*(time.perf_counter() - t); self.calls[name] += 1
        return out

class TimedKernel:
    """fastres's compiled batch-norm kernel (`fastres.learner._bn_kernel`) with each call timed into an `OpTimer` as one op,
    `fastres::bn_fwd` or `fastres::bn_bwd`: a C++ extension's functions are not aten ops, so the mode does not see them.
    The tensors the kernel allocates inside are not timed again (the modes are off during the call)."""
    def __init__(self, kernel, timer): self.kernel, self.timer = kernel, timer
    def __getattr__(self, name):
        f = getattr(self.kernel, name)
        def timed(*args):
            with torch.utils._python_dispatch._disable_current_modes():
                sync(self.timer.device); t = time.perf_counter()
                out = f(*args)
                self.timer.ms[f'fastres::{name}'] += 1e3*(time.perf_counter() - t); self.timer.calls[f'fastres::{name}'] += 1
            return out
        return timed

def part_profile(args, device, steps=4):
    """Where the fastres default step's time goes: the wall time of each aten op inside real training steps
    (`OpTimer`; fastres's batch-norm kernel, a C++ extension, as one op per call: `TimedKernel`), by kind of operation, as ms per step and as a share of the step. torch.profiler's self CPU time is
    printed beside it: on a 2-core EPYC its aten self time came to 1.9x the xresnet50 step's wall time (4371 against
    2331 ms) and inflated the memory-bound ops, so it is not used for the shares."""
    from torch.profiler import profile, ProfilerActivity
    res = []
    for arch in args.archs:
        dls = batch_dls(args.bs, args.size, steps, device=device)
        learn = resnet_learner(dls, arch, n_out=10, c_in=3, metrics=accuracy, path='/tmp', cbs=NoValidate())
        def run(*ctxs):
            t = StepTimer()
            with contextlib.ExitStack() as st:
                for c in (learn.no_bar(), learn.no_logging(), *ctxs): st.enter_context(c)
                learn.fit(1, 1e-4, cbs=t)
            return 1e3*float(np.median(t.times))
        run(); plain = run()  # warm-up, then the step as the other parts time it
        timer, kernel = OpTimer(device), fastres.learner._bn_kernel
        if kernel: fastres.learner._bn_kernel = TimedKernel(kernel, timer)
        try: timed = run(timer)
        finally: fastres.learner._bn_kernel = kernel
        with profile(activities=[ProfilerActivity.CPU]) as prof: run()
        prof_ms = sum(e.self_cpu_time_total for e in prof.key_averages() if e.key.startswith('aten::'))/1e3/steps
        kinds = Counter()
        for op, ms in timer.ms.items(): kinds[_kind(op)] += ms/steps
        total = sum(kinds.values())
        print(f"  {arch}: step {plain:.0f} ms untimed, {timed:.0f} ms with OpTimer; ops add up to {total:.0f} ms/step; "
              f"torch.profiler's aten self time {prof_ms:.0f} ms/step", flush=True)
        for k, ms in kinds.most_common():
            res.append(dict(arch=arch, kind=k, ms=ms, share=ms/total, step_ms=plain, timed_step_ms=timed, profiler_ms=prof_ms))
            print(f"  {arch:10s} {k:22s} {ms:7.1f} ms {100*ms/total:5.1f}%")
        print('\n'.join(f"    {op[:40]:40s} {ms/steps:8.1f} ms/step {timer.calls[op]/steps:5.1f} calls" for op, ms in timer.ms.most_common(12)))
    return res

_DESC = re.compile(r'(?:g(\d+))?mb(\d+)_ic(\d+)oc(\d+)_(?:id\d+od(\d+).*?)?ih\d+oh(\d+)kh(\d+).*?_iw\d+ow(\d+)kw(\d+)')
PASSES = {'forward_training': 'forward', 'backward_data': 'backward, input gradient', 'backward_weights': 'backward, weight gradient'}

def conv_flops(desc):
    "FLOPs of one oneDNN convolution from its problem descriptor, e.g. [g32]mb64_ic64oc256_ih32oh32kh1..._iw32ow32kw1...: 2*mb*oc*ic/g*oh*ow*kh*kw."
    g, mb, ic, oc, od, oh, kh, ow, kw = (int(v) if v else 1 for v in _DESC.search(desc).groups())
    return 2*mb*oc*ic//g*od*oh*ow*kh*kw

class NoValidate(Callback):
    "Skip the validation pass: only the training step is looked at."
    def before_validate(self): raise CancelValidException()

def child_convs(arch, args):
    """One fastres default step of `arch` with oneDNN's verbose timing on: its lines go to this process's stdout.
    `ConvTuner` is off, so that every pass of every convolution is oneDNN's (with it on, the passes it gives to a matrix
    product would be missing from oneDNN's log)."""
    learn = resnet_learner(batch_dls(args.bs, args.size, 1), arch, n_out=10, c_in=3, metrics=accuracy, path='/tmp', cbs=NoValidate())
    learn.cpu_mixed_precision.tune_convs = False  # (fastai names each callback on its Learner)
    with learn.no_bar(), learn.no_logging(): learn.fit(2, 1e-4)  # warm-up: oneDNN builds its kernels
    sys.stdout.flush()
    with torch.backends.mkldnn.verbose(torch.backends.mkldnn.VERBOSE_ON), learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-4)

def part_convs(args, device):
    """The convolutions of the fastres step by pass (forward, input gradient, weight gradient): time and GFLOP/s from
    oneDNN's own timing of each kernel call (ONEDNN_VERBOSE), and which kernels oneDNN picked. CPU only."""
    if device.type != 'cpu': print("  (oneDNN runs on the CPU only: skipped)"); return []
    dt = roof_dtype(device)  # (the step's convolutions run in this type)
    res, peak = [], matmul_rate(device, dt)[0]
    print(f"  {dt} matmul {peak:.0f} GFLOP/s", flush=True)
    for arch in args.archs:
        out = subprocess.run([sys.executable, __file__, '--child-convs', arch, '--size', str(args.size), '--bs', str(args.bs)],
                             capture_output=True, text=True, check=True).stdout
        # a line: onednn_verbose,...,exec,cpu,convolution,<kernel>,<pass>,<memory>,<attributes>,<algorithm>,<problem>,<ms>
        calls = [c[c.index('convolution')+1:] for c in (l.split(',') for l in out.splitlines())
                 if c[0] == 'onednn_verbose' and 'exec' in c and 'convolution' in c]
        for prop, name in PASSES.items():
            cs = [c for c in calls if c[1] == prop]
            ms, flop = sum(float(c[-1]) for c in cs), sum(conv_flops(c[-2]) for c in cs)
            impls = sorted({c[0].split(':')[0] for c in cs})
            res.append(dict(arch=arch, pass_=name, calls=len(cs), ms=ms, gflop=flop/1e9, gflops=flop/ms/1e6 if ms else float('nan'),
                            matmul_gflops=peak, matmul_dtype=str(dt).replace('torch.', ''), kernels=' + '.join(impls)))
            print(f"  {arch:10s} {name:27s} {len(cs):3d} calls {ms:7.1f} ms {flop/1e9:6.1f} GFLOP {res[-1]['gflops']:6.0f} GFLOP/s  {res[-1]['kernels']}", flush=True)
    return res

def part_data(args, device):
    "Images per second from each input pipeline, alone on the machine (no model training at the same time)."
    res = []
    t0 = time.perf_counter()
    fast = get_dls(**SUBSET, size=args.size, bs=args.bs, cache=True, device=device)
    build = time.perf_counter() - t0
    for name, dls in (('fastres (cache + batch augmentation, main process)', fast),
                      (f'fastai (JPEG decoding, {defaults.cpus} workers, aug_transforms)', get_dls(**SUBSET, size=args.size, bs=args.bs, device=device))):
        for split, dl in (('train', dls.train), ('valid', dls.valid)):
            n, t0, k = 0, time.perf_counter(), 0
            for xb, yb in dl:
                n += len(xb); k += 1
                if k == 1: n, t0 = 0, time.perf_counter()  # the first batch starts the workers
                if k > args.data_batches: break
            rate = n/(time.perf_counter() - t0)
            res.append(dict(pipeline=name, split=split, img_s=rate))
            print(f"  {name:55s} {split:5s} {rate:7.0f} img/s", flush=True)
    return res, dict(cache_build_s=build, cache_file=str(fast.train.cache.file), cache_mb=fast.train.cache.file.stat().st_size/2**20)

def child_epoch(recipe, arch, size, bs):
    "One epoch of `recipe` in this (fresh) process: JSON on stdout."
    mem = MemorySampler(); mem.start()
    t0 = time.perf_counter()
    if recipe == 'fastres':
        dls = get_dls(**SUBSET, size=size, bs=bs, cache=True)
        learn = resnet_learner(dls, arch, metrics=accuracy, path='/tmp')
    else:
        dls = get_dls(**SUBSET, size=size, bs=bs)  # fastbook's DataBlock: JPEGs decoded by fastai's DataLoader workers
        learn = Learner(dls, getattr(fastai_xresnet, arch)(n_out=dls.c), loss_func=CrossEntropyLossFlat(), metrics=accuracy, path='/tmp')
    setup = time.perf_counter() - t0
    wait = DataWait()
    t0 = time.perf_counter()
    with learn.no_bar(): learn.fit_one_cycle(1, 2e-3, cbs=wait)
    epoch = time.perf_counter() - t0
    mem.stop()
    print(json.dumps(dict(recipe=recipe, arch=arch, setup_s=setup, epoch_s=epoch, train_s=wait.train_s, valid_s=epoch - wait.train_s,
                          data_wait_s=wait.wait, data_wait_share=wait.wait/wait.train_s, n_train=len(dls.train)*bs,
                          accuracy=float(learn.recorder.values[-1][2]), self_peak_rss_mb=_rss_kb(os.getpid(), 'VmHWM')/1024,
                          peak_rss_mb=mem.peak_rss/1024, peak_pss_mb=mem.peak_pss/1024)))

def part_epoch(args, device):
    if set(args.epoch_runs) != {'fastres', 'fastai'}: raise SystemExit("--epoch-runs needs both fastres and fastai: the part compares them.")
    t0, wall0 = time.perf_counter(), time.time()
    dls = get_dls(**SUBSET, size=args.size, bs=args.bs, cache=True)  # the one-off decode into the cache, outside the epochs: timed here
    decode = dict(cache_build_s=time.perf_counter() - t0, cache_built_now=dls.train.cache.file.stat().st_mtime >= wall0)
    del dls
    res = []
    for i, recipe in enumerate(args.epoch_runs, 1):
        p = subprocess.run([sys.executable, __file__, '--child-epoch', recipe, '--archs', args.epoch_arch, '--size', str(args.size),
                            '--bs', str(args.bs), *(['--n-per-class', str(args.n_per_class)] if args.n_per_class else [])],
                           capture_output=True, text=True)
        if p.returncode: raise RuntimeError(f"epoch child {recipe} failed:\n{p.stderr[-3000:]}")
        r = dict(run=i, **json.loads(p.stdout.strip().splitlines()[-1]))
        res.append(r)
        print(f"  run {i} {recipe:8s} {r['arch']}: epoch {r['epoch_s']:.0f} s (train {r['train_s']:.0f}, valid {r['valid_s']:.0f}), "
              f"data wait {100*r['data_wait_share']:.1f}% of training, peak RSS {r['peak_rss_mb']:.0f} MB "
              f"(PSS {r['peak_pss_mb']:.0f}, main process {r['self_peak_rss_mb']:.0f}), accuracy {r['accuracy']:.3f}", flush=True)
    return res, decode

class Subnormals(Callback):
    """Every `every` steps, the share of nonzero values below float32's smallest normal in the weights, gradients and optimiser
    state; the time each look took (inside the step: the gradients are zeroed before `after_batch`) in `spent`."""
    order = 99
    def __init__(self, every=25): self.every, self.log, self.spent = every, [], {}
    def after_step(self):
        if self.iter % self.every: return
        t0 = time.perf_counter()
        tiny = torch.finfo(torch.float32).tiny
        def share(ts):
            ts = [t.detach() for t in ts if isinstance(t, torch.Tensor) and t.is_floating_point()]
            return sum(((t != 0) & (t.float().abs() < tiny)).sum().item() for t in ts)/max(1, sum(t.numel() for t in ts))
        ps = list(self.learn.model.parameters())
        state = [v for p in ps for v in self.opt.state[p].values()]
        self.log.append(dict(step=self.iter, weights=share(ps), grads=share(p.grad for p in ps), opt_state=share(state)))
        self.spent[self.iter] = time.perf_counter() - t0

def fixed_batch_steps(learn, args, n=6):
    "Step times (s) of `learn` on `batch_dls` (the `step` part's fixed batch), the first step not counted; its own data put back."
    real = learn.dls
    learn.dls = batch_dls(args.bs, args.size, n=n, device=real.device)
    t = StepTimer()
    try:
        with learn.no_bar(), learn.no_logging(): learn.fit(1, 1e-4, cbs=t)
    finally: learn.dls = real
    return t.times[1:]

def part_epochsteps(args, device, window=20):
    "Each training step of one fastres epoch, in one process with fixed-batch steps before and after it."
    dls = get_dls(**SUBSET, size=args.size, bs=args.bs, cache=True, device=device)
    learn = resnet_learner(dls, args.epoch_arch, metrics=accuracy, path='/tmp')
    before = fixed_batch_steps(learn, args)
    print(f"  fixed batch before: median {np.median(before):.3f} s/step", flush=True)
    t, sub = StepTimer(), Subnormals()
    with learn.no_bar(): learn.fit_one_cycle(1, 2e-3, cbs=[t, sub])
    acc = float(learn.recorder.values[-1][2])  # (before the fixed-batch fit, whose validation is of that batch)
    after = fixed_batch_steps(learn, args)
    t.times = [dt - sub.spent.get(i, 0.) for i, dt in enumerate(t.times)]  # (each step's time without the subnormals' look)
    steps = t.times[1:]  # (the first: autocast, allocator and caches warm up)
    windows = [dict(first=i + 1, last=min(i + window, len(steps)), median_s=float(np.median(steps[i:i + window])))
               for i in range(0, len(steps), window)]
    res = dict(arch=args.epoch_arch, bs=args.bs, fixed_before=before, fixed_after=after, epoch_steps=t.times, windows=windows,
               subnormals=sub.log, subnormals_look_s=sub.spent, accuracy=acc)
    for k, v in (('fixed batch before', before), ('epoch steps', steps), ('fixed batch after', after)):
        print(f"  {k:20s} median {np.median(v):.3f} s/step ({args.bs/np.median(v):.1f} img/s), mean {np.mean(v):.3f}", flush=True)
    return res

def part_curves(args, device):
    "The same xresnet18 run (seed, initial weights, batches) in fp32 with fastai's Adam and on fastres's default path."
    dls = get_dls(**SUBSET, size=args.size, bs=args.bs, cache=True, device=device)
    out = {}
    for name, kw in (('fp32 + fastai Adam', dict(precision='fp32', fused=False)), ('fastres default', {})):
        set_seed(0)
        learn = resnet_learner(dls, 'xresnet18', metrics=accuracy, path='/tmp', **kw)
        for dl in dls.loaders: dl.rng = __import__('random').Random(0)
        t0 = time.perf_counter()
        with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(1, 3e-3)
        out[name] = dict(losses=[float(l) for l in learn.recorder.losses], valid_loss=float(learn.recorder.values[-1][1]),
                         accuracy=float(learn.recorder.values[-1][2]), seconds=time.perf_counter() - t0)
        print(f"  {name:20s} final smoothed train loss {out[name]['losses'][-1]:.4f}  valid loss {out[name]['valid_loss']:.4f}  "
              f"accuracy {out[name]['accuracy']:.4f}  ({out[name]['seconds']:.0f} s)", flush=True)
    a, b = (np.array(o['losses']) for o in out.values())
    gap = np.abs(a - b)
    summary = dict(steps=len(a), max_abs_gap=float(gap.max()), mean_abs_gap=float(gap.mean()),
                   mean_rel_gap_after_10=float((gap/a)[10:].mean()))
    print(f"  smoothed loss gap over {len(a)} steps: mean {gap.mean():.4f}, max {gap.max():.4f}")
    return out, summary

PRESETS = [k for k, v in vars(Recipe).items() if isinstance(v, classmethod)]  # Recipe.mininet(), Recipe.leaderboard(), ...

def make_recipe(args):
    "`Recipe()`, or the preset `Recipe.<args.preset>()`, with the fields of the JSON `args.recipe` changed."
    return (getattr(Recipe, args.preset) if args.preset else Recipe)(**(json.loads(args.recipe) if args.recipe else {}))

def check_accuracy_args(args):
    "Exit with one line that names the fix if `--preset`, `--recipe` or `--averages` cannot work: before any file is opened."
    def stop(msg): raise SystemExit(f"bench_train.py: {msg}")
    if args.preset is not None and args.preset not in PRESETS:
        close = difflib.get_close_matches(args.preset, PRESETS, n=1)
        stop(f"unknown --preset {args.preset!r}.{f' Did you mean {close[0]!r}?' if close else ''} Presets: {', '.join(PRESETS)}.")
    try: fields = json.loads(args.recipe) if args.recipe else {}
    except json.JSONDecodeError as e: stop(f"--recipe is not JSON ({e}): give Recipe fields as an object, e.g. '{{\"epochs\": 1}}'.")
    if not isinstance(fields, dict): stop(f"--recipe must be a JSON object of Recipe fields, e.g. '{{\"epochs\": 1}}', not {args.recipe}.")
    try: make_recipe(args)
    except FastresError as e: stop(f"--recipe: {e}")
    for spec in args.averages:
        try: weight_average(spec)  # (exits on a malformed one)
        except FastresError as e: stop(f"--averages {spec}: {e}")

def changed(recipe, preset=None):
    "`recipe` (a dict) as a call: the preset (or `Recipe`) with the fields that differ from its defaults."
    base = dataclasses.asdict(getattr(Recipe, preset)() if preset else Recipe())
    return f"Recipe{'.' + preset if preset else ''}(" + ', '.join(f"{k}={v!r}" for k, v in recipe.items() if base.get(k) != v) + ')'

def part_accuracy(args):
    "The 5-epoch recipe, logged epoch by epoch."
    r = make_recipe(args)
    print(f"recipe: {dataclasses.asdict(r)}", flush=True)
    t0 = time.perf_counter()
    dls = r.dls(**SUBSET)
    t_data = time.perf_counter() - t0
    if r.seed is not None: set_seed(r.seed)
    averages = {spec: weight_average(spec) for spec in args.averages}
    learn = r.learner(dls, path='/tmp', cbs=[Throughput(), PrintEpochs(), *averages.values()])
    t1 = time.perf_counter()
    with learn.no_bar(), learn.no_logging(): r.fit(learn)
    t_fit = time.perf_counter() - t1
    acc = float(learn.recorder.values[-1][2])
    res = dict(recipe=dataclasses.asdict(r), top1=acc, fit_s=t_fit, data_s=t_data, total_s=time.perf_counter() - t0,
               epochs=[dict(zip(learn.recorder.metric_names[1:-1], map(float, v))) for v in learn.recorder.values])
    print(f"top-1 {acc:.4f} after {r.epochs} epochs; training {t_fit/60:.1f} min, data set-up {t_data:.0f} s", flush=True)
    weights = cache_folder()/f"{args.out or 'accuracy'}.pth"
    weights.parent.mkdir(parents=True, exist_ok=True)
    torch.save(learn.model.state_dict(), weights)  # not committed (about 100 MB): for later looks at the same model
    print(f"weights: {weights}", flush=True)
    learn.remove_cbs(learn.cbs.filter(lambda cb: isinstance(cb, PrintEpochs)))
    if averages:
        with learn.no_bar(), learn.no_logging(): res['averages'] = eval_averages(learn, averages, save=weights.with_suffix(''))
    with learn.no_bar(): res['evals'] = eval_protocols(r, learn, args.eval_sizes)
    return res

def weight_average(spec):
    "`WeightAverage` from 'ema:DECAY' (exponential) or 'mean:START' (the plain mean from fraction START of training on)."
    kind, v = spec.split(':') if spec.count(':') == 1 else (spec, '')
    try: float(v)
    except ValueError: kind = None  # (a bad number: the same message)
    if kind not in ('ema', 'mean'): raise SystemExit(f"bench_train.py: --averages {spec}: use ema:DECAY (e.g. ema:0.998) or mean:START (e.g. mean:0.75)")
    return WeightAverage(decay=float(v), swap_in=False) if kind == 'ema' else WeightAverage(decay=None, start=float(v), swap_in=False)

def eval_averages(learn, averages, save=None, n_batches=100):
    """Top-1 of the raw weights and of each average kept beside them in the same run (so the comparison is paired: the
    same seed and trajectory), each with the statistics averaged along and with `precise_bn` over `n_batches` batches."""
    raw = {k: v.clone() for k, v in learn.model.state_dict().items()}
    def top1(name):
        t, acc = time.perf_counter(), float(learn.validate()[1])
        precise_bn(learn, n_batches); bn = float(learn.validate()[1])
        print(f"{name}: top-1 {acc:.4f}, with precise BN ({n_batches} batches) {bn:.4f} ({time.perf_counter() - t:.0f} s)", flush=True)
        learn.model.load_state_dict(raw)
        return dict(top1=acc, top1_precise_bn=bn, steps=None)
    res = {'raw': top1('raw')}
    for spec, cb in averages.items():
        cb.swap()
        if save: torch.save(learn.model.state_dict(), f"{save}_{spec.replace(':', '')}.pth")  # not committed, as the run's own
        res[spec] = top1(spec) | dict(steps=cb.n)
    return res

class FlipBatch(Callback):
    "Mirror every input batch left-right (test-time augmentation)."
    def before_batch(self): self.learn.xb = tuple(x.flip(-1) for x in self.xb)

def eval_protocols(r, learn, sizes=(128, 144, 160)):
    """The trained model's top-1 on the same validation images under other evaluation protocols: centre crops at larger
    sizes (the same cache and crop, resized), and the mean of the image's and its mirror image's predictions. Not the
    target's protocol (128 px, one view), which is `top1`; they show how much evaluation alone moves the figure."""
    res, presize = [], r.presize or default_presize(r.size)
    for size in sizes:
        dl = dataclasses.replace(r, size=size, presize=presize).dls(**SUBSET).valid
        t = time.perf_counter()
        p, y = learn.get_preds(dl=dl)
        pf, _ = learn.get_preds(dl=dl, cbs=[FlipBatch()])
        one, tta = float((p.argmax(1) == y).float().mean()), float(((p + pf).argmax(1) == y).float().mean())
        res.append(dict(size=size, top1=one, top1_flip_tta=tta, s=time.perf_counter() - t))
        print(f"eval at {size} px: top-1 {one:.4f}, with flip TTA {tta:.4f} ({res[-1]['s']:.0f} s)", flush=True)
    return res

# --- main -------------------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--parts', nargs='+', default=['step', 'roofline', 'data', 'profile', 'convs', 'epoch', 'curves', 'recipe'],
                    choices=['step', 'roofline', 'profile', 'convs', 'data', 'epoch', 'epochsteps', 'recipe', 'blurpool', 'bnact', 'blurconv', 'curves', 'accuracy'])
    ap.add_argument('--archs', nargs='+', default=list(ARCHS))
    ap.add_argument('--epoch-arch', default='xresnet50', help='model of the end-to-end epoch')
    ap.add_argument('--epoch-runs', nargs='+', default=['fastres', 'fastai', 'fastres'], choices=['fastres', 'fastai'],
                    help='the end-to-end epochs to run, in this order (each recipe at least once)')
    ap.add_argument('--size', type=int, default=128); ap.add_argument('--bs', type=int, default=64)
    ap.add_argument('--steps', type=int, default=6, help='steps per fit in each round of `step`')
    ap.add_argument('--rounds', type=int, default=3, help='timed rounds of `step` (after one warm-up round)')
    ap.add_argument('--data-batches', type=int, default=40)
    ap.add_argument('--compile', action='store_true', help='also time the step with torch.compile')
    ap.add_argument('--recipe', default='', help='JSON of Recipe fields to change for `accuracy`, e.g. \'{"epochs": 1}\'')
    ap.add_argument('--averages', nargs='*', default=[], help='for `accuracy`: weight averages kept beside the run and evaluated '
                    'after it, each ema:DECAY or mean:START (e.g. ema:0.998 mean:0.75)')
    ap.add_argument('--eval-sizes', nargs='*', type=int, default=[128, 144, 160], help='for `accuracy`: the other evaluation protocols\' sizes (none: skip them)')
    ap.add_argument('--preset', default=None, help='start `accuracy` from `Recipe.<preset>()` (e.g. mininet) instead of `Recipe()`')
    ap.add_argument('--device', default=None, help='cpu or cuda (default: fastai\'s default device)')
    ap.add_argument('--out', default=None, help='results file stem under benchmarks/results/, or a path (default: bench_train, or accuracy)')
    ap.add_argument('--n-per-class', type=int, default=None, help='a subset of Imagenette (quick checks of the script)')
    ap.add_argument('--child-epoch', default=None, help=argparse.SUPPRESS)
    ap.add_argument('--child-step', default=None, help=argparse.SUPPRESS)
    ap.add_argument('--child-convs', default=None, help=argparse.SUPPRESS)
    ap.add_argument('--step-procs', type=int, default=2, help='fresh processes per group of step paths, alternated')
    args = ap.parse_args()
    if args.n_per_class: SUBSET['n_per_class'] = args.n_per_class
    if args.child_convs: return child_convs(args.child_convs, args)
    if args.child_epoch: return child_epoch(args.child_epoch, args.archs[0], args.size, args.bs)
    if args.child_step: return child_step(args.child_step, args.archs[0], args, torch.device(args.device) if args.device else default_device())
    device = torch.device(args.device) if args.device else default_device()
    if 'accuracy' in args.parts: check_accuracy_args(args)  # (a typo must not cost a committed log, nor an hour)
    if args.n_per_class and not args.out:
        raise SystemExit(f"--n-per-class {args.n_per_class} runs on a subset of Imagenette: give it its own --out NAME, so that it does "
                         "not replace the full results in benchmarks/results/.")
    command = ' '.join(['python benchmarks/bench_train.py', *map(shlex.quote, sys.argv[1:])])
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.out: (RESULTS/args.out).parent.mkdir(parents=True, exist_ok=True)  # (a name in benchmarks/results, or a path)
    if 'accuracy' in args.parts: sys.stdout = Tee(sys.stdout, RESULTS/f"{args.out or 'accuracy'}.log")
    info = machine() | dict(command=command, n_per_class=args.n_per_class)
    print('machine:', json.dumps(info), flush=True)
    if 'accuracy' in args.parts:
        res, out = dict(machine=info, **part_accuracy(args)), args.out or 'accuracy'
        (RESULTS/f'{out}.json').write_text(json.dumps(res, indent=1))
        rows = res['epochs']
        (RESULTS/f'{out}.md').write_text(
            f"# Imagenette, {res['recipe']['epochs']} epochs at {res['recipe']['size']} px: fastres `{changed(res['recipe'], args.preset)}`\n\n"
            f"Top-1 accuracy **{100*res['top1']:.2f}%**, training {res['fit_s']/60:.1f} min "
            f"(data set-up {res['data_s']:.0f} s, total {res['total_s']/60:.1f} min).\n\n"
            f"Machine: {info['cpu']} ({info['cores']} cores, {info.get('cpu_features', '')}; GPU: {info['gpu']}), torch {info['torch']}, fastai {info['fastai']}, "
            f"{info['date']}. Written by `{info['command']}`{subset_note(info)}.\n\nRecipe: `{json.dumps(res['recipe'])}`\n\n"
            + md_table(rows, [(k, (lambda k: lambda r: fmt(r[k], '.4f'))(k)) for k in rows[0]])
            + ("\n## The same model under other evaluation protocols (not the target's: 128 px, one view)\n\n"
               + md_table(res['evals'], [('eval size px', lambda e: str(e['size'])), ('top-1', lambda e: fmt(e['top1'], '.4f')),
                                         ('top-1, mean with mirror image', lambda e: fmt(e['top1_flip_tta'], '.4f'))])
               if res.get('evals') else '')
            + ("\n## Weight averages kept beside the same run (`--averages`; validation top-1 at 128 px, one view)\n\n"
               + md_table([dict(name=k) | v for k, v in res['averages'].items()],
                          [('weights', lambda a: a['name']), ('steps averaged', lambda a: str(a['steps'] or '-')),
                           ('top-1, statistics as averaged', lambda a: fmt(a['top1'], '.4f')),
                           ('top-1, precise BN (100 batches)', lambda a: fmt(a['top1_precise_bn'], '.4f'))])
               if res.get('averages') else ''))
        sys.stdout = sys.stdout.done()  # the log last: a results file never goes without it
        return
    out, extra = dict(machine=info, settings=dict(bs=args.bs, size=args.size, rounds=args.rounds, steps=args.steps, step_procs=args.step_procs)), {}
    if {'step', 'roofline'} & set(args.parts):
        print(f"== step ({', '.join(args.archs)}, {args.size} px, batch {args.bs}, {device})", flush=True)
        out['step'] = part_step(args, device)
    if 'roofline' in args.parts:
        print("== roofline", flush=True); out['roofline'], extra['matmul'] = part_roofline(args, device, out['step'])
    if 'data' in args.parts: print("== data", flush=True); out['data'], extra['cache'] = part_data(args, device)
    if 'profile' in args.parts: print("== profile", flush=True); out['profile'] = part_profile(args, device)
    if 'convs' in args.parts: print("== convs", flush=True); out['convs'] = part_convs(args, device)
    if 'epoch' in args.parts: print("== epoch", flush=True); out['epoch'], extra['epoch_cache'] = part_epoch(args, device)
    if 'epochsteps' in args.parts: print("== epochsteps", flush=True); out['epochsteps'] = part_epochsteps(args, device)
    if 'curves' in args.parts: print("== curves", flush=True); out['curves'], extra['curves'] = part_curves(args, device)
    if 'recipe' in args.parts: print("== recipe", flush=True); out['recipe'] = part_recipe(args, device)
    if 'blurpool' in args.parts: print("== blurpool", flush=True); out['blurpool'] = part_blurpool(args, device)
    if 'bnact' in args.parts: print("== bnact", flush=True); out['bnact'] = part_bnact(args, device)
    if 'blurconv' in args.parts: print("== blurconv", flush=True); out['blurconv'] = part_blurconv(args, device)
    out.update(extra)
    (RESULTS/f'{args.out or "bench_train"}.json').write_text(json.dumps(out, indent=1))
    (RESULTS/f'{args.out or "bench_train"}.md').write_text(report(out))
    print(report(out))

def step_table(rows, first, base):
    "A markdown table of step times: the variant (column `first`), ms, IQR, images/s and time against the first row (`base`)."
    return md_table(rows, [(first, lambda r: r['variant']), ('ms/step', lambda r: fmt(r['ms'], '.0f')),
                           ('IQR ms', lambda r: fmt(r['iqr_ms'], '.0f')), ('img/s', lambda r: fmt(r['img_s'])),
                           (f'time vs {base}', lambda r: f"{1/r['speedup']:.2f}x")])

def subset_note(m):
    "Say in a results file's header when it was measured on a subset of Imagenette."
    return f" (on a subset: {m['n_per_class']} images per class)" if m.get('n_per_class') else ''

def report(o):
    "The results as markdown."
    m = o['machine']
    s = [f"# fastres vs fastai: training speed\n\nMachine: {m['cpu']}, {m['cores']} cores ({m.get('cpu_features','')}), "
         f"{m.get('memory_gb','?')} GiB; GPU: {m['gpu']}; torch {m['torch']} ({m['torch_threads']} threads), fastai {m['fastai']}; "
         f"{m['date']}. Written by `{m.get('command', 'python benchmarks/bench_train.py')}`{subset_note(m)}.\n"]
    if 'step' in o:
        st = o['settings']
        s.append(f"## Model step ({st['size']} px, batch {st['bs']}; median over {st.get('step_procs', 1)} fresh processes per group x {st['rounds']} rounds)\n")
        s.append(md_table(o['step'], [('arch', lambda r: r['arch']), ('training path', lambda r: r['variant']),
                                      ('ms/step', lambda r: fmt(r['ms'], '.0f')), ('IQR ms', lambda r: fmt(r['iqr_ms'], '.0f')),
                                      ('img/s', lambda r: fmt(r['img_s'])), ('vs first row', lambda r: f"{r['speedup']:.2f}x")]))
    if 'roofline' in o:
        s.append(f"\n## Roofline\n\n{o['matmul'].get('matmul_dtype', 'bf16 (CPU) / fp16 (GPU)')} matrix multiply (the default path's type), best of {', '.join(map(str, o['matmul']['matmul_by_size']))}: "
                 f"**{o['matmul']['matmul_gflops']:.0f} GFLOP/s**. Step FLOPs: forward + backward from torch's FlopCounterMode.\n")
        s.append(md_table(o['roofline'], [('arch', lambda r: r['arch']), ('training path', lambda r: r['variant']),
                                          ('GFLOP/step', lambda r: fmt(r['gflop_step'], '.0f')), ('GFLOP/s', lambda r: fmt(r['gflops'], '.0f')),
                                          ('fraction of matmul', lambda r: fmt(r['fraction'], '.3f'))]))
    if 'profile' in o:
        s.append("\n## Where the fastres step's time goes (wall time of each op inside real steps)\n\n"
                 "Measured by `OpTimer`, a dispatch mode that times every aten call the step makes, and each call of fastres's "
                 "batch-norm kernel (a C++ extension, which the mode does not see: `TimedKernel`; 'batchnorm' includes the ReLUs "
                 "it takes in). 'matmul' is mostly convolutions that `ConvTuner` runs as matrix products. Per arch: "
                 + '; '.join(f"{a} step {r['step_ms']:.0f} ms untimed, {r['timed_step_ms']:.0f} ms timed, "
                             f"torch.profiler's aten self time {r['profiler_ms']:.0f} ms"
                             for a, r in {r['arch']: r for r in o['profile']}.items())  # the step figures repeat on each row of an arch
                 + " (the profiler is not used for the shares: its total is not the step's wall time).\n")
        s.append(md_table(o['profile'], [('arch', lambda r: r['arch']), ('kind', lambda r: r['kind']),
                                         ('ms/step', lambda r: fmt(r.get('ms'), '.1f')), ('share', lambda r: f"{100*r['share']:.1f}%")]))
    if o.get('convs'):
        s.append("\n## The step's convolutions by pass (oneDNN's own time per kernel call, one fastres default step)\n\n"
                 f"FLOPs of each call from its problem size; the {o['convs'][0].get('matmul_dtype', 'bf16')} matmul rate measured in the same run "
                 f"({o['convs'][0]['matmul_gflops']:.0f} GFLOP/s).\n\n")
        s.append(md_table(o['convs'], [('arch', lambda r: r['arch']), ('pass', lambda r: r['pass_']), ('calls', lambda r: str(r['calls'])),
                                       ('ms/step', lambda r: fmt(r['ms'], '.0f')), ('GFLOP', lambda r: fmt(r['gflop'])),
                                       ('GFLOP/s', lambda r: fmt(r['gflops'], '.0f')),
                                       ('of matmul', lambda r: fmt(r['gflops']/r['matmul_gflops'], '.2f')),
                                       ('oneDNN kernels', lambda r: r['kernels'])]))
    if 'data' in o:
        c = o['cache']
        s.append(f"\n## Input pipeline ({o['settings']['size']} px, standard augmentation)\n\nfastres cache: {c['cache_mb']:.0f} MB, "
                 f"built once in {c['cache_build_s']:.0f} s (0 if it already existed).\n")
        s.append(md_table(o['data'], [('pipeline', lambda r: r['pipeline']), ('split', lambda r: r['split']), ('img/s', lambda r: fmt(r['img_s'], '.0f'))]))
    if 'epoch' in o:
        e = o['epoch']
        by = {k: [r for r in e if r['recipe'] == k] for k in ('fastres', 'fastai')}
        mean = lambda k, f: float(np.mean([r[f] for r in by[k]]))
        s.append(f"\n## One Imagenette epoch end to end ({e[0]['arch']}, train + validation)\n\n"
                 f"Runs in this order, each in a fresh process: {', '.join(r['recipe'] for r in e)}. Peak RSS sampled every "
                 f"{RSS_EVERY:g} s, peak PSS every {PSS_EVERY:g} s (reading it more often slowed the training it measured). "
                 "'set-up s' (not in the epoch) is each process's data and learner set-up: fastres's loads its image cache, "
                 "fastai's lists the JPEGs. "
                 + (f"fastres's one-off decode of the JPEGs into that cache is not in either: it took {c['cache_build_s']:.0f} s "
                    f"in this run{'' if c['cache_built_now'] else ' (the cache already existed, so this is only its loading)'}.\n"
                    if (c := o.get('epoch_cache')) else "fastres's one-off decode of the JPEGs into that cache is not in either.\n"))
        s.append(md_table(e, [('run', lambda r: str(r.get('run', '-'))), ('recipe', lambda r: r['recipe']),
                              ('set-up s', lambda r: fmt(r.get('setup_s'), '.0f')), ('epoch s', lambda r: fmt(r['epoch_s'], '.0f')), ('train s', lambda r: fmt(r['train_s'], '.0f')),
                              ('valid s', lambda r: fmt(r['valid_s'], '.0f')), ('data wait (share of train)', lambda r: f"{100*r['data_wait_share']:.1f}%"),
                              ('peak RSS MB (incl. workers)', lambda r: fmt(r['peak_rss_mb'], '.0f')), ('peak PSS MB', lambda r: fmt(r['peak_pss_mb'], '.0f')),
                              ('main-process peak RSS MB', lambda r: fmt(r['self_peak_rss_mb'], '.0f')), ('accuracy', lambda r: fmt(r['accuracy'], '.3f'))]))
        ratios = [a['epoch_s']/f['epoch_s'] for a in by['fastai'] for f in by['fastres']]
        peak = lambda k, f: max(r[f] for r in by[k])
        s.append(f"\nfastres is **{mean('fastai', 'epoch_s')/mean('fastres', 'epoch_s'):.2f}x** faster per epoch (mean epoch "
                 f"{mean('fastres', 'epoch_s'):.0f} s against {mean('fastai', 'epoch_s'):.0f} s"
                 + (f"; {min(ratios):.2f}x to {max(ratios):.2f}x run against run" if len(ratios) > 1 else '')
                 + f"); peak memory {peak('fastres', 'peak_rss_mb')/peak('fastai', 'peak_rss_mb'):.2f}x "
                 f"fastai's (RSS, incl. workers), {peak('fastres', 'peak_pss_mb')/peak('fastai', 'peak_pss_mb'):.2f}x (PSS).\n")
    if 'epochsteps' in o:
        e = o['epochsteps']
        med = lambda v: float(np.median(v))
        s.append(f"\n## The epoch's steps against the fixed batch's, in one process ({e['arch']}, fastres default, batch {e['bs']})\n\n"
                 "One process: fixed-batch steps (the `step` part's batch), one `fit_one_cycle(1, 2e-3)` epoch over Imagenette "
                 "with every training step timed (the first not counted), fixed-batch steps again. Seconds per step:\n")
        rows = [dict(what='fixed batch, before the epoch', v=e['fixed_before']), dict(what='the epoch\'s training steps', v=e['epoch_steps'][1:]),
                dict(what='fixed batch, after the epoch', v=e['fixed_after'])]
        s.append(md_table(rows, [('steps', lambda r: r['what']), ('n', lambda r: str(len(r['v']))), ('median s', lambda r: fmt(med(r['v']), '.3f')),
                                 ('mean s', lambda r: fmt(float(np.mean(r['v'])), '.3f')), ('img/s (median)', lambda r: fmt(e['bs']/med(r['v'])))]))
        s.append("\nThe epoch's steps by window (median s/step): "
                 + ', '.join(f"{w['first']}-{w['last']}: {w['median_s']:.2f}" for w in e['windows'])
                 + ". Largest share of subnormal values seen (weights, gradients, optimiser state, every 25 steps): "
                 + ', '.join(f"{k} {max(r[k] for r in e['subnormals']):.2g}" for k in ('weights', 'grads', 'opt_state'))
                 + (f" (the {len(e['subnormals_look_s'])} looks took {sum(e['subnormals_look_s'].values()):.1f} s in all, taken out of their steps' times)"
                    if 'subnormals_look_s' in e else " (the looks are in their steps' times)")
                 + f". Accuracy after the epoch {e['accuracy']:.3f}.\n")
    if 'recipe' in o:
        st = o['settings']
        s.append(f"\n## What the recipe's model tricks cost per step (xresnet50, {st['size']} px, batch {st['bs']}, fused ranger)\n")
        s.append(step_table(o['recipe'], 'model', 'ReLU'))
    if 'blurpool' in o:
        st = o['settings']
        s.append(f"\n## MaxBlurPool three ways: the blur as a depthwise convolution (first), as average pools after PyTorch's max pool under autocast (next), as average pools after a compiled max in the input's dtype (now) ({st['size']} px)\n")
        s.append(md_table(o['blurpool'], [('what', lambda r: r['what']), ('MaxBlurPool computed as', lambda r: r['variant']),
                                          ('ms', lambda r: fmt(r['ms'], '.1f')), ('IQR ms', lambda r: fmt(r['iqr_ms'], '.1f')),
                                          ('speed-up', lambda r: f"{r['speedup']:.2f}x")]))
    if o.get('bnact'):
        st = o['settings']
        s.append(f"\n## The leaderboard network's Mish inside fastres's batch-norm kernel or apart ({st['size']} px, {o['bnact'][0]['what']})\n")
        s.append(step_table(o['bnact'], 'batch norm and Mish', 'the default'))
    if o.get('blurconv'):
        st = o['settings']
        s.append(f"\n## Anti-aliased strided convolutions in the leaderboard network ({st['size']} px, {o['blurconv'][0]['what']})\n")
        s.append(step_table(o['blurconv'], 'recipe', 'Recipe.leaderboard()'))
    if 'curves' in o:
        c = o['curves']
        s.append(f"\n## Correctness: fp32 vs fastres default, same run (xresnet18, 1 epoch one-cycle, {c['steps']} steps)\n\n"
                 f"Smoothed training loss gap: mean {c['mean_abs_gap']:.4f}, max {c['max_abs_gap']:.4f} "
                 f"(mean relative after step 10: {100*c['mean_rel_gap_after_10']:.2f}%).\n")
    return '\n'.join(s)

if __name__ == '__main__': main()
