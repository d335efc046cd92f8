// Chapter 1's widget: the 2-3-2 sigmoid network with every value and
// gradient, and a central finite-difference check beside each backpropagated
// gradient (wasm/src/fc.rs computes every number; this file draws).
import { mount, call, timed, el, fmt, num, sub, labels } from './common.js';

// The labels, by the page's language (formulas and notation as they are).
const T = labels('fc', {
  en: {
    network: 'the 2-3-2 network',
    help: 'Move any slider: x is the input, y the target, W and b the parameters. The graph shows z, a = σ(z) and δ = ∂C/∂z of every neuron; the table each parameter\'s gradient by backpropagation beside central differences.',
    move: 'move', value: 'value', backprop: '∂C/∂· (backprop)', central: 'central difference',
    target: 'target', input: 'input', hidden: 'hidden, σ', output: 'output, σ',
    relError: '. Relative error of backprop against central differences (h = 10⁻⁵): ', comma: ', ',
    passes: ' (a check passes below 10⁻⁷).',
  },
  zh: {
    network: '2-3-2 网络',
    help: '拖动任一滑块：x 是输入，y 是目标，W 和 b 是参数。图中是每个神经元的 z、a = σ(z) 和 δ = ∂C/∂z；表中把每个参数由反向传播得到的梯度与中心有限差分并排列出。',
    move: '调节', value: '值', backprop: '∂C/∂·（反向传播）', central: '中心有限差分',
    target: '目标', input: '输入层', hidden: '隐藏层，σ', output: '输出层，σ',
    relError: '。反向传播与中心有限差分的相对误差（差分步长 h = 10⁻⁵）：', comma: '，',
    passes: '（低于 10⁻⁷ 即通过检验）。',
  },
});

const SUP = { 1: '¹', 2: '²' };
const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

mount('fc', (root, lenet) => {
  const d = call(lenet.fc_defaults);
  const values = Float64Array.from(d.values);
  // One row per number: block name, (i, j) from 1, offset into `values`.
  const rows = [];
  let off = 0;
  for (const [name, r, c] of d.blocks) {
    for (let i = 1; i <= r; i++) for (let j = 1; j <= c; j++) rows.push({ name, i, j, k: off++ });
  }
  const label = ({ name, i, j }) => {
    const layer = name.slice(-1);
    if (name === 'x' || name === 'y') return `${name}${sub(i)}`;
    return name[0] === 'W' ? `w${SUP[layer]}${sub(i, j)}` : `b${SUP[layer]}${sub(i)}`;
  };
  const key = ({ name, i, j }) => (name[0] === 'W' ? `${name}.${i}.${j}` : `${name}.${i}`);

  const graph = svg('svg', { role: 'img', 'aria-label': T.network });
  const graphBox = el('div', { class: 'lw-graph' }, graph);
  const table = el('table', { class: 'lw-params' });
  const summary = el('div', { class: 'lw-note' });
  const message = el('p', { class: 'lw-error', role: 'alert' });
  root.append(
    el('p', { class: 'lw-note' }, T.help),
    graphBox, message, summary, table);

  const cells = new Map();
  table.append(el('tr', {}, el('th', {}, ''), el('th', {}, T.move), el('th', {}, T.value),
    el('th', {}, T.backprop), el('th', {}, T.central)));
  for (const row of rows) {
    const out = el('td'), back = el('td'), numeric = el('td');
    const slider = el('input', {
      type: 'range', min: -2, max: 2, step: 0.05, value: values[row.k], 'aria-label': label(row),
      'data-key': `slider.${key(row)}`,
      oninput: e => { values[row.k] = +e.target.value; update(); },
    });
    cells.set(row.k, { out, back, numeric });
    table.append(el('tr', {}, el('td', {}, label(row)), el('td', {}, slider), out, back, numeric));
  }

  // Two drawings of the graph, in px of the page (the text 13 px, 12 when narrow):
  // where the widget is 680 px wide, the layers side by side, each neuron's
  // numbers to the right of it; narrower (a phone), the layers one under
  // the other, each neuron's numbers under it, the edges from the bottom of
  // one layer's numbers to the next layer's neurons.
  const WIDE = 680, LINE = 17;
  let last = null, drawnWidth = null;
  function drawGraph(r) {
    last = r;
    const width = graphBox.clientWidth || WIDE;
    drawnWidth = width;
    graph.replaceChildren();
    // What each neuron shows: its lines [text, key, value], layer by layer.
    const shown = [
      [0, 1].map(i => [[`x${sub(i + 1)}`, `x.${i + 1}`, values[i]], [`∂C/∂x${sub(i + 1)}`, `grad_x.${i + 1}`, r.grad_x[i][0]]]),
      [0, 1, 2].map(i => [[`z¹${sub(i + 1)}`, `z1.${i + 1}`, r.z1[i][0]], [`a¹${sub(i + 1)}`, `a1.${i + 1}`, r.a1[i][0]], [`δ¹${sub(i + 1)}`, `delta1.${i + 1}`, r.delta1[i][0]]]),
      [0, 1].map(i => [[`z²${sub(i + 1)}`, `z2.${i + 1}`, r.z2[i][0]], [`a²${sub(i + 1)}`, `a2.${i + 1}`, r.a2[i][0]], [`δ²${sub(i + 1)}`, `delta2.${i + 1}`, r.delta2[i][0]], [`${T.target} y${sub(i + 1)}`, `y.${i + 1}`, values[2 + i]]]),
    ];
    const titles = [T.input, T.hidden, T.output];
    // Per layer: each neuron's centre, radius, where its numbers start and
    // how they are anchored; per edge, where it leaves and arrives.
    let layout, height;
    if (width >= WIDE) {
      const X = [60, 290, 520], Y = n => Array.from({ length: n }, (_, i) => 135 + (i - (n - 1) / 2) * 84);
      height = 270;
      layout = shown.map((ns, l) => ns.map((lines, i) => {
        const x = X[l], y = Y(ns.length)[i];
        return { x, y, r: 26, tx: x + 32, ty: y - 12, anchor: 'start', box: { x: x + 29, y: y - 26, w: 112 },
          out: [x + 28, y], in: [x - 28, y] };
      }));
      titles.forEach((t, l) => graph.append(svg('text', { x: X[l] - 40, y: 262 }, t)));
    } else {
      const R = 13, GAP = 34;
      let top = 0;
      layout = shown.map((ns, l) => {
        // A halo of the page's colour keeps the title legible where an edge passes.
        graph.append(svg('text', { x: 0, y: top + 13, style: 'paint-order: stroke; stroke: var(--bg, white); stroke-width: 4px; stroke-linejoin: round' }, titles[l]));
        const y = top + 20 + R, spots = ns.map((_, i) => width * (2 * i + 1) / (2 * ns.length));
        const bottom = y + R + 4 + ns[0].length * LINE;
        const layer = ns.map((lines, i) => ({ x: spots[i], y, r: R, tx: spots[i], ty: y + R + 16, anchor: 'middle', box: null,
          out: [spots[i], bottom + 2], in: [spots[i], y - R] }));
        top = bottom + GAP;
        return layer;
      });
      height = top - GAP + 4;
    }
    graph.classList.toggle('lw-narrow', width < WIDE);
    graph.setAttribute('width', Math.min(width, WIDE));
    graph.setAttribute('height', height);
    graph.setAttribute('viewBox', `0 0 ${Math.min(width, WIDE)} ${height}`);
    // W¹ and W² in the page's order (wasm/src/fc.rs PARAMETERS): x, y, W¹, b¹, W², b².
    const w = [null, values.slice(4, 10), values.slice(13, 19)];
    const edges = svg('g');
    graph.prepend(edges);
    for (let l = 1; l <= 2; l++) {
      const from = layout[l - 1], to = layout[l], cols = from.length;
      to.forEach((t, i) => from.forEach((f, j) => {
        const wt = w[l][i * cols + j];
        edges.append(svg('line', { x1: f.out[0], y1: f.out[1], x2: t.in[0], y2: t.in[1],
          stroke: wt >= 0 ? '#1f6feb' : '#c62828', 'stroke-width': Math.min(6, 0.5 + 2.5 * Math.abs(wt)), opacity: 0.55 }));
      }));
    }
    layout.forEach((layer, l) => layer.forEach((n, i) => {
      const lines = shown[l][i];
      graph.append(svg('circle', { cx: n.x, cy: n.y, r: n.r, style: 'fill: var(--quote-bg, #f7f7f7)', stroke: '#888' }));
      if (n.box) graph.append(svg('rect', { x: n.box.x, y: n.box.y, width: n.box.w, height: LINE * lines.length + 2, style: 'fill: var(--bg, white)', opacity: 0.85 }));
      lines.forEach(([t, k, v], m) => graph.append(svg('text', {
        x: n.tx, y: n.ty + m * LINE, 'text-anchor': n.anchor, class: 'lw-num', 'data-key': k, 'data-value': String(v), 'data-digits': 4,
      }, `${t} = ${fmt(v, 4)}`)));
    }));
  }
  // A new width (a phone turned, a window resized): the graph drawn again.
  new ResizeObserver(() => {
    if (last && graphBox.clientWidth && graphBox.clientWidth !== drawnWidth) drawGraph(last);
  }).observe(graphBox);

  function update() {
    timed('fc', () => {
      let r;
      try { r = call(lenet.fc_network, values); } catch (e) { message.textContent = e.message; return; }
      message.textContent = '';
      drawGraph(r);
      summary.replaceChildren('C = ½‖a² − y‖² = ', num(r.cost, 'cost', 6), T.relError,
        ...['W1', 'b1', 'W2', 'b2'].flatMap((b, n) => [n ? T.comma : '', `${b[0]}${SUP[b[1]]} `,
          el('span', { class: 'lw-num', 'data-key': `rel_error.${b}`, 'data-value': String(r.grads[b].rel_error) }, r.grads[b].rel_error.toExponential(1))]),
        T.passes);
      for (const row of rows) {
        const c = cells.get(row.k);
        c.out.replaceChildren(num(values[row.k], `value.${key(row)}`, 2));
        const g = r.grads[row.name];
        if (g) {
          const [i, j] = [row.i - 1, row.name[0] === 'W' ? row.j - 1 : 0];
          c.back.replaceChildren(num(g.backprop[i][j], `backprop.${key(row)}`, 6));
          c.numeric.replaceChildren(num(g.numerical[i][j], `numerical.${key(row)}`, 6));
        } else if (row.name === 'x') {
          c.back.replaceChildren(num(r.grad_x[row.i - 1][0], `backprop.${key(row)}`, 6));
        }
      }
    });
  }
  update();
});
