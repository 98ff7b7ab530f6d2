"""nbdev docs tooling: the `show_doc` renderer and the processors that `nbdev_docs` and `tools/build_docs.py` run.

Hand-written (not exported from a notebook): it is docs tooling, not course material, and lives in the
package only so that nbdev's worker processes can import it. `settings.ini` names the renderer
(`renderer = fastres._nbdev.ParamTableRenderer`) and the processors (`run_docs_procs`), so `nbdev_docs`
(Quarto) and `tools/build_docs.py` process the notebooks alike and render the same entries: nbdev's (source link, heading, docstring) with the signature fastai's docs show and a
parameter table (Type, Default, Details) for every callable."""
from __future__ import annotations
import ast, enum, inspect, re
from fastcore.docments import docments
from nbdev.showdoc import BasicMarkdownRenderer, _ext_link
from nbdev.doclinks import NbdevLookup
from nbdev.processors import FilterDefaults, exec_show_docs, add_show_docs, nb_lang
from nbdev.process import NBProcessor, Processor, _mk_procs
from fastcore.basics import str2bool

__all__ = ['ParamTableRenderer', 'add_show_docs_in_order', 'exec_imports_only', 'docs_procs', 'run_docs_procs']

_empty = inspect.Parameter.empty
_sig_width = 88   # characters per signature line: fits the docs' code column without scrolling

def _fmt_default(o):
    "A default value as a reader would write it: `NormType.Batch`, `ReLU`, `3`."
    if isinstance(o, enum.Enum): return f'{type(o).__name__}.{o.name}'
    if inspect.isclass(o) or inspect.isfunction(o) or inspect.isbuiltin(o): return o.__name__
    if type(o) in (tuple, list):  # (of functions, say: their names, not their reprs with addresses)
        inner = ', '.join(map(_fmt_default, o))
        return f"({inner}{',' if len(o) == 1 else ''})" if type(o) is tuple else f'[{inner}]'
    return repr(o)

def _fmt_anno(o):
    if o is _empty or o is type(None): return ''
    if isinstance(o, str): return o
    return getattr(o, '__name__', None) or inspect.formatannotation(o)

def _event_hooks(sym):
    "fastai gives every `Callback` a keyword per training event (`before_fit=None`, ...): hooks, not parameters."
    try: from fastai.callback.core import Callback, _events
    except ImportError: return []
    if not (inspect.isclass(sym) and issubclass(sym, Callback)): return []
    return [str(e) for e in _events]

def _md_cell(s):
    "Escape what would break a markdown table cell."
    return str(s).replace('|', r'\|').replace('\n', '<br>')

class ParamTableRenderer(BasicMarkdownRenderer):
    "nbdev's `show_doc` entry with a fastai-style signature `Name(a, b=1)` and a Type/Default/Details table."
    def _signature(self, params):
        parts = []
        for nm, p in params.items():
            kind = p.get('kind')
            pre = '*' if kind == inspect.Parameter.VAR_POSITIONAL else '**' if kind == inspect.Parameter.VAR_KEYWORD else ''
            parts.append(pre + nm + ('' if p['default'] is _empty else f"={_fmt_default(p['default'])}"))
        lines, cur = [], self.nm + '('
        for i, s in enumerate(parts):
            s += ', ' if i < len(parts)-1 else ''
            if len(cur) + len(s) > _sig_width and cur.strip(): lines.append(cur.rstrip()); cur = '    '
            cur += s
        return '\n'.join(lines + [cur + ')'])

    def _table(self, params, ret):
        rows = [(f'`{"**" if p.get("kind") == inspect.Parameter.VAR_KEYWORD else "*" if p.get("kind") == inspect.Parameter.VAR_POSITIONAL else ""}{nm}`',
                 _fmt_anno(p['anno']), '' if p['default'] is _empty else f"`{_fmt_default(p['default'])}`", p.get('docment') or '')
                for nm, p in params.items()]
        ret_row = None
        if ret and (_fmt_anno(ret.get('anno', _empty)) or ret.get('docment')):
            ret_row = ('**Returns**', _fmt_anno(ret.get('anno', _empty)), '', ret.get('docment') or '')
        if not rows and not ret_row: return ''
        hdr = ['', '**Type**', '**Default**', '**Details**']
        res = ['| ' + ' | '.join(hdr) + ' |', '|' + '|'.join(['----'] * len(hdr)) + '|']
        res += ['| ' + ' | '.join(_md_cell(c) for c in r) + ' |' for r in rows + ([ret_row] if ret_row else [])]
        return '\n'.join(res)

    def _repr_markdown_(self):
        try: dm = docments(self.sym, full=True)
        except Exception: return super()._repr_markdown_()   # no signature (a property, a builtin): nbdev's own entry
        dm.pop('self', None)
        ret = dm.pop('return', None)
        for k in _event_hooks(self.sym): dm.pop(k, None)
        doc = '---\n\n'
        src = NbdevLookup().code(self.fn)
        if src: doc += _ext_link(src, 'source', 'style="float:right; font-size:smaller"') + '\n\n'
        doc += f"{'#'*self.title_level} {self.nm}\n\n"
        doc += f"```python\n{self._signature(dm)}\n```\n\n"
        if self.docs: doc += f"*{self.docs.splitlines()[0]}*" + ''.join('\n' + l for l in self.docs.splitlines()[1:]) + '\n\n'
        return doc + self._table(dm, ret)

_show_dirs = {'export', 'exports', 'exporti', 'exec_doc'}

class exec_imports_only(exec_show_docs):
    """nbdev's `exec_show_docs`, except that a cell run only because it holds imports runs only its imports.

    nbdev runs every cell that contains an import (warning "Found cells containing imports and other code"),
    so a proof or a `#| slow` training cell that starts with an import would run in every docs build."""
    def __call__(self, cell):
        if not getattr(self.nb, 'has_docs_', None) or not hasattr(self, 'k'): return
        if str2bool(getattr(self.nb, 'frontmatter_', {}).get('skip_showdoc', False)): return
        if (cell.cell_type == 'code' and cell.source and not (cell.directives_.keys() & _show_dirs)
                and cell.directives_.get('eval:', [''])[0].lower() != 'false' and not re.search(r'^show_doc', cell.source, re.M)):
            try: body = ast.parse(cell.source).body
            except SyntaxError: body = []
            imps = [n for n in body if isinstance(n, (ast.Import, ast.ImportFrom))]
            if imps and len(imps) < len(body):
                src = '\n'.join(ast.get_source_segment(cell.source, n) for n in imps)
                self.k.run_cell(src)
                if self.k.exc: raise Exception(f"Error in {self.nb.path_} running the imports of cell {cell.idx_}:\n{src}") from self.k.exc
                return
        return super().__call__(cell)

class add_show_docs_in_order(add_show_docs):
    "nbdev's `add_show_docs`, with the entries of a cell that defines several names in definition order."
    def begin(self):
        super().begin()     # nbdev inserts each entry right after the cell, so they come out reversed
        cells, i = self.nb.cells, 0
        while i < len(cells):
            j = i
            while j < len(cells) and getattr(cells[j], 'has_sd', False): j += 1
            if j - i > 1: cells[i:j] = cells[i:j][::-1]
            i = max(j, i + 1)
        for k, c in enumerate(cells): c.idx_ = k

def docs_procs():
    "nbdev's processors for the docs, in its order, with `add_show_docs_in_order` and `exec_imports_only` in place of nbdev's."
    swap = {exec_show_docs: exec_imports_only, add_show_docs: add_show_docs_in_order}
    return [swap.get(p, p) for p in FilterDefaults().base_procs()]

class run_docs_procs(Processor):
    """`docs_procs()` as one processor: what `nbdev_docs`, `nbdev_proc_nbs` and `tools/build_docs.py` run.

    nbdev gives their notebooks its own `FilterDefaults`, whose list settings.ini can only shorten (`skip_procs`) or
    append to (`procs`); a swap in the middle cannot be said there. So settings.ini skips every one of nbdev's
    processors and names this one, which runs them all, swapped, on the cells nbdev has read."""
    def begin(self):
        if [p.__name__ for p in FilterDefaults().procs()] != [type(self).__name__]: raise Exception(
            "settings.ini's skip_procs must name every one of nbdev's docs processors (fastres._nbdev.run_docs_procs "
            f"runs them): it leaves {[p.__name__ for p in FilterDefaults().procs()][:-1]}.")
        p = NBProcessor.__new__(NBProcessor)  # (not __init__: it would read the cells' directives again, which nbdev removed)
        p.nb, p.lang, p.debug, p.rm_directives = self.nb, nb_lang(self.nb), False, True
        p.procs = _mk_procs(docs_procs(), nb=self.nb)
        p.process()

