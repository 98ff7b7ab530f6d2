"""Non-square photos through both data paths: do fastres's cache and fastai's own pipeline give the same validation?

    python benchmarks/eval_nonsquare.py accuracy_mininet_zen3 --preset mininet   # about 5 minutes on 2 cores

This machine's Imagenette copy is square (224 x 224), the official imagenette2-160/-320 copies are not. This makes
non-square photographs from the local copy (every other validation image cut to 224 x 168, the rest to 168 x 224; 8
training images a class, which the loaders need), then scores saved accuracy-run weights (NAME.pth in fastres's cache
folder, written by `bench_train.py --parts accuracy --out NAME`) on them through `get_dls(cache=False)` (fastai's
`Resize` crop and its batch augmentation) and `get_dls(cache=True)` (fastres's cache and `RandomResizedCropBatch`).
Writes results/eval_nonsquare.{md,json} (`--out` another name).
"""
import argparse, json, sys, tempfile, time
from pathlib import Path
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_train as bt  # this checkout's fastres and the machine description
from fastres import cache_folder, data_path
from fastres.recipes import Recipe

RESULTS = Path(__file__).resolve().parent/'results'

def make_photos(dst, n_train=8):
    "4:3 and 3:4 photographs cut from the local copy's centres, in the ImageNet layout under `dst`."
    src = data_path('imagenette')
    for split, n in (('train', n_train), ('val', None)):
        for d in sorted((src/split).iterdir()):
            (dst/split/d.name).mkdir(parents=True, exist_ok=True)
            for i, f in enumerate(sorted(d.iterdir())[:n]):
                with Image.open(f) as im:
                    w, h = im.size
                    box = (0, (h - h*3//4)//2, w, (h + h*3//4)//2) if i % 2 == 0 else ((w - w*3//4)//2, 0, (w + w*3//4)//2, h)
                    im.crop(box).save(dst/split/d.name/f'{f.stem}.png')
    return dst

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('name', help="weights in fastres's cache folder: NAME.pth")
    ap.add_argument('--preset', default='mininet', help='the run was `Recipe.<preset>()`')
    ap.add_argument('--out', default='eval_nonsquare', help='results file stem under benchmarks/results/')
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    photos = make_photos(tmp/'photos')
    sd, rows = torch.load(cache_folder()/f'{args.name}.pth'), {}
    for cache in (False, True):
        recipe = getattr(Recipe, args.preset)(cache=cache)
        kw = dict(folder=tmp/'cache', verbose=False) if cache else dict(num_workers=2)
        t = time.perf_counter()
        learn = recipe.learner(recipe.dls(path=photos, **kw), path=tmp)
        learn.model.load_state_dict(sd)
        with learn.no_bar(), learn.no_logging(): preds, targs = learn.get_preds()
        rows[f'cache={cache}'] = dict(top1=float((preds.argmax(1) == targs).float().mean()), preds=preds, s=time.perf_counter() - t)
        print(f"cache={cache}: top-1 {rows[f'cache={cache}']['top1']:.4f}", flush=True)
    a, b = (rows[k]['preds'] for k in rows)
    res = dict(machine=bt.machine(), weights=args.name, preset=args.preset, n_valid=len(a),
               top1={k: r['top1'] for k, r in rows.items()}, seconds={k: round(r['s']) for k, r in rows.items()},
               same_class=float((a.argmax(1) == b.argmax(1)).float().mean()), max_prob_diff=float((a - b).abs().max()))
    (RESULTS/f'{args.out}.json').write_text(json.dumps(res, indent=1) + '\n')
    m = res['machine']
    md = (f"# Non-square photos: fastai's pipeline and fastres's cache on the same weights\n\nMachine: {m['cpu']} ({m['cores']} cores, "
          f"{m['cpu_features']}), torch {m['torch']}, fastai {m['fastai']}, {m['date']}. Written by `python benchmarks/eval_nonsquare.py "
          f"{args.name} --preset {args.preset}`: the weights of `Recipe.{args.preset}()` trained on the square local copy, scored on its "
          f"{len(a):,} validation images cut to 4:3 and 3:4.\n\n| data path | top-1 | seconds (data set-up + validation) |\n|---|---|---|\n" +
          ''.join(f"| `{k}` | {100*r['top1']:.2f}% | {round(r['s'])} |\n" for k, r in rows.items()) +
          f"\nThe two predict the same class for {100*res['same_class']:.2f}% of the images; their probabilities differ by at most "
          f"{res['max_prob_diff']:.4f}.\n")
    (RESULTS/f'{args.out}.md').write_text(md)
    print(md)

if __name__ == '__main__': main()
