"""Every architecture of `fastres.family` learns: on one real Imagenette batch, repeated optimiser steps drive
its loss down (a tiny overfit check). Reads a few JPEGs directly with PIL from $FASTRES_DATA/imagenette2 (FASTRES_DATA
as fastres reads it: the folder that holds the dataset; default ../shared/data beside the repository)."""
import os, time
from pathlib import Path
import numpy as np, pytest, torch, torch.nn.functional as F
from PIL import Image
from fastres.core import ARCHS
import fastres.family

DATA = Path(os.environ.get('FASTRES_DATA', Path(__file__).resolve().parents[1].parent/'shared'/'data'))/'imagenette2'
FAMILY = [name for name, f in ARCHS.items() if f.__module__ == 'fastres.family']
SIZE, STEPS, LR = 32, 6, 2e-3

def load_batch():
    "Ten training images of Imagenette (the first of each class, at 32x32, normalised) and their labels."
    train = DATA/'train'
    if not train.is_dir(): pytest.fail(f"No Imagenette at {DATA}: set FASTRES_DATA to the folder that holds imagenette2/ (with train/ and val/).")
    classes = sorted(p for p in train.iterdir() if p.is_dir())
    files = [(sorted(c.glob('*.JPEG'))[0], i) for i, c in enumerate(classes)]
    imgs = [np.asarray(Image.open(f).convert('RGB').resize((SIZE, SIZE), Image.BILINEAR), dtype=np.float32)/255 for f, _ in files]
    x = torch.tensor(np.stack(imgs)).permute(0, 3, 1, 2)
    x = (x - torch.tensor([0.485, 0.456, 0.406])[:, None, None]) / torch.tensor([0.229, 0.224, 0.225])[:, None, None]
    return x, torch.tensor([i for _, i in files])

@pytest.fixture(scope='module')
def batch(): return load_batch()

@pytest.fixture(scope='module', autouse=True)
def one_thread():
    "One torch thread: ten 32x32 images gain little from a second, and on a shared CPU OpenMP threads stall waiting for each other."
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)

def train_losses(model, x, y, steps=STEPS, lr=LR):
    "Training-mode losses on the single batch `x, y` after 0, 1, ... `steps-1` Adam updates."
    torch.manual_seed(0)
    opt, losses = torch.optim.Adam(model.parameters(), lr=lr, fused=True), []  # fused: one pass over the weights
    model.train()
    for i in range(steps):
        loss = F.cross_entropy(model(x), y)
        losses.append(loss.item())
        if i < steps-1: opt.zero_grad(); loss.backward(); opt.step()
    return losses

def assert_overfits(losses):
    "The loss fell: by 10% at its best, and still below its start at the end."
    # Modest on purpose: a 56-layer plain net learns slowly and unevenly even on one batch (the degradation problem).
    assert all(np.isfinite(losses)), f"non-finite loss: {losses}"
    assert min(losses[1:]) < 0.9*losses[0] and losses[-1] < losses[0], \
        f"the loss did not fall on one repeated batch: {[round(l, 3) for l in losses]}"

def test_family_is_registered():
    assert len(FAMILY) >= 30 and {'resnet18', 'preact_resnet50', 'resnext50_32x4d', 'regnetx32', 'regnetx_3_2gf',
                                  'vionet_depth', 'deresnext32', 'plain56', 'fastbook_cnn'} <= set(FAMILY)

@pytest.mark.parametrize('name', FAMILY)
def test_overfits_one_batch(name, batch):
    x, y = batch
    torch.manual_seed(0)
    model = ARCHS[name](n_out=10)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    t = time.time()
    losses = train_losses(model, x, y)
    print(f"{name}: {' '.join(f'{l:.2f}' for l in losses)} in {time.time()-t:.1f}s")
    assert_overfits(losses)
    # Not just the head learnt: every tensor, from the stem on, got gradients and moved.
    frozen = [n for n, p in model.named_parameters() if torch.equal(p.detach(), before[n])]
    assert not frozen, f"{name}: these parameters never changed: {frozen}"

def test_check_can_fail(batch):
    "With a learning rate of zero nothing is learnt, and the check says so."
    x, y = batch
    with pytest.raises(AssertionError, match='did not fall'):
        assert_overfits(train_losses(fastres.family.resnet20(n_out=10), x, y, steps=3, lr=0.))
    with pytest.raises(AssertionError, match='did not fall'):
        assert_overfits([2.3, 2.2, 2.1])  # falling, but too little to show learning
    with pytest.raises(AssertionError, match='did not fall'):
        assert_overfits([2.3, 1.5, 2.4])  # fell, then rose above the start
