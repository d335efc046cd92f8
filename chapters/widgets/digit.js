// Chapter 5's widget, "A digit, backwards": draw a digit (or pick a
// validation digit) and watch δ flow back through LeNet-5. wasm/src/digit.rs
// computes everything — the 28×28 image from the strokes, the trace of the
// network, the colours of every map; this file forwards the pointer's
// points (canvas pixels) and draws what comes back.
//
// For the browser test (scripts/widget_checks/digit.py) the root element
// carries the state as data attributes: data-logits, data-probs (JSON
// arrays, the exact f32 values), data-gradient-max (the largest |entry| of
// each map), data-predicted, data-label, data-truth (the validation digit's
// true label, empty for a drawing), data-strokes (the points forwarded,
// JSON) and data-image (the 784 inputs).
import { mount, timed, el, fmt, labels } from './common.js';

// The labels, by the page's language (formulas and notation as they are;
// the maps' symbols, δ fc3 … ∂C/∂pool2 …, come from wasm/src/digit.rs).
const T = labels('digit', {
  en: {
    pool2: 'un-flattened (no σ′: pooling has no activation)', toMax: 'sent to each window\'s maximum',
    full: 'the full convolution of chapter 2', comma: ', ', open: ' (', close: ')',
    loading: 'Loading the trained LeNet-5 (1.3 MB)…', failed: m => `The digit widget could not start: ${m}`,
    pad: 'drawing area: draw a digit with the mouse', bars: 'probabilities of the ten digits',
    labelY: 'the label y of the cost', prediction: 'the prediction', clear: 'clear',
    sample: (index, label) => `validation digit ${index} (label ${label})`,
    reads: 'what LeNet reads: x (28×28)', pick: 'or pick a validation digit:',
    costOf: 'δ for the cost C = −log p_y of the label y = ',
    probs: 'p = softmax(logits) (the predicted digit in red; y outlined)',
    verdict: (d, p) => `LeNet reads ${d} (${p}). `, deltaFor: (y, c) => `δ below are for y = ${y}: ${c}`,
    // What y is, beside what LeNet read: its own answer, right, wrong or of
    // unknown truth (a drawing has no label), or the true label it missed.
    ownRight: t => `; y is LeNet's own answer, and it is right (the label of this validation digit is ${t}): the surer LeNet is, the less there is to correct, so choose another y to see large δ.`,
    ownWrong: t => `; y is LeNet's own answer, and it is wrong: the label of this validation digit is ${t}. These δ would make LeNet surer of its mistake; choose y = ${t} to see what would correct it.`,
    ownUnknown: '; y is LeNet\'s own answer, right or wrong (a drawing has no label): the surer LeNet is, the smaller δ, so choose another y to see large δ.',
    correcting: t => `; y = ${t} is the true label of this validation digit, which LeNet misreads: these δ are what would correct it.`,
    stop: '.',
    colours: 'Blue below 0, red above, white at 0, each map on its own scale (± its largest entry). ',
    flow: 'The gradient flows from the logits (top) back to conv1 (bottom): δ = ∂C/∂z where a layer has a pre-activation z, ∂C/∂a at the pooling outputs.',
    hint: 'draw a digit here',
  },
  zh: {
    pool2: '反展平（没有 σ′：池化层没有激活函数）', toMax: '送到每个窗口的最大值处',
    full: '第 2 章的 full 模式卷积', comma: '，', open: '（', close: '）',
    loading: '正在加载训练好的 LeNet-5（1.3 MB）…', failed: m => `数字组件无法启动：${m}`,
    pad: '绘图区：用鼠标写一个数字', bars: '十个数字的概率',
    labelY: '代价的标签 y', prediction: '预测的数字', clear: '清除',
    sample: (index, label) => `验证集数字 ${index}（标签 ${label}）`,
    reads: 'LeNet 读到的：x (28×28)', pick: '或选一个验证集数字：',
    costOf: '代价 C = −log p_y 的 δ，标签 y = ',
    probs: 'p = softmax(logits)（预测的数字为红色；y 加框）',
    verdict: (d, p) => `LeNet 认为是 ${d}（${p}）。`, deltaFor: (y, c) => `下面的 δ 对应 y = ${y}：${c}`,
    ownRight: t => `；y 就是 LeNet 自己的答案，而且答对了（这个验证集数字的标签是 ${t}）：LeNet 越有把握，要纠正的就越少，选另一个 y 才能看到大的 δ。`,
    ownWrong: t => `；y 就是 LeNet 自己的答案，但它答错了：这个验证集数字的标签是 ${t}。这些 δ 只会让 LeNet 对自己的错误更有把握；选 y = ${t}，看怎样纠正它。`,
    ownUnknown: '；y 就是 LeNet 自己的答案，对错未知（手写的数字没有标签）：LeNet 越有把握，δ 越小，选另一个 y 才能看到大的 δ。',
    correcting: t => `；y = ${t} 是这个验证集数字的真实标签，LeNet 认错了：这些 δ 正是纠正它的方向。`,
    stop: '。',
    colours: '小于 0 为蓝色，大于 0 为红色，0 为白色；每张图用各自的刻度（± 其绝对值最大的元素）。',
    flow: '梯度从 logits（顶部）回传到 conv1（底部）：有激活前的值 z 的层显示 δ = ∂C/∂z，池化层的输出显示 ∂C/∂a。',
    hint: '在这里写一个数字',
  },
});

const here = new URL('.', import.meta.url);
const SUB = '₀₁₂₃₄₅₆₇₈₉';
// The drawing area, in canvas pixels: 280 CSS px where the column allows,
// narrower on a phone (widgets.css); the points are forwarded in canvas
// pixels either way. The rasteriser does not care about the size: it scales
// the drawing to MNIST's 20×20 box.
const CANVAS = 280;
// Pixels between two maps.
const GAP = 6;
// The δ maps, from the logits back to the image: how many maps a row and
// the pixels of one value.
const LOOK = {
  fc3: { cell: 26, height: 22, formula: 'δ fc3 = p − y' },
  fc2: { cell: 5, height: 18, formula: 'δ fc2 = (W fc3)ᵀ δ fc3 ⊙ σ′(z fc2)' },
  fc1: { cell: 5, height: 18, formula: 'δ fc1 = (W fc2)ᵀ δ fc2 ⊙ σ′(z fc1)' },
  pool2: { cell: 6, perRow: 16, formula: `∂C/∂pool2 = (W fc1)ᵀ δ fc1${T.comma}${T.pool2}` },
  conv2: { cell: 5, perRow: 8, formula: `δ conv2 = ∂C/∂pool2 ${T.toMax}${T.comma}⊙ σ′(z conv2)` },
  pool1: { cell: 5, perRow: 6, formula: `∂C/∂pool1 = Σₖ δ conv2ₖ ⊛ wₖ${T.open}${T.full}${T.close}` },
  conv1: { cell: 3, perRow: 6, formula: `δ conv1 = ∂C/∂pool1 ${T.toMax}${T.comma}⊙ σ′(z conv1)` },
};

async function fetchBytes(name) {
  const r = await fetch(new URL(name, here));
  if (!r.ok) throw new Error(`${name}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

// Draws `rgba` (channels × rows × cols values, 4 bytes each, row-major) on
// `canvas`, `perRow` maps a row, each value a `cell`-pixel square.
function drawMaps(canvas, rgba, [channels, rows, cols], cell, perRow, gap, cellH = cell) {
  const across = Math.min(perRow, channels), down = Math.ceil(channels / perRow);
  canvas.width = across * (cols * cell + gap) - gap;
  canvas.height = down * (rows * cellH + gap) - gap;
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  const tile = document.createElement('canvas');
  tile.width = cols; tile.height = rows;
  const tctx = tile.getContext('2d');
  const size = rows * cols * 4;
  for (let c = 0; c < channels; c++) {
    tctx.putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset + c * size, size), cols, rows), 0, 0);
    const x = (c % perRow) * (cols * cell + gap), y = Math.floor(c / perRow) * (rows * cellH + gap);
    ctx.drawImage(tile, x, y, cols * cell, rows * cellH);
    ctx.strokeStyle = '#999';
    ctx.lineWidth = 1;
    ctx.strokeRect(x + 0.5, y + 0.5, cols * cell - 1, rows * cellH - 1);
  }
}

// The probabilities as ten bars, in `width` px at most; the label whose δ
// is shown is outlined.
function drawBars(canvas, probs, label, predicted, width) {
  const w = Math.max(24, Math.min(36, Math.floor(width / 10))), h = 90, top = 16, bottom = 18;
  canvas.width = 10 * w; canvas.height = top + h + bottom;
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.font = '12px sans-serif';
  ctx.textAlign = 'center';
  const ink = getComputedStyle(canvas).color || 'black';
  for (let k = 0; k < 10; k++) {
    const bh = Math.max(1, Math.round(probs[k] * h)), x = k * w;
    ctx.fillStyle = k === predicted ? '#b2182b' : '#2166ac';
    ctx.fillRect(x + 6, top + h - bh, w - 12, bh);
    ctx.fillStyle = ink;
    ctx.fillText(String(k), x + w / 2, top + h + 14);
    if (probs[k] >= 0.005) ctx.fillText(fmt(probs[k], 2), x + w / 2, top + h - bh - 3);
    if (k === label) {
      ctx.strokeStyle = ink; ctx.lineWidth = 2;
      ctx.strokeRect(x + 2, 1, w - 4, top + h + bottom - 2);
    }
  }
}

mount('digit', async (root, lenet) => {
  const t0 = performance.now();
  const status = el('p', { class: 'lw-note' }, T.loading);
  root.append(status);
  let widget, samples;
  try {
    const [model, sampleBytes] = await Promise.all([fetchBytes('lenet-digits.json'), fetchBytes('digit-samples.json')]);
    widget = new lenet.DigitWidget(model);
    samples = JSON.parse(new TextDecoder().decode(sampleBytes));
  } catch (e) {
    status.className = 'lw-error';
    status.textContent = T.failed(e.message);
    root.dataset.ready = 'failed';
    return;
  }
  status.remove();
  // The points forwarded so far, per stroke (for the test; the wasm has its own copy).
  const strokes = [];

  const pad = el('canvas', {
    class: 'lw-digit-pad', width: CANVAS, height: CANVAS, 'aria-label': T.pad,
    style: 'touch-action:none;cursor:crosshair;background:white;border:1px solid #888',
  });
  const input = el('canvas', { width: 28, height: 28, style: 'width:112px;height:112px;image-rendering:pixelated;border:1px solid #888' });
  const bars = el('canvas', { 'aria-label': T.bars });
  const labelPick = el('select', { 'aria-label': T.labelY, 'data-control': 'label-y', onchange: () => { widget.set_label(+labelPick.value); update(); } },
    el('option', { value: -1 }, T.prediction), ...[...Array(10).keys()].map(k => el('option', { value: k }, String(k))));
  // The true label of the validation digit shown; null for a drawing.
  let truth = null;
  const clear = el('button', { type: 'button', 'data-control': 'clear', onclick: () => { widget.clear(); truth = null; strokes.length = 0; blank(); update(); } }, T.clear);
  const pickButtons = samples.label.map((label, k) => el('button', {
    type: 'button', title: T.sample(samples.index[k], label), 'data-sample': k,
    onclick: () => { widget.pick(new Uint8Array(samples.pixels[k])); truth = label; strokes.length = 0; blank(); update(); },
  }, String(label)));
  const verdict = el('p', { class: 'lw-note', 'data-key': 'verdict' });
  const maps = el('div', { class: 'lw-digit-maps' });
  const layers = [];
  for (let k = 0; k < widget.layers(); k++) {
    const name = widget.layer_name(k), symbol = widget.layer_symbol(k), shape = Array.from(widget.layer_shape(k)), look = LOOK[name];
    const shapeText = shape[0] === 1 ? `${shape[2]}` : shape.join('×');
    const scale = el('span', { 'data-key': `max.${name}` });
    const canvas = el('canvas', { 'aria-label': `${symbol}, ${shapeText}` });
    const fig = el('figure', { class: 'lw-matrix', style: 'margin:0 0 10px 0' },
      el('figcaption', {}, el('b', {}, symbol), ` (${shapeText}) `, scale),
      el('div', { class: 'lw-note', style: 'margin:0 0 3px 0' }, look.formula), canvas);
    const digits = name === 'fc3' ? el('div', { style: `display:flex;font-size:12px` },
      ...[...Array(10).keys()].map(d => el('span', { style: `width:${look.cell}px;text-align:center` }, String(d)))) : null;
    if (digits) fig.append(digits);
    maps.append(fig);
    layers.push({ k, name, shape, look, scale, canvas, digits });
  }
  root.append(
    el('div', { class: 'lw-row' },
      pad,
      el('div', {},
        el('figure', { class: 'lw-matrix' }, el('figcaption', {}, T.reads), input),
        el('div', { class: 'lw-controls', style: 'margin-top:8px' }, clear),
        el('div', { class: 'lw-note' }, T.pick),
        el('div', { class: 'lw-controls', style: 'gap:3px' }, ...pickButtons))),
    el('div', { class: 'lw-controls', style: 'margin-top:8px' }, el('label', {}, T.costOf, labelPick)),
    el('figure', { class: 'lw-matrix' }, el('figcaption', {}, T.probs), bars),
    verdict,
    el('p', { class: 'lw-note' }, T.colours, T.flow),
    maps);

  const ctx = pad.getContext('2d');
  // The empty pad says what it is for.
  function blank() {
    ctx.clearRect(0, 0, CANVAS, CANVAS);
    ctx.fillStyle = '#777'; ctx.font = '16px sans-serif'; ctx.textAlign = 'center';
    ctx.fillText(T.hint, CANVAS / 2, CANVAS / 2);
  }
  // What y is, told beside what LeNet read (T.ownRight …): a prediction is
  // called right or wrong only when the true label is known.
  function whatYIs(label, predicted) {
    if (label === predicted) {
      if (truth === null) return T.ownUnknown;
      return truth === predicted ? T.ownRight(truth) : T.ownWrong(truth);
    }
    return truth === label ? T.correcting(truth) : T.stop;
  }
  function update(first = false) {
    (first ? f => f() : f => timed('digit', f))(() => {
      widget.update();
      const maxima = draw();
      root.dataset.logits = JSON.stringify(Array.from(widget.logits()));
      root.dataset.probs = JSON.stringify(Array.from(widget.probs()));
      root.dataset.gradientMax = JSON.stringify(maxima);
      root.dataset.predicted = String(widget.predicted());
      root.dataset.label = String(widget.label());
      root.dataset.truth = truth === null ? '' : String(truth);
      root.dataset.image = JSON.stringify(Array.from(widget.image()));
      root.dataset.strokes = JSON.stringify(strokes);
    });
  }
  // Draws the last trace to the column's width: the bars narrower and the
  // maps more rows of fewer on a phone. Returns each map's largest |entry|.
  let drawnWidth = null;
  function draw() {
    const width = maps.clientWidth || Infinity;
    drawnWidth = maps.clientWidth;
    const probs = widget.probs(), predicted = widget.predicted(), label = widget.label();
    const img = widget.image_rgba();
    input.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(img.buffer, img.byteOffset, img.length), 28, 28), 0, 0);
    drawBars(bars, probs, label, predicted, width);
    const small = x => (x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(1) : fmt(x, 3)).replace('-', '−');
    // Near 1, enough digits that p and C = −log p agree to the eye.
    const prob = x => (x > 0.999 && x < 1 ? x.toFixed(5) : small(x));
    verdict.textContent = T.verdict(predicted, `p${SUB[predicted]} = ${prob(probs[predicted])}`)
      + T.deltaFor(label, `C = −log p${SUB[label]} = ${small(widget.cost())}`)
      + whatYIs(label, predicted);
    const maxima = {};
    for (const L of layers) {
      const m = widget.gradient_max(L.k);
      maxima[L.name] = m;
      L.scale.textContent = `±${m === 0 ? '0' : m.toExponential(1).replace('-', '−')}`;
      // A layer's vector (one map of one row) gets narrower entries; maps
      // wrap into more rows.
      const [channels, , cols] = L.shape;
      let cell = L.look.cell, perRow = L.look.perRow || 1;
      if (channels === 1) cell = Math.max(1, Math.min(cell, Math.floor(width / cols)));
      else {
        // As many rows as the width needs, the maps shared out evenly among them.
        const fit = Math.max(1, Math.min(perRow, Math.floor((width + GAP) / (cols * cell + GAP))));
        perRow = Math.ceil(channels / Math.ceil(channels / fit));
      }
      drawMaps(L.canvas, widget.gradient_rgba(L.k), L.shape, cell, perRow, GAP, L.look.height);
      if (L.digits) for (const d of L.digits.children) d.style.width = `${cell}px`;
    }
    return maxima;
  }
  // A new width (a phone turned, a window resized): drawn again to fit.
  new ResizeObserver(() => {
    if (drawnWidth !== null && maps.clientWidth && maps.clientWidth !== drawnWidth) draw();
  }).observe(maps);

  // Pointer → strokes. Every point the browser reports (coalesced ones
  // included) goes to the wasm; the page redraws at most once a frame while
  // drawing and once more when the pen lifts.
  let drawing = false, frame = null;
  // Canvas pixels: from the corner inside the border, scaled where the pad
  // is drawn smaller than its 280 pixels (a phone's column).
  const at = e => {
    const r = pad.getBoundingClientRect(), s = pad.width / (pad.clientWidth || pad.width);
    return [(e.clientX - r.left - pad.clientLeft) * s, (e.clientY - r.top - pad.clientTop) * s];
  };
  function schedule() {
    if (frame === null) frame = requestAnimationFrame(() => { frame = null; update(); });
  }
  function ink(from, to) {
    ctx.strokeStyle = 'black'; ctx.lineWidth = 18; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
    ctx.beginPath(); ctx.moveTo(...from); ctx.lineTo(...to); ctx.stroke();
  }
  pad.addEventListener('pointerdown', e => {
    e.preventDefault();
    // Capture keeps the stroke when the pen leaves the pad; a pointer the
    // browser does not know (a synthetic event's) cannot be captured.
    try { pad.setPointerCapture(e.pointerId); } catch { /* drawn without capture */ }
    if (strokes.length === 0) ctx.clearRect(0, 0, CANVAS, CANVAS); // the first stroke: away with the hint
    truth = null;
    drawing = true;
    const p = at(e);
    strokes.push([p]);
    widget.begin_stroke(p[0], p[1]);
    ink(p, p);
    schedule();
  });
  pad.addEventListener('pointermove', e => {
    if (!drawing) return;
    // The points the browser merged into this event, or, where it reports
    // none (no getCoalescedEvents, or an empty list: synthetic events and
    // some browsers' sparse ones), the event itself.
    const coalesced = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    for (const c of (coalesced.length ? coalesced : [e])) {
      const p = at(c), s = strokes[strokes.length - 1];
      ink(s[s.length - 1], p);
      s.push(p);
      widget.extend_stroke(p[0], p[1]);
    }
    schedule();
  });
  const lift = () => {
    if (!drawing) return;
    drawing = false;
    if (frame !== null) { cancelAnimationFrame(frame); frame = null; }
    update();
  };
  pad.addEventListener('pointerup', lift);
  pad.addEventListener('pointercancel', lift);

  // Start on the validation 7, so the maps show something before any drawing.
  // Timings (never asserted): the model fetched and read, and the first
  // drawing, apart from the updates that answer the reader.
  const t = window.lenetWidgets.digit;
  t.model_ms = performance.now() - t0;
  const t1 = performance.now();
  widget.pick(new Uint8Array(samples.pixels[samples.label.indexOf(7)]));
  truth = 7;
  blank();
  update(true);
  t.first_draw_ms = performance.now() - t1;
  t.digit_ready_at_ms = performance.now();
  root.dataset.digitReady = 'true';
});
