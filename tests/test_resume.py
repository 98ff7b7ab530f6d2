"A run killed mid-epoch and resumed in a new process ends exactly where an uninterrupted run ends."
import textwrap
import torch
from forkserver import fork_server

SCRIPT = textwrap.dedent('''
    import os, sys, torch
    from fastres import *
    torch.set_num_threads(1)
    mode, folder, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])

    class Crash(Callback):
        "Kill the process in the middle of epoch 2, with no clean-up at all (as a power cut would)."
        def after_batch(self):
            if self.training and self.epoch == 2 and self.iter == 2: os._exit(3)

    set_seed(0)  # the data: the same in every process
    protos = torch.randn(4, 3, 16, 16)
    def make(n):
        y = torch.randint(0, 4, (n,))
        return list(zip(protos[y] + 1.5*torch.randn(n, 3, 16, 16), y))
    train, valid = make(160), make(64)
    set_seed(seed)  # model initialisation and data order: different in the resuming process
    dls = DataLoaders(DataLoader(train, bs=32, shuffle=True, drop_last=True), DataLoader(valid, bs=64))
    model = ResNet(ResBlock, 1, [1, 1], widths=[8, 16], stem_szs=(8, 8, 8), n_out=4, p=0.3)
    learn = Learner(dls, model, loss_func=CrossEntropyLossFlat(), metrics=accuracy, cbs=Throughput())
    cbs = {'full': [], 'crash': [Checkpoint(folder=folder), Crash()],
           'resume': [Checkpoint(folder=folder, resume=True)]}[mode]
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(4, 1e-2, cbs=cbs)
    torch.save(dict(model=learn.model.state_dict(), lrs=learn.recorder.lrs,
                    values=[list(v)[:3] for v in learn.recorder.values]), f'{folder}/{mode}_final.pt')
''')

def run(mode, folder, seed=0):
    "`python -c SCRIPT mode folder seed`, a process of its own (forked by the fork server, which has imported fastres)."
    return fork_server().run(['-c', SCRIPT, mode, folder, seed], timeout=300)

def test_killed_run_resumes_in_new_process(tmp_path):
    full = run('full', tmp_path)
    assert full.returncode == 0, full.stderr
    crash = run('crash', tmp_path)
    assert crash.returncode == 3, crash.stderr
    assert sorted(f.name for f in tmp_path.glob('checkpoint_*')) == [
        'checkpoint_0.pth', 'checkpoint_0.state.pth', 'checkpoint_1.pth', 'checkpoint_1.state.pth']
    resume = run('resume', tmp_path, seed=1)
    assert resume.returncode == 0, resume.stderr
    assert 'Resuming from' in resume.stdout
    a, b = (torch.load(tmp_path/f'{m}_final.pt', weights_only=False) for m in ('full', 'resume'))
    for k, v in a['model'].items(): assert torch.equal(v, b['model'][k]), k
    assert [float(x) for x in a['lrs']] == [float(x) for x in b['lrs']]
    assert a['values'] == b['values']
    # Starting the run again without resume is refused, and leaves every checkpoint as it was.
    before = {f.name: f.read_bytes() for f in tmp_path.glob('checkpoint_*')}
    again = run('crash', tmp_path)
    assert again.returncode == 1 and 'Pass resume=True to continue that run' in again.stderr, again.stderr
    assert {f.name: f.read_bytes() for f in tmp_path.glob('checkpoint_*')} == before
