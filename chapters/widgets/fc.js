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

  const graph = svg('svg', { width: 680, height: 270, viewBox: '0 0 680 270', role: 'img', 'aria-label': T.network });
  const table = el('table', { class: 'lw-params' });
  const summary = el('div', { class: 'lw-note' });
  const message = el('p', { class: 'lw-error', role: 'alert' });
  root.append(
    el('p', { class: 'lw-note' }, T.help),
    graph, message, summary, table);

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

  // Node positions: layer columns, neurons spread vertically.
  const X = [60, 290, 520], Y = n => Array.from({ length: n }, (_, i) => 135 + (i - (n - 1) / 2) * 84);
  function drawGraph(r) {
    graph.replaceChildren();
    const layers = [Y(2), Y(3), Y(2)];
    // W¹ and W² in the page's order (wasm/src/fc.rs PARAMETERS): x, y, W¹, b¹, W², b².
    const w = [null, values.slice(4, 10), values.slice(13, 19)];
    for (let l = 1; l <= 2; l++) {
      const from = layers[l - 1], to = layers[l], cols = from.length;
      to.forEach((ty, i) => from.forEach((fy, j) => {
        const wt = w[l][i * cols + j];
        graph.append(svg('line', { x1: X[l - 1] + 28, y1: fy, x2: X[l] - 28, y2: ty,
          stroke: wt >= 0 ? '#1f6feb' : '#c62828', 'stroke-width': Math.min(6, 0.5 + 2.5 * Math.abs(wt)), opacity: 0.55 }));
      }));
    }
    const node = (x, y, lines) => {
      graph.append(svg('circle', { cx: x, cy: y, r: 26, style: 'fill: var(--quote-bg, #f7f7f7)', stroke: '#888' }),
        svg('rect', { x: x + 29, y: y - 26, width: 112, height: 17 * lines.length + 2, style: 'fill: var(--bg, white)', opacity: 0.85 }));
      lines.forEach(([t, k, v], n) => {
        const text = svg('text', { x: x + 32, y: y - 12 + n * 17, 'data-key': k, 'data-value': String(v), 'data-digits': 4 }, `${t} = ${fmt(v, 4)}`);
        graph.append(text);
      });
    };
    layers[0].forEach((y, i) => node(X[0], y, [[`x${sub(i + 1)}`, `x.${i + 1}`, values[i]], [`∂C/∂x${sub(i + 1)}`, `grad_x.${i + 1}`, r.grad_x[i][0]]]));
    layers[1].forEach((y, i) => node(X[1], y, [[`z¹${sub(i + 1)}`, `z1.${i + 1}`, r.z1[i][0]], [`a¹${sub(i + 1)}`, `a1.${i + 1}`, r.a1[i][0]], [`δ¹${sub(i + 1)}`, `delta1.${i + 1}`, r.delta1[i][0]]]));
    layers[2].forEach((y, i) => node(X[2], y, [[`z²${sub(i + 1)}`, `z2.${i + 1}`, r.z2[i][0]], [`a²${sub(i + 1)}`, `a2.${i + 1}`, r.a2[i][0]], [`δ²${sub(i + 1)}`, `delta2.${i + 1}`, r.delta2[i][0]], [`${T.target} y${sub(i + 1)}`, `y.${i + 1}`, values[2 + i]]]));
    graph.append(svg('text', { x: X[0] - 40, y: 262 }, T.input), svg('text', { x: X[1] - 40, y: 262 }, T.hidden),
      svg('text', { x: X[2] - 40, y: 262 }, T.output));
    graph.querySelectorAll('text[data-key]').forEach(t => t.classList.add('lw-num'));
  }

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
