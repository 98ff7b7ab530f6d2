"""The docs site and README.md, built from the notebooks and checked as a reader sees them: in headless Chromium.

One build (`tools/build_docs.py` into a temporary folder; the repo's `docs/` and `README.md` are not touched)
serves the whole module over HTTP on 127.0.0.1. Expectations come from the notebooks and the package itself
(titles, exported names, signatures, docstrings, image outputs), not from the builder. Screenshots go to
`test-artifacts/` (gitignored; `FASTRES_ARTIFACTS` moves them)."""
import filecmp, functools, http.server, inspect, json, os, re, shutil, subprocess, sys, threading, time, urllib.request
from pathlib import Path
import pytest

pytestmark = pytest.mark.xdist_group('docs')  # (with pytest -n: one worker builds the site and runs the browser)
ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'
ARTIFACTS = Path(os.environ.get('FASTRES_ARTIFACTS', ROOT/'test-artifacts'))

# API entries a reader must find (with signature, docstring and parameter table). Every exported function
# and class is checked too; this list makes sure the key ones exist at all.
KEY_API = ['ConvLayer', 'ResBlock', 'xresnet50', 'get_arch', 'model_summary', 'get_dls', 'resnet_learner', 'lr_sweep',
           'Throughput', 'ResidualStats', 'ExperimentLog', 'Checkpoint', 'fastres_train', 'fastres_lr_find', 'fastres_summary',
           'train_runs', 'ShardCheck', 'init_distributed', 'ImageCache', 'cached_dls', 'FusedAdam', 'MaxBlurPool', 'Recipe',
           'finetune_learner', 'run_network', 'transfer_weights', 'FastMish', 'tune_malloc', 'SimpleSelfAttention']

# Chromium on this machine: no sandbox, no GPU, nothing that phones home, a fresh profile.
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync', '--no-first-run', '--hide-scrollbars',
                  '--window-size=1400,1000']

# --- what the notebooks say the site must hold ------------------------------------------------------------
def _nb(p): return json.loads(Path(p).read_text(encoding='utf-8'))
def _src(c): return ''.join(c['source']) if isinstance(c['source'], list) else c['source']

def notebooks():
    "Every notebook that is a page: index first, then in file-name order (nbdev's sidebar order)."
    nbs = [p for p in NBS.glob('*.ipynb') if not p.name.startswith(('_', '.'))]
    return sorted(nbs, key=lambda p: (p.name != 'index.ipynb', p.name))

def page_of(nb):
    "nbdev's page name for a notebook: `01_layers.ipynb` -> `layers.html`."
    return re.sub(r'^\d+[a-zA-Z0-9]*_', '', nb.stem.lower()) + '.html'

def title_of(nb):
    "The notebook's title: its first `# Heading`."
    for c in _nb(nb)['cells']:
        m = re.search(r'^#\s+(\S.*?)\s*$', _src(c), re.M) if c['cell_type'] == 'markdown' else None
        if m: return m.group(1)
    return nb.stem

_hidden = re.compile(r'^#\|\s*(hide|export|exporti|exports|default_exp|include:\s*false|output:\s*false)\b', re.M)
def image_outputs(nb):
    "How many images a notebook's shown cells output."
    return sum(any(k.startswith('image/') for k in o.get('data', {}))
               for c in _nb(nb)['cells'] if c['cell_type'] == 'code' and not _hidden.search(_src(c))
               for o in c.get('outputs', []))

def event_hooks(obj):
    "The keywords fastai gives every Callback, one per training event: hooks, not parameters a reader sets."
    from fastai.callback.core import Callback, _events
    return set(map(str, _events)) if inspect.isclass(obj) and issubclass(obj, Callback) else set()

def exported_api():
    "(name, object, page, anchor) for every function and class that a fastres module exports."
    sys.path.insert(0, str(ROOT))
    import importlib
    from fastres._modidx import d
    res = []
    for mod, syms in d['syms'].items():
        m = importlib.import_module(mod)
        for name in getattr(m, '__all__', []):
            obj = getattr(m, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or getattr(obj, '__module__', None) != mod: continue
            url = syms[f'{mod}.{name}'][0]
            res.append((name, obj, *url.split('#')))
    return res

# --- fixtures ---------------------------------------------------------------------------------------------
@pytest.fixture(scope='module')
def built(tmp_path_factory):
    """The site and README, freshly built from this checkout's notebooks into a temporary folder (or, to iterate
    on the tests, an existing build: FASTRES_DOCS_BUILT=DIR holding DIR/site and DIR/readme/README.md)."""
    if os.environ.get('FASTRES_DOCS_BUILT'): return Path(os.environ['FASTRES_DOCS_BUILT'])
    out = tmp_path_factory.mktemp('docs-build')
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join(p for p in [str(ROOT), os.environ.get('PYTHONPATH')] if p)}
    t0 = time.time()
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'build_docs.py'), '--dest', str(out/'site'),
                        '--readme', str(out/'readme'/'README.md')], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f'docs build failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}'
    print(f'docs build: {time.time()-t0:.1f}s')
    return out

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass

class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        "A browser that leaves a page while a file is sent closes the connection: not an error of the site, so no traceback."
        if not isinstance(sys.exc_info()[1], ConnectionError): super().handle_error(request, client_address)

@pytest.fixture(scope='module')
def server(built):
    httpd = _Server(('127.0.0.1', 0), functools.partial(_Quiet, directory=str(built/'site')))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}/'
    httpd.shutdown(); httpd.server_close()

@pytest.fixture(scope='module')
def browser(tmp_path_factory):
    if os.environ.get('FASTRES_SKIP_BROWSER'): pytest.skip('FASTRES_SKIP_BROWSER is set')
    chromium = os.environ.get('CHROMIUM') or shutil.which('chromium') or shutil.which('chromium-browser')
    driver = os.environ.get('CHROMEDRIVER') or shutil.which('chromedriver')
    if not (chromium and driver):
        pytest.fail('Chromium or chromedriver is not installed: run `sh tools/install_chromium.sh` (Debian: '
                    '`apt-get install chromium chromium-driver`), or set CHROMIUM and CHROMEDRIVER.')
    os.environ.setdefault('SE_OFFLINE', 'true')   # Selenium Manager must never look for a driver online
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for a in CHROMIUM_FLAGS + [f'--user-data-dir={tmp_path_factory.mktemp("chromium-profile")}']: opts.add_argument(a)
    opts.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
    drv = webdriver.Chrome(options=opts, service=Service(executable_path=driver))
    drv.set_page_load_timeout(30)
    yield drv
    drv.quit()

def _open(drv, url):
    drv.get(url)
    # wait for images (and so the page) to finish loading
    for _ in range(100):
        if drv.execute_script("return document.readyState === 'complete' && Array.from(document.images).every(i => i.complete)"): break
        time.sleep(0.05)
    return drv

@pytest.fixture(scope='module')
def pages(browser, server):
    "Every page opened once: what the browser shows, for the tests below."
    res = {}
    for nb in notebooks():
        drv = _open(browser, server + page_of(nb))
        res[nb] = drv.execute_script(r"""
          const abs = a => a.href;
          return {
            title: document.title, h1: (document.querySelector('h1.title') || {}).innerText,
            text: document.getElementById('content').innerText,
            sidebar: Array.from(document.querySelectorAll('#sidebar a')).map(a => [a.innerText.trim(), a.getAttribute('href')]),
            active: Array.from(document.querySelectorAll('#sidebar a.active')).map(a => a.getAttribute('href')),
            navbar_bg: getComputedStyle(document.querySelector('.navbar')).backgroundColor,
            ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
            links: Array.from(document.querySelectorAll('a[href]')).map(a => [a.href, a.innerText.trim()]),
            resources: Array.from(document.querySelectorAll('img[src], script[src], link[href]')).map(e => e.src || e.href)
                       .concat(performance.getEntriesByType('resource').map(r => r.name)),
            maths: Array.from(document.querySelectorAll('math')).map(m => m.getBoundingClientRect().height),
            prose: Array.from(document.querySelectorAll('#content p, #content li')).map(e => {
              const c = e.cloneNode(true); c.querySelectorAll('code, pre, math').forEach(x => x.remove()); return c.textContent; }),
            images: Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, i.naturalWidth, i.naturalHeight]),
            entries: Array.from(document.querySelectorAll('.doc-entry')).map(e => {
              const h = e.querySelector('h2[id], h3[id], h4[id]');
              return {id: h && h.id, sig: (e.querySelector('pre') || {}).innerText || '', text: e.innerText,
                      heads: Array.from(e.querySelectorAll('thead th')).map(t => t.innerText.trim()),
                      rows: Array.from(e.querySelectorAll('tbody tr')).map(r => r.cells[0].innerText.trim()),
                      returns: Array.from(e.querySelectorAll('tbody tr')).filter(r => r.cells[0].innerText.trim() == 'Returns')
                               .map(r => r.cells.length > 1 ? r.cells[1].innerText.trim() : ''),
                      shown: e.getBoundingClientRect().height > 0};
            }),
          };""")
        res[nb]['log'] = [l for l in browser.get_log('browser') if l['level'] == 'SEVERE']
        if nb.name == 'index.ipynb': _shot(browser, 'docs-home.png')
        if page_of(nb) == 'layers.html':
            _shot(browser, 'docs-api-layers.png')
            browser.execute_script("document.getElementById('resblock').scrollIntoView()")
            _shot(browser, 'docs-api-resblock.png')
    return res

def _shot(drv, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    drv.save_screenshot(str(ARTIFACTS/name))

# --- README -----------------------------------------------------------------------------------------------
def test_readme_is_current(built):
    "README.md (and its images in index_files/) is what the docs build makes of nbs/index.ipynb."
    new, old = built/'readme'/'README.md', ROOT/'README.md'
    fix = 'run `python tools/build_docs.py` and commit README.md (and index_files/)'
    assert old.exists(), f'README.md is missing: {fix}'
    if new.read_text(encoding='utf-8') != old.read_text(encoding='utf-8'):
        import difflib
        diff = ''.join(list(difflib.unified_diff(old.read_text().splitlines(True), new.read_text().splitlines(True),
                                                 'README.md (committed)', 'README.md (from nbs/index.ipynb)'))[:60])
        pytest.fail(f'README.md is stale: {fix}\n{diff}')
    files = lambda d: sorted(p.relative_to(d.parent).as_posix() for p in d.rglob('*') if p.is_file()) if d.exists() else []
    assert files(built/'readme'/'index_files') == files(ROOT/'index_files'), f'index_files/ is stale: {fix}'
    for f in files(ROOT/'index_files'):
        assert filecmp.cmp(built/'readme'/f, ROOT/f, shallow=False), f'{f} is stale: {fix}'

def test_readme_keeps_the_two_commands(built):
    "`.ci/run` finds the set-up and the test command in the generated README."
    text = (built/'readme'/'README.md').read_text(encoding='utf-8')
    section = text.split('## The two commands', 1)[1]
    blocks = re.findall(r"```(?:sh|bash)\n(.*?)```", section, re.S)
    assert len(blocks) >= 2 and 'pip install -e' in blocks[0] and 'pytest' in blocks[1]
    assert 'install_chromium' in blocks[0], 'the set-up command must install the browser the docs test needs'

# --- the site in the browser ------------------------------------------------------------------------------
def test_every_page_renders(pages):
    "Home page and one page per notebook, each with its notebook's title, the sidebar in notebook order, local CSS."
    nbs = notebooks()
    assert nbs[0].name == 'index.ipynb' and len(pages) == len(nbs)
    expected_sidebar = [[title_of(nb), page_of(nb)] for nb in nbs]
    for nb, pg in pages.items():
        assert pg['h1'] == title_of(nb), (nb.name, pg['h1'])
        assert pg['h1'][:1].isupper() or nb.name == 'index.ipynb', f"{nb.name}: the title {pg['h1']!r} is a heading, capitalised"
        assert title_of(nb) in pg['title']
        assert pg['sidebar'] == expected_sidebar, (nb.name, pg['sidebar'])
        assert pg['active'] == [page_of(nb)]
        assert len(pg['text']) > 300, f'{page_of(nb)} is nearly empty'
        assert pg['navbar_bg'] == 'rgb(39, 128, 227)', 'site.css did not load'
        assert not pg['log'], f'{page_of(nb)}: browser errors {pg["log"]}'
    assert (ARTIFACTS/'docs-home.png').exists() and (ARTIFACTS/'docs-api-layers.png').exists()

def test_nothing_is_fetched_from_elsewhere(pages, server):
    "Every stylesheet, script, image and font comes from the site itself: it works offline."
    for nb, pg in pages.items():
        foreign = [u for u in pg['resources'] if not u.startswith(server) and not u.startswith('data:')]
        assert not foreign, f'{page_of(nb)} loads {foreign}'

def test_api_entries(pages):
    "Every exported function and class has a show_doc entry: signature with its parameters in order, docstring, table."
    by_page = {page_of(nb): pg for nb, pg in pages.items()}
    api = exported_api()
    names = {a[0] for a in api}
    assert set(KEY_API) <= names, f'not exported: {set(KEY_API) - names}'
    for name, obj, page, anchor in api:
        assert page in by_page, f'{name}: its page {page} is not on the site'
        entry = next((e for e in by_page[page]['entries'] if e['id'] == anchor), None)
        assert entry and entry['shown'], f'{name}: no show_doc entry #{anchor} on {page}'
        sig = re.sub(r'\s+', ' ', entry['sig'])
        assert sig.startswith(f'{name}('), (name, sig)
        assert not re.search(r' at 0x[0-9a-f]+|<class |<bound method', entry['text']), f'{name}: a raw repr in {sig!r}'
        assert entry['returns'] != ['None'], f"{name}: a 'Returns None' row (a class's __init__, or a function that returns nothing) says nothing"
        try: params = [('**' if p.kind == p.VAR_KEYWORD else '*' if p.kind == p.VAR_POSITIONAL else '') + p.name
                       for p in inspect.signature(obj).parameters.values()
                           if p.name not in event_hooks(obj) and p.name != 'self']  # fastai's Transform classes report `self`
        except ValueError: params = []   # no Python signature to compare with (an exception type, a builtin)
        found = [re.search(rf'(?<![\w*]){re.escape(p)}\b', sig) for p in params]
        assert all(found) and [m.start() for m in found] == sorted(m.start() for m in found), f'{name}: signature {sig!r} vs {params}'
        assert obj.__doc__, f'{name} has no docstring: every public name needs one'
        doc = re.sub(r'\s+', ' ', inspect.cleandoc(obj.__doc__).split('\n\n')[0].replace('`', '')).strip()
        assert doc in re.sub(r'\s+', ' ', entry['text']), f'{name}: docstring {doc!r} not shown'
        if params:
            assert entry['heads'][1:] == ['Type', 'Default', 'Details'], (name, entry['heads'])
            assert entry['rows'][:len(params)] == params, (name, entry['rows'])

def test_maths_is_drawn(pages):
    "`$...$` in the notebooks' prose is laid out by the browser as maths: no TeX source is left in the text."
    tex = re.compile(r'\$[^$\s][^$]*\$|\\(?:mathrm|tanh|sigma|gamma|,)')
    for nb, pg in pages.items():
        md = ''.join(_src(c) for c in _nb(nb)['cells'] if c['cell_type'] == 'markdown')
        has_maths = re.search(r'(?<![`\w])\$[^$\s`][^$`]*\$', md) is not None
        assert bool(pg['maths']) == has_maths, f'{page_of(nb)}: {len(pg["maths"])} maths elements'
        assert all(h > 0 for h in pg['maths']), f'{page_of(nb)}: maths not laid out'
        leaked = [m.group(0) for t in pg['prose'] for m in tex.finditer(t)]
        assert not leaked, f'{page_of(nb)} shows TeX source: {leaked[:5]}'

def test_images_load(pages):
    "Every plot the notebooks show is on its page, and every image loads."
    total = 0
    for nb, pg in pages.items():
        broken = [i for i in pg['images'] if not (i[1] and i[2] > 0)]
        assert not broken, f'{page_of(nb)}: images that did not load: {broken}'
        assert len(pg['images']) >= image_outputs(nb), f'{page_of(nb)}: {image_outputs(nb)} plots in the notebook, {len(pg["images"])} on the page'
        total += len(pg['images'])
    assert total >= 1, 'no image on the whole site: the image check would prove nothing'

def test_no_broken_internal_links(pages, server):
    "Every link within the site reaches a page, and every #anchor an element on it."
    ids = {page_of(nb): set(pg['ids']) for nb, pg in pages.items()}
    checked, n_anchor = {}, 0
    for nb, pg in pages.items():
        for href, _ in pg['links']:
            if not href.startswith(server): continue
            url, _, frag = href.partition('#')
            path = url[len(server):].split('?')[0] or 'index.html'
            if path not in checked:
                try: checked[path] = urllib.request.urlopen(server + path, timeout=10).status
                except Exception as e: checked[path] = repr(e)
            assert checked[path] == 200, f'{page_of(nb)} links to {href}: {checked[path]}'
            if frag and path.endswith('.html'):
                assert frag in ids.get(path, set()), f'{page_of(nb)} links to {href}: no element #{frag} there'
                n_anchor += 1
    assert n_anchor > 10

def test_backticked_names_link_to_their_entries(pages):
    "As in nbdev: `ResBlock` in the prose is a link to ResBlock's entry (also across pages)."
    home = pages[NBS/'index.ipynb']
    targets = {text: href.rsplit('/', 1)[-1] for href, text in home['links']}
    assert targets.get('ResBlock') == 'layers.html#resblock', targets
    assert targets.get('xresnet50') == 'xresnet.html#xresnet50', targets

def test_search_finds_resblock(browser, server):
    "Typing in the search box lists ResBlock's entry first; Enter opens it."
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
    _open(browser, server + 'index.html')
    box = browser.find_element(By.ID, 'search-input')
    box.click(); box.send_keys('ResBlock')
    results = WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, '#search-results a'))
    assert results[0].get_attribute('href').endswith('layers.html#resblock'), [r.get_attribute('href') for r in results]
    assert 'ResBlock' in results[0].text
    _shot(browser, 'docs-search.png')
    box.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith('layers.html#resblock'))
    top = browser.execute_script("return document.getElementById('resblock').getBoundingClientRect().top")
    assert 0 <= top < 400, f'the entry is not scrolled into view (top={top})'
    box = browser.find_element(By.ID, 'search-input')
    box.click(); box.send_keys('zqxjkv')
    WebDriverWait(browser, 10).until(lambda d: 'No results' in d.find_element(By.ID, 'search-results').text)

def test_build_keeps_folders_it_did_not_build(tmp_path):
    "The site replaces --dest whole: a folder with files of the user's, or the repository, is refused before anything is removed."
    mine = tmp_path/'mine'; mine.mkdir(); (mine/'notes.txt').write_text('keep')
    for dest, says in [(mine, 'is a folder with files of its own'), (ROOT, 'holds the repository'), (NBS, 'holds the repository or its notebooks')]:
        r = subprocess.run([sys.executable, str(ROOT/'tools'/'build_docs.py'), '--dest', str(dest), '--no-readme'],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert r.returncode != 0 and says in r.stderr, r.stderr[-2000:]
    assert (mine/'notes.txt').read_text() == 'keep' and (NBS/'index.ipynb').is_file()

def test_nbdev_docs_runs_fastres_processors():
    "nbdev_docs (Quarto) and nbdev_proc_nbs process the notebooks with nbdev's FilterDefaults: settings.ini makes it run fastres's."
    r = subprocess.run([sys.executable, '-c', "from nbdev.processors import FilterDefaults; print([p.__name__ for p in FilterDefaults().procs()])"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "['run_docs_procs']", r.stderr[-2000:]
