// The vpcflow dashboard. Plain JavaScript, no framework, no HTML built from data: every string from a log, a file
// name or a configuration goes into the page with textContent, and charts draw their text on a canvas (tooltips in
// richText mode). One state (time range, filters, --where) lives in the URL and drives every panel.
'use strict';

(function () {
  const VIEWS = ['overview', 'rejects', 'flows', 'map', 'coverage', 'sql'];
  const app = {
    words: {}, lang: 'en', meta: null, charts: [], pending: 0, errors: [],
  };
  window.__vpcflow = app;

  // Anything that goes wrong in the page is kept for the tests (and shown in the console as usual).
  window.addEventListener('error', (e) => app.errors.push(String(e.message || e)));
  window.addEventListener('unhandledrejection', (e) => app.errors.push(String(e.reason)));
  document.addEventListener('securitypolicyviolation', (e) => app.errors.push('CSP: ' + e.violatedDirective));

  // ---- small DOM helpers -------------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(node.dataset, v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }
  const $ = (id) => document.getElementById(id);

  function t(key, vars) {
    let s = app.words[key];
    if (s === undefined) s = key;
    for (const [k, v] of Object.entries(vars || {})) s = s.split('{' + k + '}').join(String(v));
    return s;
  }

  // ---- formatting (per language) -----------------------------------------------------------------------------
  function num(n) {
    return n === null || n === undefined ? '-' : new Intl.NumberFormat(app.lang).format(n);
  }
  function bytes(n) {
    if (n === null || n === undefined) return '-';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let i = 0;
    let v = Number(n);
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return new Intl.NumberFormat(app.lang, { maximumFractionDigits: i ? 1 : 0 }).format(v) + ' ' + units[i];
  }
  function pct(part, whole) {
    if (!whole) return '-';
    return new Intl.NumberFormat(app.lang, { style: 'percent', maximumFractionDigits: 1 }).format(part / whole);
  }
  function when(seconds) {
    if (seconds === null || seconds === undefined) return '-';
    return new Intl.DateTimeFormat(app.lang, {
      timeZone: (app.meta && app.meta.tz) || 'UTC', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short',
    }).format(new Date(seconds * 1000));
  }

  // ---- state in the URL --------------------------------------------------------------------------------------
  function view() {
    const p = location.pathname.replace(/^\/+/, '') || 'overview';
    return VIEWS.includes(p) ? p : 'overview';
  }
  function params() { return new URLSearchParams(location.search); }
  function stateQuery(extra) {
    const p = params();
    const q = new URLSearchParams();
    for (const k of ['from', 'to', 'where']) if (p.get(k)) q.set(k, p.get(k));
    for (const f of p.getAll('f')) q.append('f', f);
    q.set('lang', app.lang);
    for (const [k, v] of Object.entries(extra || {})) if (v !== undefined && v !== null && v !== '') q.set(k, v);
    return q;
  }
  function go(path, mutate, replace) {
    const p = params();
    if (mutate) mutate(p);
    const url = '/' + path + (p.toString() ? '?' + p.toString() : '');
    if (replace) history.replaceState(null, '', url); else history.pushState(null, '', url);
    render();
  }
  function setParam(k, v) {
    go(view(), (p) => {
      if (v === null || v === undefined || v === '') p.delete(k); else p.set(k, v);
      if (k !== 'after') p.delete('after');
    });
  }
  function addChip(op, column, value, only) {
    go(view(), (p) => {
      if (only) p.delete('f');
      const chip = op + ':' + column + ':' + value;
      const all = p.getAll('f').filter((f) => f !== chip);
      p.delete('f');
      for (const f of all) p.append('f', f);
      p.append('f', chip);
      p.delete('after');
    });
  }
  function setRange(from, to) {
    go(view(), (p) => {
      if (from === null) { p.delete('from'); p.delete('to'); } else { p.set('from', from); p.set('to', to); }
      p.delete('after');
    });
  }

  // ---- fetching ----------------------------------------------------------------------------------------------
  async function api(path, query) {
    app.pending++;
    document.body.dataset.state = 'loading';
    try {
      const r = await fetch(path + (query ? '?' + query.toString() : ''), { headers: { Accept: 'application/json' } });
      const body = await r.json();
      if (!r.ok) throw new Error(body.error || r.statusText);
      return body;
    } finally {
      app.pending--;
    }
  }
  function done() {
    if (app.pending === 0) document.body.dataset.state = 'ready';
  }
  function failure(container, e) {
    container.append(el('p', { class: 'error', text: t('error', { m: e.message }) }));
  }

  // ---- charts --------------------------------------------------------------------------------------------------
  function disposeCharts() {
    for (const c of app.charts) c.dispose();
    app.charts = [];
  }
  function chart(container, height) {
    const box = el('div', { class: 'chart' });
    box.style.height = (height || 260) + 'px';
    container.append(box);
    const c = echarts.init(box, null, { renderer: 'canvas', locale: app.lang === 'ja' ? 'JA' : 'EN' });
    app.charts.push(c);
    return c;
  }
  window.addEventListener('resize', () => app.charts.forEach((c) => c.resize()));
  const COLORS = { accept: '#2e8b57', reject: '#c0392b', nodata: '#d4a017', in: '#2c6fbb', out: '#8e44ad', internal: '#7f8c8d' };
  const tooltip = { trigger: 'axis', renderMode: 'richText', confine: true };

  // A time chart whose brush sets the range for every panel.
  function timeChart(container, title, axis, series, opts) {
    container.append(el('h3', { text: title }), el('p', { class: 'hint', text: t('brush.hint') }));
    const c = chart(container, 240);
    const starts = [];
    for (let b = 0; b < axis.bins; b++) starts.push((axis.from + b * axis.step) * 1000);
    c.setOption({
      animation: false,
      tooltip,
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 30, bottom: 30 },
      xAxis: { type: 'time', min: axis.from * 1000, max: (axis.from + axis.bins * axis.step) * 1000 },
      yAxis: { type: 'value', axisLabel: { formatter: opts && opts.bytes ? (v) => bytes(v) : (v) => num(v) } },
      brush: { xAxisIndex: 0, brushType: 'lineX', brushMode: 'single', transformable: false, throttleType: 'debounce' },
      toolbox: { show: false },
      series: series.map((s) => ({
        name: s.name, type: opts && opts.line ? 'line' : 'bar', stack: opts && opts.line ? undefined : 'all',
        showSymbol: false, barCategoryGap: '10%', itemStyle: { color: s.color }, lineStyle: { color: s.color },
        data: s.data.map((v, i) => [starts[i] + axis.step * 500, v]),
      })),
    });
    c.dispatchAction({ type: 'takeGlobalCursor', key: 'brush', brushOption: { brushType: 'lineX', brushMode: 'single' } });
    c.on('brushEnd', (e) => {
      const area = e.areas && e.areas[0];
      if (!area || !area.coordRange) return;
      const [a, b] = area.coordRange;
      const from = Math.floor(Math.min(a, b) / 1000);
      const to = Math.ceil(Math.max(a, b) / 1000);
      // Leave ECharts' own event handling before the re-render disposes this chart.
      if (to > from) setTimeout(() => setRange(from, to), 0);
    });
    c.getDom().dataset.brush = 'time';
    return c;
  }

  // ---- shared pieces -------------------------------------------------------------------------------------------
  // A clickable value: a click opens Include / Exclude / Only.
  function valueLink(column, value, shown) {
    return el('button', {
      class: 'value', type: 'button', text: shown === undefined ? String(value) : shown,
      dataset: { column, value: String(value) },
      onclick: (e) => openMenu(e.currentTarget, column, String(value)),
    });
  }
  function openMenu(anchor, column, value) {
    const m = $('menu');
    m.replaceChildren(
      el('button', { type: 'button', class: 'include', text: t('menu.include'), onclick: () => { closeMenu(); addChip('in', column, value); } }),
      el('button', { type: 'button', class: 'exclude', text: t('menu.exclude'), onclick: () => { closeMenu(); addChip('ex', column, value); } }),
      el('button', { type: 'button', class: 'only', text: t('menu.only'), onclick: () => { closeMenu(); addChip('in', column, value, true); } }),
    );
    const r = anchor.getBoundingClientRect();
    m.style.left = (r.left + window.scrollX) + 'px';
    m.style.top = (r.bottom + window.scrollY) + 'px';
    m.hidden = false;
  }
  function closeMenu() { $('menu').hidden = true; }
  document.addEventListener('click', (e) => {
    if (!e.target.closest('#menu') && !e.target.closest('button.value')) closeMenu();
  });

  // Lines of segments (from the server's words): addresses and ids become filter links.
  function lines(container, ls) {
    for (const line of ls || []) {
      const p = el('p', { class: 'line' });
      for (const s of line) {
        if (s.filter) p.append(valueLink(s.filter[0], s.filter[1], s.text));
        else p.append(el('span', { class: 'seg-' + s.kind, text: s.text }));
      }
      container.append(p);
    }
  }

  // The SQL behind a panel: shown on demand, with downloads and a link to edit it.
  function sqlBox(container, sql, name) {
    const details = el('details', { class: 'sql' }, el('summary', { text: t('sql.show') }));
    details.append(el('pre', { text: sql }));
    const links = el('p', { class: 'links' });
    links.append(el('a', { href: '/sql?' + new URLSearchParams({ sql, lang: app.lang }).toString(), text: t('sql.open') }));
    for (const f of ['csv', 'json', 'parquet']) {
      links.append(' ', el('a', {
        class: 'download download-' + f, download: '',
        href: '/api/export?' + new URLSearchParams({ sql, format: f, name: name || 'vpcflow' }).toString(),
        text: t('download') + ' ' + f.toUpperCase(),
      }));
    }
    details.append(links);
    container.append(details);
  }

  function table(headers, rows, cls) {
    return el('table', { class: cls || '' },
      el('thead', {}, el('tr', {}, headers.map((h) => el('th', { text: h })))),
      el('tbody', {}, rows));
  }
  function shareBar(part, whole) {
    const bar = el('span', { class: 'share' }, el('span', { class: 'fill' }));
    bar.firstChild.style.width = whole ? Math.round((100 * part) / whole) + '%' : '0';
    return el('span', { class: 'sharebox' }, bar, ' ', pct(part, whole));
  }

  // ---- header ----------------------------------------------------------------------------------------------------
  function header() {
    const nav = $('nav');
    nav.replaceChildren(...VIEWS.map((v) => el('a', {
      href: '/' + v + location.search, class: v === view() ? 'active' : '', text: t('view.' + v),
      onclick: (e) => { e.preventDefault(); go(v); },
    })));
    $('lang').replaceChildren(
      el('button', { type: 'button', class: app.lang === 'en' ? 'active' : '', text: 'English', onclick: () => switchLang('en') }),
      el('button', { type: 'button', class: app.lang === 'ja' ? 'active' : '', text: '日本語', onclick: () => switchLang('ja') }),
    );
    const p = params();
    const range = $('range');
    if (p.get('from')) {
      range.replaceChildren(
        el('span', { class: 'range-text', text: when(Number(p.get('from'))) + ' – ' + when(Number(p.get('to'))) }), ' ',
        el('button', { type: 'button', id: 'range-reset', text: t('range.reset'), onclick: () => setRange(null) }));
    } else {
      range.replaceChildren(el('span', { class: 'range-text', text: t('range.all') }));
    }
    $('chips').replaceChildren(...p.getAll('f').map((f) => {
      const [op, column, ...rest] = f.split(':');
      const value = rest.join(':');
      return el('span', { class: 'chip ' + (op === 'ex' ? 'exclude' : 'include'), dataset: { chip: f } },
        (op === 'ex' ? '≠ ' : '= ') + column + ' ' + value, ' ',
        el('button', { type: 'button', title: t('chip.remove'), text: '×', onclick: () => go(view(), (q) => {
          const keep = q.getAll('f').filter((x) => x !== f);
          q.delete('f');
          keep.forEach((x) => q.append('f', x));
        }) }));
    }));
    const w = $('where');
    w.placeholder = t('where.placeholder');
    w.value = p.get('where') || '';
    $('where-apply').textContent = t('where.apply');
    document.documentElement.lang = app.lang;
  }
  $('where-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setParam('where', $('where').value.trim());
  });

  async function switchLang(lang) {
    await loadWords(lang);
    go(view(), (p) => p.set('lang', lang));
  }
  async function loadWords(lang) {
    const src = $('app-script').dataset[lang];
    const r = await fetch(src);
    app.words = await r.json();
    app.lang = lang;
  }

  // ---- views -----------------------------------------------------------------------------------------------------
  async function overview(main) {
    const by = params().get('by') === 'flows' ? 'flows' : 'bytes';
    const r = await api('/api/overview', stateQuery({ by }));
    const o = r.overview;
    const k = o.kpis;
    const kpis = el('section', { class: 'kpis' });
    const card = (key, value, id) => el('div', { class: 'kpi', dataset: { kpi: id } }, el('span', { class: 'label', text: t(key) }), el('span', { class: 'number', text: value }));
    kpis.append(
      card('kpi.records', num(k.records), 'records'), card('kpi.bytes', bytes(k.bytes), 'bytes'),
      card('kpi.packets', num(k.packets), 'packets'), card('kpi.reject', pct(k.reject, k.flows), 'reject'),
      card('kpi.sources', num(k.sources), 'sources'), card('kpi.destinations', num(k.destinations), 'destinations'),
      card('kpi.interfaces', num(k.interfaces), 'interfaces'), card('kpi.nodata', num(k.nodata + k.skipdata), 'nodata'),
      card('kpi.gaps', num(k.gaps), 'gaps'));
    main.append(kpis, el('p', { class: 'ms', text: t('server.ms', { ms: r.ms }) }));
    sqlBox(main, r.sql.kpis, 'kpis');
    const charts = el('section', { class: 'charts' });
    main.append(charts);
    const left = el('div', { class: 'panel' });
    const right = el('div', { class: 'panel' });
    charts.append(left, right);
    timeChart(left, t('chart.actions'), o.axis, [
      { name: t('series.accept'), color: COLORS.accept, data: o.accept },
      { name: t('series.reject'), color: COLORS.reject, data: o.reject },
      { name: t('series.nodata'), color: COLORS.nodata, data: o.nodata },
    ]);
    sqlBox(left, r.sql.timeline, 'timeline');
    timeChart(right, t('chart.bytes'), o.axis, [
      { name: t('series.in'), color: COLORS.in, data: o.bytes_in },
      { name: t('series.out'), color: COLORS.out, data: o.bytes_out },
      { name: t('series.internal'), color: COLORS.internal, data: o.bytes_internal },
    ], { bytes: true, line: true });
    const tops = el('section', { class: 'tops' });
    main.append(el('p', { class: 'by' },
      el('button', { type: 'button', class: by === 'bytes' ? 'active' : '', text: t('by.bytes'), onclick: () => setParam('by', 'bytes') }), ' ',
      el('button', { type: 'button', class: by === 'flows' ? 'active' : '', text: t('by.flows'), onclick: () => setParam('by', 'flows') })), tops);
    for (const [column, rows] of o.top) {
      const panel = el('div', { class: 'panel top', dataset: { top: column } }, el('h3', { text: t('top.' + column) }));
      panel.append(table([t('col.value'), t('col.flows'), t('col.bytes'), t('col.share')], rows.map((row) => el('tr', {},
        el('td', {}, valueLink(column, row.value, row.label ? row.value + ' (' + row.label + ')' : row.value)),
        el('td', { class: 'n', text: num(row.flows) }), el('td', { class: 'n', text: bytes(row.bytes) }),
        el('td', {}, shareBar(row.rejects, row.flows))))));
      sqlBox(panel, r.sql['top_' + column], 'top-' + column);
      tops.append(panel);
    }
  }

  async function rejects(main) {
    const r = await api('/api/rejects', stateQuery());
    const x = r.rejects;
    main.append(el('p', { class: 'ms', text: t('server.ms', { ms: r.ms }) }));
    const top = el('div', { class: 'panel' });
    main.append(top);
    timeChart(top, t('chart.rejects'), x.axis, [{ name: t('series.reject'), color: COLORS.reject, data: x.reject }]);
    sqlBox(top, r.sql.timeline, 'reject-timeline');
    const rules = el('div', { class: 'panel rules' }, el('h3', { text: t('rejects.rules') }));
    if (r.rules) {
      rules.append(table([t('rejects.rule'), t('rejects.fix'), t('col.flows'), t('rejects.flow')], r.rules.map((g) => el('tr', {},
        el('td', { class: 'rule', text: g.rule }), el('td', { text: g.fix || '' }), el('td', { class: 'n', text: num(g.flows) }),
        el('td', {}, g.examples.slice(0, 3).map((e) => el('div', {}, flowText(e), ' ',
          el('button', { type: 'button', class: 'why', text: t('rejects.why'), onclick: () => why(e.example) }))))))));
    } else {
      rules.append(el('p', { class: 'hint', text: t('rejects.norules') }));
    }
    main.append(rules);
    const list = el('div', { class: 'panel' }, el('h3', { text: t('rejects.top') }));
    list.append(table([t('rejects.interface'), t('rejects.flow'), t('col.flows'), t('col.bytes'), ''], x.rows.map((e) => el('tr', { class: 'reject-row' },
      el('td', {}, e.interface ? valueLink('interface_id', e.interface) : '-'),
      el('td', {}, flowText(e)), el('td', { class: 'n', text: num(e.flows) }), el('td', { class: 'n', text: bytes(e.bytes) }),
      el('td', {}, el('button', { type: 'button', class: 'why', text: t('rejects.why'), onclick: () => why(e.example) }))))));
    sqlBox(list, r.sql.rejects, 'rejects');
    main.append(list);
  }
  function flowText(e) {
    return el('span', { class: 'flow' },
      e.src ? valueLink('srcaddr', e.src) : '-', ' → ', e.dst ? valueLink('dstaddr', e.dst) : '-',
      ':', e.dstport !== null && e.dstport !== undefined ? valueLink('dstport', e.dstport) : '-',
      ' / ', e.protocol !== null && e.protocol !== undefined ? valueLink('protocol', e.protocol) : '-');
  }

  // The "why" drawer: the record, its connection, the diagnosis and the evidence.
  async function why(row) {
    closeMenu();
    const d = $('drawer');
    d.hidden = false;
    d.replaceChildren(el('p', { text: t('loading') }));
    try {
      const r = await api('/api/row', new URLSearchParams({ row, lang: app.lang }));
      d.replaceChildren(el('button', { type: 'button', class: 'close', text: t('why.close'), onclick: () => { d.hidden = true; } }),
        el('h2', { text: t('why.title') }));
      about(d, r);
    } catch (e) {
      failure(d, e);
    }
    done();
  }
  function about(container, r) {
    const a = r.about;
    const sec = (key, content) => {
      const s = el('section', { class: 'about-' + key }, el('h3', { text: t('why.' + key) }));
      content(s);
      container.append(s);
    };
    sec('diagnosis', (s) => (a.diagnosis ? lines(s, a.diagnosis) : s.append(el('p', { class: 'hint', text: t('why.nodiagnosis') }))));
    sec('explanation', (s) => lines(s, a.explanation));
    if (a.connection) sec('connection', (s) => lines(s, a.connection));
    sec('evidence', (s) => s.append(recordsTable(r.columns, r.evidence.map((e) => [e.row, e.values]))));
  }
  function recordsTable(columns, rows, expandable) {
    const body = rows.map(([row, values]) => {
      const tr = el('tr', { dataset: { row } });
      if (expandable) {
        tr.append(el('td', {}, el('button', { type: 'button', class: 'expand', text: '▸', title: t('flows.open'), onclick: (e) => expand(e.currentTarget, row, columns.length + 1) })));
      }
      values.forEach((v, i) => tr.append(el('td', {}, v === null ? '-' : valueLink(columns[i], v))));
      return tr;
    });
    return table((expandable ? [''] : []).concat(columns), body, 'records');
  }
  async function expand(button, row, span) {
    const tr = button.closest('tr');
    if (tr.nextSibling && tr.nextSibling.classList && tr.nextSibling.classList.contains('detail')) {
      tr.nextSibling.remove();
      button.textContent = '▸';
      return;
    }
    button.textContent = '▾';
    const cell = el('td', { colspan: span });
    tr.after(el('tr', { class: 'detail' }, cell));
    try {
      about(cell, await api('/api/row', new URLSearchParams({ row, lang: app.lang })));
    } catch (e) {
      failure(cell, e);
    }
    done();
  }

  async function flows(main) {
    const p = params();
    const sort = p.get('sort') || 'start';
    const dir = p.get('dir') === 'asc' ? 'asc' : 'desc';
    const r = await api('/api/flows', stateQuery({ sort, dir, after: p.get('after') || '' }));
    const page = r.page;
    const controls = el('p', { class: 'controls' }, t('flows.sort') + ' ',
      el('select', { id: 'sort', onchange: (e) => setParam('sort', e.target.value) },
        page.columns.map((c) => el('option', { value: c, selected: c === sort, text: c }))), ' ',
      el('select', { id: 'dir', onchange: (e) => setParam('dir', e.target.value) },
        el('option', { value: 'desc', selected: dir === 'desc', text: t('flows.desc') }),
        el('option', { value: 'asc', selected: dir === 'asc', text: t('flows.asc') })), ' ',
      el('span', { class: 'ms', text: t('server.ms', { ms: r.ms }) }));
    main.append(controls);
    if (!page.rows.length) main.append(el('p', { class: 'hint', text: t('flows.none') }));
    else main.append(recordsTable(page.columns, page.rows, true));
    const nav = el('p', { class: 'pager' });
    if (p.get('after')) nav.append(el('button', { type: 'button', id: 'first-page', text: t('flows.first'), onclick: () => setParam('after', null) }), ' ');
    if (page.next) nav.append(el('button', { type: 'button', id: 'next-page', text: t('flows.next'), onclick: () => setParam('after', page.next) }));
    main.append(nav);
    sqlBox(main, r.sql.records, 'flows');
  }

  async function map(main) {
    const p = params();
    const dims = (p.get('dims') || 'srcnet,dstport,action,path').split(',');
    const n = p.get('n') || '12';
    const r = await api('/api/sankey', stateQuery({ dims: dims.join(','), n }));
    const s = r.sankey;
    const controls = el('p', { class: 'controls' }, t('map.dims') + ' ');
    for (let i = 0; i < 5; i++) {
      controls.append(el('select', { class: 'dim', dataset: { index: i }, onchange: () => {
        const chosen = [...document.querySelectorAll('select.dim')].map((x) => x.value).filter((x) => x);
        setParam('dims', chosen.join(','));
      } }, el('option', { value: '', text: t('dim.none') }),
      r.sankey && (app.meta.dims || []).map((d) => el('option', { value: d, selected: dims[i] === d, text: t('dim.' + d) }))), ' ');
    }
    controls.append(t('map.n') + ' ', el('input', { type: 'number', min: 2, max: 50, value: n, id: 'top-n', onchange: (e) => setParam('n', e.target.value) }),
      ' ', el('span', { class: 'ms', text: t('server.ms', { ms: r.ms }) }));
    main.append(controls);
    const panel = el('div', { class: 'panel' }, el('h3', { text: t('map.sankey') }));
    main.append(panel);
    const perLevel = {};
    s.nodes.forEach((x) => { perLevel[x.level] = (perLevel[x.level] || 0) + 1; });
    const tallest = Math.max(1, ...Object.values(perLevel));
    const c = chart(panel, Math.max(360, tallest * 34));
    const byId = new Map(s.nodes.map((x) => [x.id, x]));
    c.setOption({
      animation: false,
      tooltip: { trigger: 'item', renderMode: 'richText', confine: true,
        formatter: (q) => (q.dataType === 'edge' ? byId.get(q.data.source).label + ' → ' + byId.get(q.data.target).label + ': ' + bytes(q.data.value) : q.data.label + ': ' + bytes(q.value)) },
      series: [{
        type: 'sankey', left: 10, right: 120, nodeGap: 10, emphasis: { focus: 'adjacency' }, layoutIterations: 16,
        label: { formatter: (q) => q.data.label },
        data: s.nodes.map((x) => ({ name: x.id, label: x.label, filter: x.filter, depth: x.level })),
        links: s.links.map((l) => ({ source: l.source, target: l.target, value: Math.max(l.bytes, 1) })),
        lineStyle: { color: 'gradient', opacity: 0.35 },
      }],
    });
    c.on('click', (q) => {
      if (q.dataType === 'node' && q.data.filter) setTimeout(() => addChip('in', q.data.filter[0], q.data.filter[1]), 0);
    });
    c.getDom().dataset.sankey = String(s.nodes.length);
    sqlBox(panel, r.sql.sankey, 'sankey');
    const vpc = el('div', { class: 'panel' }, el('h3', { text: t('map.vpc') }));
    main.append(vpc);
    if (!r.map) {
      vpc.append(el('p', { class: 'hint', text: t('map.novpc') }));
    } else {
      if (r.map.rolled_up) vpc.append(el('p', { class: 'hint', text: t('map.rolled') }));
      drawVpc(vpc, r.map);
    }
  }
  function drawVpc(container, m) {
    const kinds = ['internet', 'gateway', 'subnet', 'interface', 'private'];
    const maxBytes = Math.max(1, ...m.edges.map((e) => e.bytes));
    const c = chart(container, 520);
    c.setOption({
      animation: false,
      tooltip: { trigger: 'item', renderMode: 'richText', confine: true,
        formatter: (q) => (q.dataType === 'edge'
          ? q.data.source + ' — ' + q.data.target + (q.data.kind === 'traffic' ? ': ' + bytes(q.data.bytes) + ', ' + num(q.data.rejects) + ' ' + t('col.rejects') : '')
          : q.data.name + (q.data.detail ? ' ' + q.data.detail : '')) },
      legend: { data: kinds },
      series: [{
        type: 'graph', layout: 'force', roam: true, draggable: true,
        force: { repulsion: 220, edgeLength: [60, 160] },
        categories: kinds.map((k) => ({ name: k })),
        label: { show: true, position: 'right', formatter: (q) => q.data.name + (q.data.detail ? '\n' + q.data.detail : '') },
        data: m.nodes.map((x) => ({ name: x.id, detail: x.detail, category: kinds.indexOf(x.kind), symbolSize: x.kind === 'interface' ? 14 : 22 })),
        links: m.edges.map((e) => ({
          source: e.source, target: e.target, kind: e.kind, bytes: e.bytes, rejects: e.rejects,
          lineStyle: e.kind === 'traffic'
            ? { width: 1 + 7 * Math.sqrt(e.bytes / maxBytes), color: e.rejects > 0 ? COLORS.reject : COLORS.accept, opacity: 0.8 }
            : { width: 1, type: 'dashed', color: '#999' },
        })),
      }],
    });
    c.on('click', (q) => {
      if (q.dataType === 'node' && /^eni-/.test(q.data.name)) setTimeout(() => addChip('in', 'interface_id', q.data.name), 0);
    });
    c.getDom().dataset.vpc = String(m.nodes.length);
  }

  async function coverage(main) {
    const r = await api('/api/coverage', stateQuery());
    const c = r.coverage;
    main.append(el('p', { class: 'ms', text: t('server.ms', { ms: r.ms }) }));
    const heat = el('div', { class: 'panel' }, el('h3', { text: t('coverage.status') }));
    main.append(heat);
    const data = [];
    c.cells.forEach((row, i) => row.forEach((cell, b) => { if (cell[1] + cell[2] > 0) data.push([b, i, cell[1] + cell[2]]); }));
    const max = Math.max(1, ...data.map((d) => d[2]));
    const labels = [];
    for (let b = 0; b < c.axis.bins; b++) labels.push(when(c.axis.from + b * c.axis.step));
    const ch = chart(heat, Math.max(220, 60 + c.interfaces.length * 18));
    ch.setOption({
      animation: false,
      tooltip: { trigger: 'item', renderMode: 'richText', confine: true, formatter: (q) => c.interfaces[q.data[1]] + ' ' + labels[q.data[0]] + ': ' + num(q.data[2]) },
      grid: { left: 200, right: 20, top: 10, bottom: 60 },
      xAxis: { type: 'category', data: labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: 'category', data: c.interfaces },
      visualMap: { min: 0, max, show: false, inRange: { color: ['#fbe9c0', '#c0392b'] } },
      series: [{ type: 'heatmap', data }],
    });
    ch.on('click', (q) => { if (q.data) setTimeout(() => addChip('in', 'interface_id', c.interfaces[q.data[1]]), 0); });
    sqlBox(heat, r.sql.coverage, 'coverage');
    const grid = el('section', { class: 'charts' });
    main.append(grid);
    grid.append(el('div', { class: 'panel' }, el('h3', { text: t('coverage.versions') }),
      table([t('col.version'), t('col.records')], c.versions.map(([v, n]) => el('tr', {}, el('td', { text: v === null ? '-' : v }), el('td', { class: 'n', text: num(n) })))),
      el('h3', { text: t('coverage.fields') }), el('p', { class: 'fields', text: r.fields.join(', ') })));
    grid.append(el('div', { class: 'panel files' }, el('h3', { text: t('coverage.files') }),
      table([t('col.file'), t('col.records'), t('col.bad'), t('col.failed')], r.files.map((f) => el('tr', {},
        el('td', { class: 'file', text: f.name }), el('td', { class: 'n', text: num(f.records) }), el('td', { class: 'n', text: num(f.bad_records) }),
        el('td', { text: f.failed ? t('yes') : t('no') }))))));
    const probs = el('div', { class: 'panel problems' }, el('h3', { text: t('coverage.problems') }));
    if (!r.problems.length) probs.append(el('p', { class: 'hint', text: t('coverage.noproblems') }));
    else {
      if (r.problem_count > r.problems.length) probs.append(el('p', { class: 'hint', text: t('coverage.more', { n: num(r.problem_count), m: num(r.problems.length) }) }));
      probs.append(table([t('col.location'), t('col.message')], r.problems.map((x) => el('tr', {}, el('td', { class: 'file', text: x.location }), el('td', { text: x.message })))));
    }
    main.append(probs);
  }

  async function sqlView(main) {
    const p = params();
    const sql = p.get('sql') || 'SELECT action, log_status, COUNT(*) AS records, SUM(bytes) AS bytes FROM flows GROUP BY action, log_status ORDER BY records DESC';
    const box = el('textarea', { id: 'sql-text', rows: 6, spellcheck: 'false' });
    box.value = sql;
    const out = el('div', { id: 'sql-out' });
    const run = async () => {
      out.replaceChildren(el('p', { text: t('loading') }));
      history.replaceState(null, '', '/sql?' + new URLSearchParams({ sql: box.value, lang: app.lang }).toString());
      app.pending++;
      document.body.dataset.state = 'loading';
      try {
        const r = await fetch('/api/sql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sql: box.value, limit: 1000 }) });
        const body = await r.json();
        out.replaceChildren();
        if (!r.ok) { out.append(el('p', { class: 'error', text: t('error', { m: body.error }) })); return; }
        out.append(el('p', { class: 'ms' }, t('sql.rows', { n: num(body.rows.length) }), ' ', body.truncated ? t('sql.truncated') : '', ' · ', t('sql.ms', { ms: body.ms })));
        const links = el('p', { class: 'links' });
        for (const f of ['csv', 'json', 'parquet']) {
          links.append(el('a', { class: 'download download-' + f, download: '', href: '/api/export?' + new URLSearchParams({ sql: box.value, format: f, name: 'query' }).toString(), text: t('download') + ' ' + f.toUpperCase() }), ' ');
        }
        out.append(links);
        resultChart(out, body);
        out.append(table(body.columns, body.rows.map((row) => el('tr', {}, row.map((v) => el('td', { text: v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v) })))), 'records'));
      } finally {
        app.pending--;
        done();
      }
    };
    main.append(el('div', { class: 'panel' }, box, el('p', {}, el('button', { type: 'button', id: 'sql-run', text: t('sql.run'), onclick: run }))), out);
    await run();
  }
  // A bar chart of the first numeric column by the first column, when the answer is small enough to read.
  function resultChart(container, body) {
    if (body.rows.length < 2 || body.rows.length > 60 || body.columns.length < 2) return;
    const numeric = body.columns.findIndex((_, i) => i > 0 && body.rows.every((r) => typeof r[i] === 'number' || r[i] === null));
    if (numeric < 0) return;
    const c = chart(container, 260);
    c.setOption({
      animation: false, tooltip: { trigger: 'axis', renderMode: 'richText', confine: true },
      grid: { left: 70, right: 20, top: 20, bottom: 70 },
      xAxis: { type: 'category', data: body.rows.map((r) => (r[0] === null ? 'NULL' : String(r[0]))), axisLabel: { rotate: 30, hideOverlap: true } },
      yAxis: { type: 'value' },
      series: [{ type: 'bar', name: body.columns[numeric], data: body.rows.map((r) => r[numeric]), itemStyle: { color: COLORS.in } }],
    });
  }

  const RENDER = { overview, rejects, flows, map, coverage, sql: sqlView };
  let generation = 0;
  async function render() {
    const mine = ++generation;
    closeMenu();
    $('drawer').hidden = true;
    const lang = params().get('lang');
    if (lang && lang !== app.lang && (lang === 'en' || lang === 'ja')) await loadWords(lang);
    header();
    disposeCharts();
    const main = $('view');
    const body = el('div', { class: 'view view-' + view() });
    main.replaceChildren(body);
    try {
      await RENDER[view()](body);
    } catch (e) {
      if (mine === generation) failure(body, e);
    }
    if (mine === generation) {
      document.body.dataset.view = view();
      done();
    }
  }
  window.addEventListener('popstate', render);

  async function start() {
    const lang = params().get('lang');
    app.meta = await api('/api/meta');
    await loadWords(lang === 'ja' || lang === 'en' ? lang : app.meta.lang);
    await render();
  }
  start().catch((e) => { app.errors.push(String(e)); failure($('view'), e); done(); });
})();
