"""Run command lines as processes of their own without paying for `import fastres` (~9 s on 2 cores) in each.

One server process imports the package once, then forks a child per command line. The child runs the installed
console script as `__main__` (as the shell does), or `python -c CODE`, with its own working folder, environment,
and standard output and error in files, and ends as the interpreter would (exit handlers run; an uncaught Ctrl-C
ends it by SIGINT). `ForkServer.popen` returns a `subprocess.Popen`-like handle: the test can signal and kill the
child as it would any process, and reads its exit code. What differs from a fresh process: warnings raised while
importing go to the server's standard error, once; and environment variables read by a library when it loads
(OMP_NUM_THREADS) are the server's: `ENV`, the tests' environment."""
import atexit, json, os, shutil, signal, subprocess, sys, sysconfig, tempfile, threading
from pathlib import Path

_SERVER = r"""
import atexit, io, json, os, runpy, select, signal, sys, traceback
import fastres.cli

def child(case):
    "Run one command line in this forked process and exit with its code."
    code, interrupted = 1, False
    try:
        signal.set_wakeup_fd(-1)
        for sig, handler in ((signal.SIGCHLD, signal.SIG_DFL), (signal.SIGINT, signal.default_int_handler),
                             (signal.SIGTERM, signal.SIG_DFL)): signal.signal(sig, handler)
        os.chdir(case['cwd'])
        os.environ.clear(); os.environ.update(case['env'])
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        for fd, name in ((1, case['out']), (2, case['err'])): os.dup2(os.open(name, os.O_WRONLY|os.O_CREAT|os.O_TRUNC), fd)
        # new streams on those files, buffered as the interpreter buffers them at start-up (PYTHONUNBUFFERED, -u: not at all)
        unbuffered = bool(os.environ.get('PYTHONUNBUFFERED'))
        for fd, name in ((1, 'stdout'), (2, 'stderr')):
            raw = io.FileIO(fd, 'w', closefd=False)
            stream = io.TextIOWrapper(raw if unbuffered else io.BufferedWriter(raw), encoding='utf-8', line_buffering=fd == 2,
                                      write_through=unbuffered, errors='backslashreplace' if fd == 2 else 'strict')
            setattr(sys, name, stream); setattr(sys, f'__{name}__', stream)
        argv = case['argv']
        if argv[0] == '-c':
            sys.argv, sys.path[0] = ['-c', *argv[2:]], ''
            exec(compile(argv[1], '<string>', 'exec'), {'__name__': '__main__', '__builtins__': __builtins__})
        else:
            sys.argv, sys.path[0] = argv, os.path.dirname(argv[0])  # (a script's folder comes first on the path)
            runpy.run_path(argv[0], run_name='__main__')
        code = 0
    except SystemExit as e:  # what the interpreter does with it
        if isinstance(e.code, int) or e.code is None: code = e.code or 0
        else: print(e.code, file=sys.stderr); code = 1
    except KeyboardInterrupt: traceback.print_exc(); interrupted = True
    except BaseException: traceback.print_exc()
    finally:
        atexit._run_exitfuncs()
        sys.stdout.flush(); sys.stderr.flush()
        if interrupted: signal.signal(signal.SIGINT, signal.SIG_DFL); os.kill(os.getpid(), signal.SIGINT)
        os._exit(code)

wake_r, wake_w = os.pipe()
os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w)
signal.signal(signal.SIGCHLD, lambda *_: None)  # (a handler, so that SIGCHLD wakes select through the pipe)
buf = b''
while True:
    try: ready = select.select([0, wake_r], [], [])[0]
    except InterruptedError: continue
    if wake_r in ready: os.read(wake_r, 4096)
    while True:  # every child that has ended
        try: pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError: break
        if not pid: break
        print('exit', pid, os.waitstatus_to_exitcode(status), flush=True)
    if 0 in ready:
        data = os.read(0, 65536)
        if not data: break  # the tests are done
        buf += data
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            case = json.loads(line)
            pid = os.fork()
            if not pid: child(case)
            print('pid', case['id'], pid, flush=True)
"""

class Forked:
    "A `subprocess.Popen`-like handle on a child of a `ForkServer`."
    def __init__(self, server, i, args, out, err): self.server, self.id, self.args, self.out, self.err = server, i, args, out, err

    @property
    def pid(self): return self.server._wait(lambda: self.server.pids.get(self.id))
    @property
    def returncode(self): return self.server.codes.get(self.pid)
    def poll(self): return self.returncode
    def send_signal(self, sig):
        if self.returncode is None:
            try: os.kill(self.pid, sig)
            except ProcessLookupError: pass  # (it ended, and the server reaped it, since `returncode` was read)
    def kill(self): self.send_signal(signal.SIGKILL)

    def wait(self, timeout=None):
        pid, codes = self.pid, self.server.codes
        try: return self.server._wait(lambda: codes.get(pid), timeout)
        except subprocess.TimeoutExpired:
            self.kill(); self.server._wait(lambda: codes.get(pid))
            raise subprocess.TimeoutExpired(self.args, timeout)

    def output(self):
        "The child's standard output and error, as text."
        return Path(self.out).read_text(), Path(self.err).read_text()

    def result(self, timeout=None):
        "What `subprocess.run(..., capture_output=True, text=True)` returns, once the child has ended."
        code = self.wait(timeout)
        return subprocess.CompletedProcess(self.args, code, *self.output())

class ForkServer:
    "A server process that has imported fastres, forking a child per command line (see the module's docstring)."
    def __init__(self, env):
        self.env, self.tmp = dict(env), Path(tempfile.mkdtemp(prefix='forkserver-'))
        self.log = open(self.tmp/'server.err', 'w+')
        self.proc = subprocess.Popen([sys.executable, '-c', _SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, env=self.env, text=True)
        self.pids, self.codes, self.n, self.ended = {}, {}, 0, False
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        atexit.register(self.close)

    def _read(self):
        for line in self.proc.stdout:
            what, a, b = line.split()
            with self.cond:
                if what == 'pid': self.pids[int(a)] = int(b)
                else: self.codes[int(a)] = int(b)
                self.cond.notify_all()
        with self.cond: self.ended = True; self.cond.notify_all()

    def _wait(self, get, timeout=None):
        with self.cond:
            if not self.cond.wait_for(lambda: get() is not None or self.ended, timeout): raise subprocess.TimeoutExpired('', timeout)
            if get() is None:
                self.log.seek(0)
                raise AssertionError(f"the fork server ended: {self.log.read()[-3000:]}")
            return get()

    def popen(self, argv, cwd=None, env=None):
        "Start the command line `argv`: a console script's name, or '-c' and code, then its arguments."
        argv = list(map(str, argv))
        if argv[0] != '-c':  # the file pip wrote (not a shim that starts another interpreter)
            path = Path(sysconfig.get_path('scripts'))/argv[0]
            assert path.is_file(), f"console script {argv[0]} is not installed: run pip install -e . (settings.ini console_scripts)"
            argv[0] = str(path)
        with self.cond:  # (tests may start command lines from several threads)
            self.n += 1
            i, out, err = self.n, self.tmp/f'{self.n}.out', self.tmp/f'{self.n}.err'
            out.touch(); err.touch()  # (there to read before the child starts)
            case = dict(id=i, argv=argv, cwd=str(cwd or os.getcwd()), env={**self.env, **(env or {})}, out=str(out), err=str(err))
            self.proc.stdin.write(json.dumps(case) + '\n'); self.proc.stdin.flush()
        return Forked(self, i, argv, out, err)

    def run(self, argv, cwd=None, env=None, timeout=None):
        "`subprocess.run(argv, capture_output=True, text=True)`, forked."
        return self.popen(argv, cwd, env).result(timeout)

    def close(self):
        "End the server, and any child still running (a test that failed before it waited for its child)."
        with self.cond: left = [pid for pid in self.pids.values() if pid not in self.codes]
        for pid in left:
            try: os.kill(pid, signal.SIGKILL)
            except ProcessLookupError: pass
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try: self.proc.wait(30)
            except subprocess.TimeoutExpired: self.proc.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

ENV = {**os.environ, 'OMP_NUM_THREADS': '1'}  # one torch thread per process: the tests run two at a time on 2 cores
_server = None
def fork_server():
    "This process's `ForkServer`, with the environment `ENV` (started on first use)."
    global _server
    if _server is None: _server = ForkServer(ENV)
    return _server
