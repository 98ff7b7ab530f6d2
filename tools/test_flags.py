"""The nbdev test flags this machine can run, for `nbdev_test --flags "$(python tools/test_flags.py)"`.

`avx512_bf16`: the CPU has AVX-512 BF16, so fastres's bf16 batch-norm kernel (06_learner) builds and runs here;
the notebook cells that test it carry `#| avx512_bf16` and are skipped elsewhere.
"""
import torch

flags = []
if getattr(torch.cpu, '_is_avx512_bf16_supported', lambda: False)(): flags.append('avx512_bf16')
print(' '.join(flags))
