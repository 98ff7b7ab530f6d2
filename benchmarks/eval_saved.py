"""Evaluate the weights that accuracy runs saved again, three ways: as trained (bf16 autocast), in fp32, and after
`precise_bn` (fastres.callbacks: BatchNorm statistics recomputed over one pass of the training data, weights fixed).

    python benchmarks/eval_saved.py accuracy_leaderboard accuracy_leaderboard_seed1 ...   # about 4 minutes a model on 2 cores
    python benchmarks/eval_saved.py --table results/eval_saved.json                       # the table again from a results file
    python benchmarks/eval_saved.py accuracy_leaderboard_kornia_blur --recipe '{"blur_pool": "kornia"}' --out eval_saved_kornia

`bench_train.py --parts accuracy --out NAME` saves each run's weights to fastres's cache folder as NAME.pth (not
committed: about 100 MB each); every name here must be a `Recipe.leaderboard()` run (`--preset` chooses another,
`--recipe` changes its fields). Writes results/eval_saved.{md,json} (`--out` another name). Is bf16 what keeps these runs below the GPU's? Do precise statistics help?
"""
import argparse, json, sys, time
from pathlib import Path
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_train as bt  # this checkout's fastres and the machine description
from fastres import cache_folder, precise_bn
from fastres.recipes import Recipe

RESULTS = Path(__file__).resolve().parent/'results'

def evaluate(recipe, dls, weights):
    "Top-1 and seconds of each way of evaluating `weights`."
    sd, res = torch.load(weights), {}
    for how in ('bf16', 'fp32', 'precise_bn'):
        learn = recipe.learner(dls, path='/tmp')
        if how == 'fp32': learn.set_precision('fp32')
        learn.model.load_state_dict(sd)
        t = time.perf_counter()
        if how == 'precise_bn': precise_bn(learn)
        t_bn = time.perf_counter() - t
        with learn.no_bar(), learn.no_logging(): top1 = float(learn.validate()[1])
        res[how] = dict(top1=top1, s=time.perf_counter() - t) | (dict(bn_pass_s=t_bn) if how == 'precise_bn' else {})
        print(f"{weights.stem}: {how} top-1 {top1:.4f} ({res[how]['s']:.0f} s)", flush=True)
    return res

def table(res):
    rows = ["| run | bf16, as trained | fp32 | precise BN (bf16) | precise BN − as trained | its pass over the training data |",
            "|---|---|---|---|---|---|"]
    for name, r in res['runs'].items():
        b, f, p = (r[k]['top1'] for k in ('bf16', 'fp32', 'precise_bn'))
        rows.append(f"| {name} | {100*b:.2f}% | {100*f:.2f}% | {100*p:.2f}% | {100*(p-b):+.2f} | {r['precise_bn'].get('bn_pass_s', float('nan')):.0f} s |")
    n = len(res['runs'])
    mean = lambda k: sum(r[k]['top1'] for r in res['runs'].values())/n
    rows.append(f"| mean of {n} | {100*mean('bf16'):.2f}% | {100*mean('fp32'):.2f}% | {100*mean('precise_bn'):.2f}% | "
                f"{100*(mean('precise_bn')-mean('bf16')):+.2f} | |")
    m = res['machine']
    cmd = 'python benchmarks/eval_saved.py' + (f" --recipe '{json.dumps(res['recipe_changes'])}'" if res.get('recipe_changes') else '')
    return (f"# Saved accuracy-run weights, evaluated again\n\nMachine: {m['cpu']} ({m['cores']} cores, {m['cpu_features']}), "
            f"torch {m['torch']}, fastai {m['fastai']}, {m['date']}. Written by `{cmd}`; "
            f"the Imagenette validation set (3,925 images) at 128 px, one view.\n\n" + '\n'.join(rows) + '\n\n' +
            "Precise BN: every BatchNorm's running mean and variance recomputed as the average over one pass of the "
            "training data (augmented as in training, 296 batches of 32), the weights unchanged; the pass's time counts "
            "against a run's 45 minutes. Times are wall clock on a shared machine.\n" + (f"\n{res['note']}\n" if res.get('note') else ''))

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('names', nargs='*', help="weights in fastres's cache folder: NAME.pth")
    ap.add_argument('--preset', default='leaderboard', help='the runs were `Recipe.<preset>()`')
    ap.add_argument('--recipe', default='', help='JSON of Recipe fields the runs changed, e.g. \'{"blur_pool": "kornia"}\'')
    ap.add_argument('--out', default='eval_saved', help='results file stem under benchmarks/results/')
    ap.add_argument('--table', default=None, help='only write the table of this results file')
    args = ap.parse_args()
    if args.table: res = json.loads(Path(args.table).read_text())
    else:
        changes = json.loads(args.recipe) if args.recipe else {}
        recipe = getattr(Recipe, args.preset)(**changes)
        dls = recipe.dls()
        res = dict(machine=bt.machine(), preset=args.preset, recipe_changes=changes,
                   runs={n: evaluate(recipe, dls, cache_folder()/f'{n}.pth') for n in args.names})
        (RESULTS/f'{args.out}.json').write_text(json.dumps(res, indent=1) + '\n')
    (RESULTS/f'{args.out if not args.table else Path(args.table).stem}.md').write_text(table(res))
    print(table(res))

if __name__ == '__main__': main()
