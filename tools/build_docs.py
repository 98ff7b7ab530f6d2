#!/usr/bin/env python
"""Build fastres's docs site (`docs/`) and `README.md` from the notebooks, offline.

    python tools/build_docs.py                      # site into docs/, README.md from nbs/index.ipynb
    python tools/build_docs.py --dest /tmp/site --readme /tmp/README.md   # leave the repo untouched

Step 1 is nbdev's own processing, exactly what `nbdev_docs` runs before handing over to Quarto: the
`FilterDefaults` processors (front matter from the `# Title` / `> description` cell, `#| hide` and
`#| export` cells removed, a `show_doc` entry added after every exported name, backticked names linked to
their entries, ...), two of them swapped for fastres's (settings.ini's `skip_procs` and `procs`; see
`fastres/_nbdev.py`), two notebooks at a time in fresh processes. Step 2 replaces Quarto, which cannot be
installed here: each processed notebook becomes one HTML page (markdown-it for the prose, Pygments for the
code, nbdev's Quarto cell options honoured), with a sidebar in notebook order, an "on this page" list, a
search index, and images written next to the pages. Nothing is fetched from the network: no web fonts,
no CDN scripts; the site works from a plain static file server (or from disk).

Where Quarto is installed, `nbdev_docs` still builds the same site its own way (nbs/_quarto.yml,
nbs/nbdev.yml, nbs/styles.css; settings.ini's `doc_path` is `docs` for both).
"""
from __future__ import annotations
import argparse, base64, html, json, os, re, shutil, sys, tempfile, time
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parent.parent
THEME = Path(__file__).resolve().parent/'docs_theme'
IMG_EXTS = {'.png', '.jpg', '.jpeg', '.gif', '.svg', '.webp'}
_re_ansi = re.compile(r'\x1B(?:[@-Z\\-_]|\[[0-?]*[ -/]*[@-~])')

# ---------------------------------------------------------------------------------------------------
# Step 1: nbdev's processing
# ---------------------------------------------------------------------------------------------------
def notebooks(nbs_path):
    "The notebooks that become pages, in sidebar order: index first, then by file name (as `nbdev_sidebar`)."
    from nbdev.doclinks import nbglob
    files = [Path(f) for f in nbglob(nbs_path)]
    return sorted(files, key=lambda p: (p.relative_to(nbs_path).parent.as_posix(), p.name != 'index.ipynb', p.name))

def process(nbs, out_dir, n_workers=2):
    "Run nbdev's `FilterDefaults` processors on `nbs` (in parallel, fresh processes) into `out_dir`."
    from fastcore.parallel import parallel
    import nbdev.serve_drv
    from nbdev.processors import FilterDefaults  # (what nbdev_docs gives them: settings.ini makes it run fastres's processors)
    items = [(nb, out_dir/nb.name, FilterDefaults) for nb in nbs]
    parallel(nbdev.serve_drv.main, items, n_workers=n_workers, pause=0.01, method='spawn')
    return [out_dir/nb.name for nb in nbs]

# ---------------------------------------------------------------------------------------------------
# Step 2: rendering
# ---------------------------------------------------------------------------------------------------
def _src(x): return ''.join(x) if isinstance(x, list) else (x or '')

def _split_options(source):
    "Quarto cell options (`#| key: value` lines that nbdev leaves in place) and the code without them."
    lines, opts = source.splitlines(), {}
    while lines and re.match(r'^\s*#\|', lines[0]):
        k, _, v = lines.pop(0).strip()[2:].partition(':')
        opts[k.strip()] = v.strip().strip('"\'')
    return opts, '\n'.join(lines).strip('\n')

def _false(v): return str(v).lower() in ('false', 'no', '0')

def slugify(text):
    "Pandoc's (and so Quarto's and nbdev's) heading ids: `ResBlock.forward` -> `resblock.forward`."
    s = re.sub(r'<[^>]+>', '', html.unescape(text)).strip().lower()
    s = re.sub(r'[^\w\s.-]', '', s)
    s = re.sub(r'\s+', '-', s)
    return re.sub(r'^[^a-z]+', '', s) or 'section'

_LT, _GT = r'(?:<|&lt;)', r'(?:>|&gt;)'
_re_bound = re.compile(rf"{_LT}bound method [\w.]*?(\w+) of {_LT}class '(?:\w+\.)*(\w+)'{_GT}{_GT}")
_re_func = re.compile(rf"{_LT}function ([\w.<>]+?) at 0x[0-9a-f]+{_GT}")
_re_class = re.compile(rf"{_LT}class '(?:\w+\.)*(\w+)'{_GT}")
def plain_reprs(md):
    "Python's reprs of defaults in an API entry (`<function valley at 0x7f..>`) as the names they stand for: readable, and the same on every build."
    md = _re_bound.sub(lambda m: f'{m.group(2)}.{m.group(1)}', md)
    md = _re_func.sub(lambda m: m.group(1), md)
    return _re_class.sub(lambda m: m.group(1), md)

_re_none_return = re.compile(r'^\|\s*\*\*Returns\*\*\s*\|\s*None\s*\|\s*\|\s*\|\s*\n?', re.M)
def no_none_returns(md):
    "An API entry's table without a 'Returns | None' row, which nbdev writes for a class (its `__init__`'s `-> None`): it says nothing."
    return _re_none_return.sub('', md)

class Site:
    def __init__(self, dest, nbs_path=None, readme=None):
        from nbdev.config import get_config
        from markdown_it import MarkdownIt
        from pygments.formatters import HtmlFormatter
        self.cfg = get_config()
        self.nbs_path = Path(nbs_path or self.cfg.nbs_path)
        self.dest, self.readme = Path(dest), readme
        self.doc_url = f"{self.cfg.doc_host}{self.cfg.doc_baseurl}".rstrip('/') + '/'
        self.md = MarkdownIt('commonmark', {'html': True, 'highlight': self._highlight}).enable(['table', 'strikethrough'])
        # $..$ and $$..$$ as MathML, which browsers draw without a script (Quarto would load MathJax from a CDN);
        # parsed by markdown-it, so a `$` in code stays code and `\,` in maths is not eaten as an escape
        from mdit_py_plugins.dollarmath import dollarmath_plugin
        from latex2mathml.converter import convert
        dollarmath_plugin(self.md, renderer=lambda tex, o: convert(tex, display='block' if o.get('display_mode') else 'inline'))
        self.fmt = HtmlFormatter(nowrap=True)

    # -- markdown ------------------------------------------------------------------------------------
    def _highlight(self, code, lang, attrs):
        from pygments import highlight
        from pygments.lexers import get_lexer_by_name, TextLexer
        try: lexer = get_lexer_by_name(lang or 'text')
        except Exception: lexer = TextLexer()
        cls = f'sourceCode {lang}' if lang else 'sourceCode'
        return f'<pre class="{cls}"><code>{highlight(code, lexer, self.fmt)}</code></pre>\n'

    def _localise(self, md):
        "Links to this site's public address become relative; `.ipynb` links point at their pages."
        md = md.replace(self.doc_url, '')
        from nbdev.doclinks import _nbpath2html
        return re.sub(r'\]\((?!https?:)([^)\s#]+)\.ipynb(#[^)\s]*)?\)',
                      lambda m: f']({_nbpath2html(Path(m.group(1)+".ipynb")).as_posix()}{m.group(2) or ""})', md)

    def markdown(self, md, inline=False):
        "Markdown (with the Quarto extensions nbdev emits) to HTML."
        md = self._localise(md)
        # [text](url){attrs} (nbdev's `source` link) -> an HTML link
        def _attr_link(m):
            txt, url = m.group(1), m.group(2)
            if txt == 'source': return f'<a class="source-link" href="{url}" target="_blank" rel="noopener">source</a>'
            return f'<a href="{url}" target="_blank" rel="noopener">{txt}</a>'
        md = re.sub(r'\[([^\]]*)\]\(([^)\s]+)\)\{[^}]*\}', _attr_link, md)
        # ::: {.callout-note} fenced divs -> <div class="callout callout-note">
        def _fdiv(m):
            cls = ' '.join(c.lstrip('.') for c in m.group(1).split() if c.startswith('.'))
            kind = next((c for c in cls.split() if c.startswith('callout-')), '')
            title = f'<div class="callout-title">{kind[8:].capitalize()}</div>\n' if kind else ''
            return f'\n<div class="{"callout " if kind else ""}{cls}">\n{title}\n'
        md = re.sub(r'^:::+\s*\{([^}]*)\}\s*$', _fdiv, md, flags=re.M)
        md = re.sub(r'^:::+\s*$', '\n</div>\n', md, flags=re.M)
        return self.md.renderInline(md) if inline else self.md.render(md)

    # -- cells -----------------------------------------------------------------------------------------
    def _image(self, page, data, mime, name, cap=None):
        ext = {'image/png': '.png', 'image/jpeg': '.jpg', 'image/gif': '.gif', 'image/svg+xml': '.svg'}[mime]
        rel = f'{page}_files/figure-html/{name}{ext}'
        p = self.dest/rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if mime == 'image/svg+xml': p.write_text(_src(data))
        else: p.write_bytes(base64.b64decode(_src(data)))
        alt = html.escape(cap or '')
        img = f'<img src="{rel}" alt="{alt}" class="figure-img">'
        return f'<figure>{img}<figcaption>{self.markdown(cap, inline=True)}</figcaption></figure>' if cap else f'<p>{img}</p>'

    def output(self, page, o, name, opts):
        typ = o.get('output_type')
        if typ == 'stream':
            txt = _re_ansi.sub('', _src(o.get('text')))
            return f'<pre class="cell-output cell-output-{o.get("name", "stdout")}"><code>{html.escape(txt)}</code></pre>' if txt.strip() else ''
        if typ == 'error':
            tb = _re_ansi.sub('', '\n'.join(o.get('traceback', [])))
            return f'<pre class="cell-output cell-output-error"><code>{html.escape(tb)}</code></pre>'
        d = o.get('data', {})
        if opts.get('output') == 'asis' and 'text/markdown' in d:
            body = self.markdown(no_none_returns(plain_reprs(_src(d['text/markdown']))))
            if not body.lstrip().startswith('<hr'): return body
            # an API entry's heading owns the plain id (`#resblock`) that nbdev's links point at; a section
            # heading with the same text gets `resblock-1`
            body = re.sub(r'<h([2-4])>(.*?)</h\1>', lambda m: f'<h{m.group(1)} id="{slugify(m.group(2))}" data-api="1">{m.group(2)}</h{m.group(1)}>', body, count=1, flags=re.S)
            return f'<div class="doc-entry">{body}</div>'
        for mime in ('image/png', 'image/jpeg', 'image/gif', 'image/svg+xml'):
            if mime in d: return f'<div class="cell-output-display">{self._image(page, d[mime], mime, name, opts.get("fig-cap"))}</div>'
        if 'text/html' in d: return f'<div class="cell-output-display">{_src(d["text/html"])}</div>'
        if 'text/markdown' in d: return f'<div class="cell-output-display">{self.markdown(_src(d["text/markdown"]))}</div>'
        if 'text/plain' in d:
            return f'<pre class="cell-output cell-output-display"><code>{html.escape(_re_ansi.sub("", _src(d["text/plain"])))}</code></pre>'
        return ''

    def cell(self, page, i, c):
        if c['cell_type'] == 'markdown':
            src = _src(c['source'])
            for nm, att in (c.get('attachments') or {}).items():   # pasted images
                mime = next(iter(att))
                p = self.dest/f'{page}_files'/nm
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(base64.b64decode(_src(att[mime])))
                src = src.replace(f'attachment:{nm}', f'{page}_files/{nm}')
            return self.markdown(src)
        if c['cell_type'] != 'code': return ''
        opts, code = _split_options(_src(c['source']))
        if _false(opts.get('include', True)): return ''
        parts = []
        if code and not _false(opts.get('echo', True)):
            pre = self._highlight(code, 'python', '')
            if opts.get('code-fold') in ('show', 'true', 'hide'):
                pre = f'<details class="code-fold"{" open" if opts["code-fold"] == "show" else ""}><summary>{html.escape(opts.get("code-summary", "Code"))}</summary>{pre}</details>'
            parts.append(f'<div class="cell-code">{pre}</div>')
        if not _false(opts.get('output', True)):
            outs = c.get('outputs', [])
            parts += [self.output(page, o, f'cell-{i}-output-{k+1}', opts) for k, o in enumerate(outs)]
        body = '\n'.join(p for p in parts if p)
        if opts.get('output') == 'asis' and _false(opts.get('echo', True)): return body
        return f'<div class="cell">\n{body}\n</div>' if body else ''

    # -- pages -------------------------------------------------------------------------------------------
    def read(self, proc_nb):
        import yaml
        nb = json.loads(Path(proc_nb).read_text(encoding='utf-8'))
        cells, fm = nb['cells'], {}
        if cells and cells[0]['cell_type'] == 'raw':
            m = re.match(r'^---\s*\n(.*?)\n---', _src(cells[0]['source']).strip(), re.S)
            if m: fm, cells = yaml.safe_load(m.group(1)) or {}, cells[1:]
        stem = Path(fm.get('output-file') or Path(proc_nb).stem + '.html').stem
        return dict(nb=proc_nb, cells=cells, title=str(fm.get('title', stem)), desc=str(fm.get('description', '')), stem=stem)

    def body(self, pg):
        html_ = '\n'.join(self.cell(pg['stem'], i, c) for i, c in enumerate(pg['cells']))
        return self._ids(html_)

    @staticmethod
    def _ids(h):
        "Give every heading a unique id (pandoc's rule) and an anchor link, as Quarto does."
        taken = set(re.findall(r'<h[1-6][^>]* id="([^"]+)"', h))
        def f(m):
            lvl, attrs, inner = m.group(1), m.group(2), m.group(3)
            m_id = re.search(r'id="([^"]+)"', attrs)
            if m_id: sid = m_id.group(1)
            else:
                base = sid = slugify(inner); n = 0
                while sid in taken: n += 1; sid = f'{base}-{n}'
                taken.add(sid)
            api = ' data-api="1"' if 'data-api' in attrs else ''
            return f'<h{lvl} id="{sid}" class="anchored"{api}>{inner}<a class="anchorjs-link" href="#{sid}" aria-label="Link to this section"></a></h{lvl}>'
        return re.sub(r'<h([1-6])([^>]*)>(.*?)</h\1>', f, h, flags=re.S)

    @staticmethod
    def _text(h):
        "Plain text of HTML: block ends become spaces, inline tags (code spans, highlighting) vanish."
        h = re.sub(r'<(?:br|hr)[^>]*>|</(?:p|li|tr|td|th|pre|h\d|div|figcaption|summary|blockquote)>', ' ', h)
        return re.sub(r'\s+', ' ', html.unescape(re.sub(r'<[^>]+>', '', h))).strip()

    def toc(self, body):
        items = []
        for lvl, sid, inner in re.findall(r'<h([23]) id="([^"]+)"[^>]*>(.*?)<a class="anchorjs-link"', body, re.S):
            items.append(f'<li class="toc-h{lvl}"><a href="#{sid}" class="nav-link">{html.escape(self._text(inner))}</a></li>')
        return f'<nav id="TOC" role="doc-toc"><h2 id="toc-title">On this page</h2><ul>{"".join(items)}</ul></nav>' if items else ''

    def search_entries(self, pg, body):
        "One entry per section (title, heading, url, text), as Quarto's search.json."
        url = f'{pg["stem"]}.html'
        parts = re.split(r'(<h[23] id="[^"]+"[^>]*>.*?</h[23]>)', body, flags=re.S)
        res = [dict(t=pg['title'], s=pg['title'], u=url, x=(pg['desc'] + ' ' + self._text(parts[0]))[:3000])]
        for head, chunk in zip(parts[1::2], parts[2::2]):
            sid = re.search(r'id="([^"]+)"', head).group(1)
            e = dict(t=pg['title'], s=self._text(head), u=f'{url}#{sid}', x=self._text(chunk)[:3000])
            if 'data-api' in head: e['k'] = 'api'     # an API entry: ranked above a section of the same name
            res.append(e)
        return res

    def check_dest(self):
        "Refuse a `dest` that replacing would lose files of the user's: one not empty and not a site this script built."
        d = self.dest.resolve()
        if d.exists() and not d.is_dir(): raise SystemExit(f"build_docs: --dest {self.dest} is a file: pass a folder for the site.")
        if d in (ROOT, *ROOT.parents) or d == Path(self.nbs_path).resolve() or d in Path(self.nbs_path).resolve().parents:
            raise SystemExit(f"build_docs: --dest {self.dest} holds the repository or its notebooks: pass a folder of its own, such as docs.")
        built = (d/'site_libs').is_dir() and (d/'search.json').is_file()  # (a site of this script's or of nbdev_docs's)
        if d.is_dir() and any(d.iterdir()) and not built:
            raise SystemExit(f"build_docs: --dest {self.dest} is a folder with files of its own, and the site replaces the "
                             "whole folder: pass a new or empty folder (or a site this script or nbdev_docs built).")

    def build(self, proc_nbs):
        t = Template((THEME/'page.html').read_text(encoding='utf-8'))
        self.check_dest()
        if self.dest.exists(): shutil.rmtree(self.dest)
        (self.dest/'site_libs').mkdir(parents=True)
        for f in ('site.css', 'site.js'): shutil.copy(THEME/f, self.dest/'site_libs'/f)
        (self.dest/'site_libs'/'pygments.css').write_text(self.fmt.get_style_defs('.sourceCode') + '\n')
        for f in self.nbs_path.rglob('*'):       # committed images the notebooks' markdown refers to
            rel = f.relative_to(self.nbs_path)
            if f.is_file() and f.suffix.lower() in IMG_EXTS and not any(p[0] in '._' for p in rel.parts):
                (self.dest/rel).parent.mkdir(parents=True, exist_ok=True); shutil.copy(f, self.dest/rel)
        pages = [self.read(p) for p in proc_nbs]
        index, title = [], self.cfg.get('title', self.cfg.lib_name)
        for i, pg in enumerate(pages):
            body = self.body(pg)
            index += self.search_entries(pg, body)
            side = ''.join(f'<li><a href="{p["stem"]}.html" class="sidebar-link{" active" if p is pg else ""}">{html.escape(p["title"])}</a></li>'
                           for p in pages)
            prev_ = pages[i-1] if i > 0 else None
            next_ = pages[i+1] if i+1 < len(pages) else None
            nav = ((f'<a class="page-prev" href="{prev_["stem"]}.html"><span>&larr; Previous</span>{html.escape(prev_["title"])}</a>' if prev_ else '<span></span>') +
                   (f'<a class="page-next" href="{next_["stem"]}.html"><span>Next &rarr;</span>{html.escape(next_["title"])}</a>' if next_ else ''))
            (self.dest/f'{pg["stem"]}.html').write_text(t.substitute(
                site_title=html.escape(title), page_title=html.escape(pg['title']),
                head_title=html.escape(pg['title'] if pg['stem'] == 'index' else f'{pg["title"]} – {title}'),
                description=self.markdown(pg['desc'], inline=True), meta_description=html.escape(pg['desc'], quote=True),
                sidebar=side, toc=self.toc(body), body=body, page_nav=nav, stem=pg['stem']), encoding='utf-8')
        (self.dest/'site_libs'/'search.js').write_text(
            'window.SEARCH_INDEX = ' + json.dumps(index, ensure_ascii=False) + ';\n', encoding='utf-8')
        (self.dest/'search.json').write_text(json.dumps(index, ensure_ascii=False), encoding='utf-8')
        (self.dest/'.nojekyll').write_text('')
        return pages

# ---------------------------------------------------------------------------------------------------
# README.md from the processed index notebook (what `nbdev_readme` asks Quarto for: GitHub markdown)
# ---------------------------------------------------------------------------------------------------
def readme_md(site, proc_index, readme_path):
    "GitHub markdown of the processed `index.ipynb`; its images go to `index_files/` beside `readme_path`."
    pg = site.read(proc_index)
    files = Path(readme_path).parent/'index_files'
    if files.exists(): shutil.rmtree(files)
    out = [f'# {pg["title"]}', '<!-- WARNING: THIS FILE WAS AUTOGENERATED! DO NOT EDIT! -->']
    if pg['desc']: out.append(f'> {pg["desc"]}')
    from nbdev.doclinks import _nbpath2html
    def _abs(md):   # links to notebooks point at their pages on the published site
        return re.sub(r'\]\((?!https?:)([^)\s#]+)\.ipynb(#[^)\s]*)?\)',
                      lambda m: f']({site.doc_url}{_nbpath2html(Path(m.group(1)+".ipynb")).as_posix()}{m.group(2) or ""})', md)
    for i, c in enumerate(pg['cells']):
        src = _src(c['source'])
        if c['cell_type'] == 'markdown':
            if 'AUTOGENERATED! DO NOT EDIT' not in src: out.append(_abs(src.strip()))
            continue
        if c['cell_type'] != 'code': continue
        opts, code = _split_options(src)
        if _false(opts.get('include', True)): continue
        if code and not _false(opts.get('echo', True)): out.append(f'```python\n{code}\n```')
        if _false(opts.get('output', True)): continue
        for k, o in enumerate(c.get('outputs', [])):
            d = o.get('data', {})
            if o.get('output_type') == 'stream': txt = _re_ansi.sub('', _src(o.get('text')))
            elif o.get('output_type') == 'error': txt = _re_ansi.sub('', '\n'.join(o.get('traceback', [])))
            elif opts.get('output') == 'asis' and 'text/markdown' in d: out.append(_src(d['text/markdown']).strip()); continue
            elif any(m in d for m in ('image/png', 'image/jpeg', 'image/gif')):
                mime = next(m for m in ('image/png', 'image/jpeg', 'image/gif') if m in d)
                rel = f'index_files/figure-commonmark/cell-{i}-output-{k+1}.{mime.split("/")[1].replace("jpeg", "jpg")}'
                (files.parent/rel).parent.mkdir(parents=True, exist_ok=True)
                (files.parent/rel).write_bytes(base64.b64decode(_src(d[mime])))
                cap = opts.get('fig-cap', '')
                out.append(f'![{cap}]({rel})'); continue
            elif 'text/html' in d: out.append(_src(d['text/html']).strip()); continue
            elif 'text/markdown' in d: out.append(_src(d['text/markdown']).strip()); continue
            elif 'text/plain' in d: txt = _src(d['text/plain'])
            else: continue
            if txt.strip(): out.append('```\n' + txt.rstrip('\n') + '\n```')
    Path(readme_path).parent.mkdir(parents=True, exist_ok=True)
    Path(readme_path).write_text('\n\n'.join(out) + '\n', encoding='utf-8')

# ---------------------------------------------------------------------------------------------------
def build(dest='docs', readme='README.md', n_workers=2, quiet=False):
    "Process every notebook with nbdev, render the site into `dest` and (unless `readme` is None) the README (relative paths: from the repo's root)."
    t0 = time.time()
    os.chdir(ROOT)        # nbdev finds settings.ini from the working directory
    # document this checkout's fastres, also in nbdev's worker processes
    os.environ['PYTHONPATH'] = os.pathsep.join([str(ROOT)] + [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p])
    if str(ROOT) not in sys.path: sys.path.insert(0, str(ROOT))
    from nbdev.config import get_config
    nbs_path = get_config().nbs_path
    nbs = notebooks(nbs_path)
    with tempfile.TemporaryDirectory(prefix='fastres-proc-') as tmp:
        site = Site(ROOT/dest if not Path(dest).is_absolute() else dest, nbs_path)
        site.check_dest()  # (before minutes of processing)
        procd = process(nbs, Path(tmp), n_workers=n_workers)
        t1 = time.time()
        pages = site.build(procd)
        if readme is not None:
            idx = [p for p in procd if p.name == get_config().readme_nb]
            if idx: readme_md(site, idx[0], ROOT/readme if not Path(readme).is_absolute() else readme)
    if not quiet:
        print(f'{len(pages)} pages into {site.dest} (nbdev processing {t1-t0:.1f}s, rendering {time.time()-t1:.1f}s)'
              + (f'; README written to {readme}' if readme is not None else ''))
    return site.dest

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--dest', help="folder the site is written to (replaced; a new or empty one, or one it built), default the repo's docs/")
    p.add_argument('--readme', help="where README.md is written (default: the repo's root)")
    p.add_argument('--no-readme', action='store_true', help='do not write README.md')
    p.add_argument('--n_workers', type=int, default=2, help='notebooks processed in parallel (default 2)')
    a = p.parse_args()
    here = lambda f: str(Path(f).absolute()) if f else f  # (build() reads relative paths from the repo's root)
    build(here(a.dest) or 'docs', None if a.no_readme else here(a.readme) or 'README.md', a.n_workers)

if __name__ == '__main__': main()
