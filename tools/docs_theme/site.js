// fastres docs: offline search over site_libs/search.js (one entry per section), the "on this page"
// highlight, and the sidebar toggle on small screens. No network, no libraries.
(function () {
  'use strict';
  const input = document.getElementById('search-input');
  const box = document.getElementById('search-results');
  const index = (window.SEARCH_INDEX || []).map(e => Object.assign({}, e,
    {ls: e.s.toLowerCase(), lt: e.t.toLowerCase(), lx: e.x.toLowerCase()}));

  const esc = s => s.replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
  const reEsc = s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  function score(e, terms, q) {
    let s = 0;
    for (const t of terms) {
      const inS = e.ls.includes(t), inT = e.lt.includes(t), inX = e.lx.includes(t);
      if (!(inS || inT || inX)) return 0;          // every word must occur
      s += (inS ? 10 : 0) + (inT ? 3 : 0) + (inX ? 1 + Math.min(e.lx.split(t).length - 1, 5) * 0.2 : 0);
    }
    if (e.ls === q) s += e.k === 'api' ? 80 : 60;  // an API entry (or else a section) named exactly so
    else if (e.ls.startsWith(q)) s += 15;
    return s;
  }

  function snippet(e, terms) {
    const i = Math.max(0, ...terms.map(t => e.lx.indexOf(t)));
    const start = Math.max(0, i - 60);
    let s = esc((start ? '…' : '') + e.x.slice(start, start + 180) + (e.x.length > start + 180 ? '…' : ''));
    const re = new RegExp('(' + terms.map(t => reEsc(esc(t))).join('|') + ')', 'gi');
    return s.replace(re, '<mark>$1</mark>');
  }

  let selected = -1;
  function search(q) {
    q = q.trim().toLowerCase();
    if (!q) { box.hidden = true; box.innerHTML = ''; return []; }
    const terms = q.split(/\s+/);
    const hits = index.map(e => [score(e, terms, q), e]).filter(h => h[0] > 0)
      .sort((a, b) => b[0] - a[0]).slice(0, 12).map(h => h[1]);
    box.innerHTML = hits.length ? hits.map(e =>
      `<a href="${e.u}" class="search-result"><span class="sr-title">${esc(e.s)}</span>` +
      (e.s !== e.t ? ` <span class="sr-page">— ${esc(e.t)}</span>` : '') +
      `<span class="sr-text">${snippet(e, terms)}</span></a>`).join('')
      : '<div class="sr-empty">No results</div>';
    box.hidden = false; selected = -1;
    return hits;
  }

  function select(i) {
    const links = box.querySelectorAll('a');
    if (!links.length) return;
    selected = (i + links.length) % links.length;
    links.forEach((a, k) => a.classList.toggle('selected', k === selected));
    links[selected].scrollIntoView({block: 'nearest'});
  }

  if (input) {
    input.addEventListener('input', () => search(input.value));
    input.addEventListener('focus', () => { if (input.value) search(input.value); });
    input.addEventListener('keydown', ev => {
      if (ev.key === 'ArrowDown') { select(selected + 1); ev.preventDefault(); }
      else if (ev.key === 'ArrowUp') { select(selected - 1); ev.preventDefault(); }
      else if (ev.key === 'Enter') {
        const links = box.querySelectorAll('a');
        if (links.length) window.location.href = links[Math.max(selected, 0)].getAttribute('href');
      } else if (ev.key === 'Escape') { box.hidden = true; input.blur(); }
    });
    document.addEventListener('keydown', ev => {
      if (ev.key === '/' && document.activeElement !== input) { input.focus(); ev.preventDefault(); }
    });
    document.addEventListener('click', ev => { if (!ev.target.closest('.search')) box.hidden = true; });
    const q = new URLSearchParams(window.location.search).get('q');   // index.html?q=ResBlock
    if (q) { input.value = q; search(q); }
  }

  // sidebar toggle (small screens)
  const toggle = document.querySelector('.sidebar-toggle');
  if (toggle) toggle.addEventListener('click', () => document.body.classList.toggle('sidebar-open'));

  // "on this page": highlight the section being read
  const tocLinks = Array.from(document.querySelectorAll('#TOC a'));
  const heads = tocLinks.map(a => document.getElementById(decodeURIComponent(a.hash.slice(1)))).filter(Boolean);
  function spy() {
    let cur = heads[0];
    for (const h of heads) if (h.getBoundingClientRect().top < 90) cur = h;
    tocLinks.forEach(a => a.classList.toggle('active', cur && a.hash === '#' + cur.id));
  }
  if (heads.length) { document.addEventListener('scroll', spy, {passive: true}); spy(); }
})();
