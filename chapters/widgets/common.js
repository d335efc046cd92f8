// What the book's widgets share: loading the WebAssembly (lenet's layer
// functions, built by scripts/build-widgets.sh into ./pkg/), the stylesheet,
// small DOM helpers, number formatting and the timings the browser test
// reads. Every number a widget shows comes from the WebAssembly; this file
// only draws.

import init, * as wasm from './pkg/lenet_widgets.js';

const here = new URL('.', import.meta.url);

// The stylesheet, once per page, relative to this file (no network).
if (!document.querySelector('link[data-lenet-widgets]')) {
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('widgets.css', here).href;
  link.dataset.lenetWidgets = '';
  document.head.appendChild(link);
}

// The page's language: "zh" in the Chinese book (<html lang="zh-CN">), else
// "en". Each widget picks its labels from a small table by it; formulas,
// numbers and the book's notation are the same in both.
export function lang() {
  return (document.documentElement.lang || '').toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

// A widget's labels in the page's language, from {en: {...}, zh: {...}} (the
// same keys). Both tables are kept on window.lenetWidgetText[name] for the
// browser test, which checks that a Chinese page shows none of the English.
window.lenetWidgetText = window.lenetWidgetText || {};
export function labels(name, table) {
  window.lenetWidgetText[name] = table;
  return table[lang()];
}

const T = labels('common', {
  en: {
    fallback: 'This interactive widget needs a newer browser, one that runs WebAssembly',
    couldNotLoad: m => ` (it could not load: ${m})`,
    figures: '. The figures of the chapter show the same computation.',
    editable: 'a box like this takes a number: type into it',
    clickable: 'a box like this is a result: click it (or Enter) to see how it is computed',
  },
  zh: {
    fallback: '这个交互组件需要能运行 WebAssembly 的较新浏览器',
    couldNotLoad: m => `（无法加载：${m}）`,
    figures: '。本章的插图展示的是同样的计算。',
    editable: '这样的格子可以输入数字',
    clickable: '这样的格子是计算结果：点击它（或按回车键），看它是怎样算出来的',
  },
});

let loading = null;
// The wasm module, instantiated once per page.
export function lenet() {
  if (!loading) {
    loading = typeof WebAssembly === 'object'
      ? init({ module_or_path: new URL('pkg/lenet_widgets_bg.wasm', here) }).then(() => wasm)
      : Promise.reject(new Error('no WebAssembly'));
  }
  return loading;
}

// Calls a wasm function that answers JSON text; throws its {"error": …}.
export function call(f, ...args) {
  const out = JSON.parse(f(...args));
  if (out && out.error !== undefined) throw new Error(out.error);
  return out;
}

// Timings, for the browser test and the README (never asserted):
// window.lenetWidgets[name] = {ready_ms, ready_at_ms, first_draw_ms,
// updates_ms: [...]}, the first drawing (while mounting) apart from the
// updates that answer the reader.
window.lenetWidgets = window.lenetWidgets || {};
export function timed(name, f) {
  const t0 = performance.now();
  const r = f();
  const t = window.lenetWidgets[name];
  if (t.ready_ms === null && t.first_draw_ms === null) t.first_draw_ms = performance.now() - t0;
  else t.updates_ms.push(performance.now() - t0);
  return r;
}

// Mounts `build(root, wasm)` on every <div class="lenet-widget"
// data-widget="name">, or says what the browser lacks.
export function mount(name, build) {
  const t0 = performance.now();
  // ready_ms: from this script's start to the widget drawn and answering;
  // ready_at_ms: the same moment, from the start of the page's navigation.
  window.lenetWidgets[name] = { ready_ms: null, ready_at_ms: null, first_draw_ms: null, updates_ms: [] };
  const roots = document.querySelectorAll(`.lenet-widget[data-widget="${name}"]`);
  lenet().then(w => {
    for (const root of roots) {
      root.querySelectorAll('.lenet-widget-fallback').forEach(e => e.remove());
      build(root, w);
      root.dataset.ready = 'true';
    }
    window.lenetWidgets[name].ready_ms = performance.now() - t0;
    window.lenetWidgets[name].ready_at_ms = performance.now();
  }, err => {
    for (const root of roots) {
      const p = root.querySelector('.lenet-widget-fallback') || root.appendChild(el('p', { class: 'lenet-widget-fallback' }));
      // Without WebAssembly at all, say so; if it failed to load, say why.
      p.textContent = T.fallback + (typeof WebAssembly === 'object' ? T.couldNotLoad(err.message) : '') + T.figures;
      root.dataset.ready = 'failed';
    }
  });
}

// An element with attributes and children (strings become text).
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// A number as the book prints it: at most `digits` decimals, trailing zeros
// dropped, a real minus sign.
export function fmt(x, digits = 3) {
  let s = Number(x).toFixed(digits);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  if (s === '-0') s = '0';
  return s.replace('-', '−');
}

// A number the test can read back: the text rounded, the exact value in
// data-value, and a key naming what it is.
export function num(x, key, digits = 3, attrs = {}) {
  return el('span', { class: 'lw-num', 'data-key': key, 'data-value': String(x), 'data-digits': digits, ...attrs }, fmt(x, digits));
}

// Subscripts as the book writes them (indices from 1).
const SUB = '₀₁₂₃₄₅₆₇₈₉';
export function sub(...ix) {
  return ix.map(i => String(i).split('').map(d => SUB[+d]).join('')).join(ix.some(i => i > 9) ? ',' : '');
}

// Parses what a reader typed: a number, with − or - for minus; null if not.
export function parse(text) {
  const t = text.trim().replace('−', '-').replace(',', '.');
  if (t === '' || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return null;
  return Number(t);
}

// A grid of cells (a CSS grid), each made by cell(i, j); label above. The
// columns are as wide as widgets.css allows for `cols` of them (narrower
// cells on a phone's column), hence --lw-cols.
export function grid(label, rows, cols, cell, attrs = {}) {
  const g = el('div', { class: 'lw-grid', style: `--lw-cols: ${cols}`, ...attrs });
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) g.append(cell(i, j));
  return el('figure', { class: 'lw-matrix' }, el('figcaption', {}, label), g);
}

// The legend of the two kinds of cell a reader can act on, each beside a
// sample drawn with the cell's own style (widgets.css): the fields one types
// into, and the results one clicks.
export function legend() {
  return el('p', { class: 'lw-note lw-legend' },
    el('span', { class: 'lw-legend-item' }, el('span', { class: 'lw-swatch lw-edit', 'aria-hidden': 'true' }), T.editable),
    el('span', { class: 'lw-legend-item' }, el('span', { class: 'lw-swatch lw-click', 'aria-hidden': 'true' }), T.clickable));
}

// Runs `redraw` and gives the focus back to the cell that had it. A clicked
// result cell (a <button data-cell>) is replaced by the redrawing; without
// this, Enter on it would leave the focus on the page's body.
export function keepingFocus(root, redraw) {
  const had = document.activeElement;
  const key = had && root.contains(had) ? had.dataset.cell : undefined;
  const r = redraw();
  if (key !== undefined && !root.contains(had)) {
    const now = root.querySelector(`[data-cell="${CSS.escape(key)}"]`);
    if (now) now.focus({ preventScroll: true });
  }
  return r;
}
