"""fastres's d2l networks against d2l's own code (the `d2l` package, version 1.0.3, which the book's chapters import).

d2l's package holds the blocks of chapters 8.6 and 8.8 (`Residual`, `ResNeXtBlock`); the networks around them are
put together here as the chapters describe them. Each test copies fastres's weights into d2l's layers and compares
outputs. d2l pins old versions of numpy, pandas and matplotlib, so the set-up installs it without its dependencies
(`pip install --no-deps d2l==1.0.3`); its torch module needs only what fastai already brings."""
import warnings
import pytest, torch
from torch import nn
from fastres import ResNeXtBlock, randomize_, regnetx32, resnet18

with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    try: from d2l import torch as d2l
    except ImportError as e: raise ImportError("The d2l tests compare with d2l's own code: pip install --no-deps d2l==1.0.3") from e

def materialise(model, c_in=3, size=32):
    "d2l's lazy layers take their shapes from a first batch."
    model.eval()
    with torch.no_grad(): model(torch.zeros(2, c_in, size, size))
    return model

def ours_to_theirs(ours, theirs, bias=0.):
    "Copy fastres's `ours` (its convs, norms and linear layers, in order) into d2l's `theirs`; d2l's conv biases get `bias`."
    with torch.no_grad():
        for a, b in zip(ours, theirs, strict=True):
            assert type(a) is type(b) and a.weight.shape == b.weight.shape, (a, b)
            b.weight.copy_(a.weight)
            if isinstance(a, nn.BatchNorm2d):
                for k in ('bias', 'running_mean', 'running_var'): getattr(b, k).copy_(getattr(a, k))
            elif isinstance(a, nn.Linear): b.bias.copy_(a.bias)
            elif b.bias is not None: b.bias.copy_(torch.randn_like(b.bias) if bias == 'random' else torch.full_like(b.bias, bias))

def our_layers(block):
    "A fastres `ResBlock`'s convs and norms, in the order d2l's blocks register theirs: the branch's convs, its norms, the shortcut's."
    layers = list(block.convs)
    return [l[0] for l in layers] + [l[1] for l in layers] + (list(block.shortcut[0]) if len(block.shortcut) else [])

def d2l_order(block):
    "A d2l block's convs and norms in the order of `our_layers`: the branch's convs, its norms, then the projection."
    ms = dict(block.named_children())
    names = [n for n in ('conv1', 'conv2', 'conv3', 'bn1', 'bn2', 'bn3') if ms.get(n) is not None]
    if isinstance(block, d2l.Residual): names = ['conv1', 'conv2', 'bn1', 'bn2'] + (['conv3'] if block.conv3 is not None else [])
    elif block.conv4 is not None: names += ['conv4', 'bn4']
    return [ms[n] for n in names]

def compare(ours, theirs, x, atol=1e-5):
    with torch.no_grad(): a, b = ours(x), theirs(x)
    assert a.shape == b.shape and torch.allclose(a, b, atol=atol), (a.shape, b.shape, (a-b).abs().max())

# (num_channels, groups: d2l's group WIDTH, bot_mul, use_1x1conv, strides, input channels)
BLOCKS = [(32, 16, 1, False, 1, 32), (64, 16, 1, True, 2, 32), (80, 16, 1, True, 1, 80), (256, 4, 0.5, True, 1, 64), (96, 8, 0.25, True, 2, 48)]

@pytest.mark.parametrize('args', BLOCKS, ids=lambda a: '-'.join(map(str, a)))
def test_resnext_block_is_d2ls(args):
    *d2l_args, ni = args
    ours = randomize_(ResNeXtBlock(*d2l_args, ni=ni), seed=int(sum(args))).eval()
    theirs = materialise(d2l.ResNeXtBlock(*d2l_args), ni, 16)
    ours_to_theirs(our_layers(ours), d2l_order(theirs))
    x = torch.randn(4, ni, 16, 16)
    compare(ours, theirs, x)
    # d2l's convs carry biases; before a BatchNorm that normalises the batch they change nothing
    ours_to_theirs(our_layers(ours), d2l_order(theirs), bias='random')
    compare(ours.train(), theirs.train(), x, atol=1e-4)

def d2l_regnetx32(num_classes=10):
    "d2l 8.8's `RegNetX32`: `AnyNet`'s 3×3 stride-2 stem of 32 channels, stages (depth, width) (4, 32) and (6, 80) of `ResNeXtBlock`s (group width 16, bot_mul 1; the first of each strides 2 with a projection), pooled linear head."
    stages = [nn.Sequential(*[d2l.ResNeXtBlock(width, 16, 1, use_1x1conv=True, strides=2) if i == 0 else d2l.ResNeXtBlock(width, 16, 1)
                              for i in range(depth)]) for depth, width in ((4, 32), (6, 80))]
    stem = nn.Sequential(nn.LazyConv2d(32, kernel_size=3, stride=2, padding=1), nn.LazyBatchNorm2d(), nn.ReLU())
    return nn.Sequential(stem, *stages, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.LazyLinear(num_classes))

def test_regnetx32_is_d2ls():
    ours, theirs = randomize_(regnetx32(n_out=10), seed=1).eval(), materialise(d2l_regnetx32(10))
    layers = lambda stem, stages, head: [stem[0], stem[1]] + [l for s in stages for b in s for l in b] + [head]
    ours_to_theirs(layers(ours[0], [[our_layers(b) for b in ours[i]] for i in (1, 2)], ours[-1]),
                   layers(theirs[0], [[d2l_order(b) for b in theirs[i]] for i in (1, 2)], theirs[-1]))
    compare(ours, theirs, torch.randn(2, 3, 64, 64))

def d2l_resnet18(num_classes=1000):
    "d2l 8.6's ResNet-18: 7×7 stride-2 stem of 64 channels, BatchNorm, ReLU, 3×3 stride-2 max pool; stages of two `Residual`s (widths 64 to 512, the first of each stage after the first strides 2 with a projection); pooled linear head."
    stages = [nn.Sequential(*[d2l.Residual(width, use_1x1conv=True, strides=2) if i == 0 and j > 0 else d2l.Residual(width)
                              for i in range(2)]) for j, width in enumerate((64, 128, 256, 512))]
    stem = nn.Sequential(nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3), nn.LazyBatchNorm2d(), nn.ReLU(),
                         nn.MaxPool2d(kernel_size=3, stride=2, padding=1))
    return nn.Sequential(stem, *stages, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.LazyLinear(num_classes))

def test_resnet18_is_d2ls_up_to_its_two_details():
    "03_family: d2l's ResNet-18 differs from the paper's (fastres's) only by conv biases and a projection without BatchNorm."
    ours, theirs = randomize_(resnet18(), seed=2).eval(), materialise(d2l_resnet18(), size=64)
    count = lambda m: sum(p.numel() for p in m.parameters())
    biases = sum(m.out_channels for m in theirs.modules() if isinstance(m, nn.Conv2d))
    projection_norms = sum(2*b.shortcut[0][1].num_features for s in ours[2:6] for b in s if len(b.shortcut))
    assert count(theirs) == count(ours) + biases - projection_norms == 11_689_512 + 4_800 - 1_792
    # with its projections' norms made the identity, fastres's net computes what d2l's does
    with torch.no_grad():
        for s in ours[2:6]:
            for b in s:
                if len(b.shortcut):
                    bn = b.shortcut[0][1]
                    bn.weight.fill_(1); bn.bias.zero_(); bn.running_mean.zero_(); bn.running_var.fill_(1 - bn.eps)
    pick = lambda b: our_layers(b)[:-1] if len(b.shortcut) else our_layers(b)  # (d2l's projection has no norm)
    ours_to_theirs([ours[0][0], ours[0][1]] + [l for s in ours[2:6] for b in s for l in pick(b)] + [ours[-1]],
                   [theirs[0][0], theirs[0][1]] + [l for s in theirs[1:5] for b in s for l in d2l_order(b)] + [theirs[-1]])
    compare(ours, theirs, torch.randn(2, 3, 64, 64), atol=1e-4)
