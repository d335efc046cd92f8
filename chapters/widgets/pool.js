// Chapter 3's widget: where pooling sends the gradient (wasm/src/pool.rs
// computes every number; this file draws).
import { mount, call, timed, el, fmt, num, sub, parse, grid, labels, legend, keepingFocus } from './common.js';

// The labels, by the page's language (formulas and notation as they are).
const T = labels('pool', {
  en: {
    sizeX: 'size of the input x', windowSize: 'window size', stride: 'stride', mode: 'max or mean pooling',
    max: 'max', mean: 'mean', random: 'random input', pooling: 'pooling: ', inputX: 'input x', colon: ': ',
    window: 'window ', strideLabel: 'stride ',
    asWritten: ' as the notes wrote it: dx[argmax] = dy, assigning (erratum 15, max pooling)',
    help: 'Edit x or ∂C/∂a; click an entry of the output a to see where its gradient goes. Stride below the window makes the windows overlap.',
    pooled: max => `${max ? 'max' : 'mean'} pool`, assigning: ', assigning (erratum 15)',
    accumulating: v => `accumulating gives ${v}`,
    picked: (y, max, r0, r1, c0, c1) => `${y} is the ${max ? 'maximum' : 'mean'} of the yellow window (rows ${r0}–${r1}, columns ${c0}–${c1}). `,
    gradient: dy => `Its gradient ${dy} = `,
    toMax: ' goes whole to the maximum (blue):', shared: n => ` is shared equally, 1/${n} to each input (blue):`,
    overlap: 'The windows overlap: an input in several windows adds up what each sends it.',
    lost: 'Assigning keeps only the last window\'s gradient where windows share a maximum, so the others are lost: ',
    instead: (x, got, want) => `${x} gets ${got} instead of ${want}`, join: '; ', red: ' (red).',
    luck: 'No two windows share a maximum here, so assigning happens to give the right numbers; make the stride smaller than the window to see it fail.',
  },
  zh: {
    sizeX: '输入 x 的大小', windowSize: '窗口大小', stride: '步长', mode: '最大池化或平均池化',
    max: '最大池化', mean: '平均池化', random: '随机输入', pooling: '池化：', inputX: '输入 x', colon: '：',
    window: '窗口 ', strideLabel: '步长 ',
    asWritten: ' 按原笔记的写法：dx[argmax] = dy，赋值而不是累加（勘误 15，最大池化）',
    help: '可修改 x 或 ∂C/∂a；点击输出 a 的某个元素，看它的梯度传到哪里。步长小于窗口时，窗口会重叠。',
    pooled: max => (max ? '最大池化' : '平均池化'), assigning: '，赋值（勘误 15）',
    accumulating: v => `累加得 ${v}`,
    picked: (y, max, r0, r1, c0, c1) => `${y} 是黄色窗口（第 ${r0}–${r1} 行，第 ${c0}–${c1} 列）的${max ? '最大值' : '平均值'}。`,
    gradient: dy => `它的梯度 ${dy} = `,
    toMax: ' 全部传给最大值（蓝色）：', shared: n => ` 平均分给窗口中的每个输入，各得 1/${n}（蓝色）：`,
    overlap: '窗口重叠：位于多个窗口中的输入，把每个窗口传来的梯度加起来。',
    lost: '几个窗口共用一个最大值时，赋值只留下最后一个窗口的梯度，其余的都丢失了：',
    instead: (x, got, want) => `${x} 得 ${got}，而不是 ${want}`, join: '；', red: '（红色）。',
    luck: '这里没有两个窗口共用同一个最大值，所以赋值碰巧给出了正确的数；把步长调得比窗口小，就能看到它出错。',
  },
});

mount('pool', (root, lenet) => {
  const s = { n: 4, size: 2, stride: 2, max: true, x: null, dy: null, m: 2, seed: 0, written: false, pick: { i: 0, j: 1 } };
  const sizes = el('select', { 'aria-label': T.sizeX, 'data-control': 'size-x', onchange: () => reshape(true) },
    ...[4, 5, 6, 7].map(n => el('option', { value: n }, `${n}×${n}`)));
  const slider = (min, max, value, what, control) => el('input', { type: 'range', min, max, step: 1, value, 'aria-label': what, 'data-control': control, oninput: () => reshape(false) });
  const window_ = slider(2, 3, 2, T.windowSize, 'window'), stride = slider(1, 3, 2, T.stride, 'stride');
  const shownSize = el('span', {}), shownStride = el('span', {});
  const mode = el('select', { 'aria-label': T.mode, 'data-control': 'mode', onchange: () => { s.max = mode.value === 'max'; update(); } },
    el('option', { value: 'max' }, T.max), el('option', { value: 'mean' }, T.mean));
  const random = el('button', { type: 'button', onclick: () => { s.seed++; reshape(true); } }, T.random);
  const toggle = el('input', { type: 'checkbox', class: 'lw-erratum', onchange: () => { s.written = toggle.checked; update(); } });
  const top = el('div', { class: 'lw-row' }), bottom = el('div', { class: 'lw-row' });
  const message = el('p', { class: 'lw-error', role: 'alert' });
  const detail = el('div', { class: 'lw-detail' });
  root.append(
    el('div', { class: 'lw-controls' },
      el('label', {}, T.pooling, mode), el('label', {}, T.inputX + T.colon, sizes),
      el('label', {}, T.window, window_, ' ', shownSize), el('label', {}, T.strideLabel, stride, ' ', shownStride), random),
    el('div', { class: 'lw-controls' },
      el('label', {}, toggle, T.asWritten)),
    el('p', { class: 'lw-note' }, T.help), legend(),
    message, top, bottom, detail);

  function reshape(newInput) {
    s.n = +sizes.value; s.size = +window_.value; s.stride = +stride.value;
    shownSize.textContent = `${s.size}×${s.size}`; shownStride.textContent = String(s.stride);
    let d;
    try { d = call(lenet.pool_defaults, s.n, s.size, s.stride, s.seed); } catch (e) {
      message.textContent = e.message; top.replaceChildren(); bottom.replaceChildren(); detail.replaceChildren(); s.m = 0; return;
    }
    message.textContent = '';
    if (newInput || !s.x || s.x.length !== s.n * s.n) s.x = d.x.flat();
    s.m = d.dy.length; s.dy = d.dy.flat();
    if (s.pick.i >= s.m || s.pick.j >= s.m) s.pick = { i: 0, j: 0 };
    top.dataset.shape = ''; // new arrays: redraw the editable grids
    update();
  }

  function editable(label, arr, n, sym, highlight) {
    return grid(label, n, n, (i, j) => el('input', {
      class: `lw-cell${highlight && highlight(i, j) ? ' lw-window' : ''}`, value: fmt(arr[i * n + j]),
      'data-key': `${sym}.${i + 1}.${j + 1}`, 'aria-label': `${sym}${sub(i + 1, j + 1)}`, inputmode: 'decimal',
      oninput: e => {
        const v = parse(e.target.value);
        e.target.classList.toggle('lw-wrong', v === null);
        if (v !== null) { arr[i * n + j] = v; update(); }
      },
    }));
  }

  function update() {
    if (!s.m) return;
    // Erratum 15 is max pooling's: with mean pooling the toggle rests, unticked.
    toggle.disabled = !s.max;
    toggle.checked = s.written && s.max;
    timed('pool', () => {
      let r;
      try { r = call(lenet.pool_routing, new Float64Array(s.x), s.n, s.size, s.stride, s.max, new Float64Array(s.dy)); }
      catch (e) { message.textContent = e.message; return; }
      message.textContent = '';
      keepingFocus(root, () => draw(r));
    });
  }

  function draw(r) {
    const { n, m, size } = s, { i: pi, j: pj } = s.pick;
    const route = r.routes[pi][pj], [wr, wc] = route.window;
    const inWindow = (i, j) => i >= wr && i < wr + size && j >= wc && j < wc + size;
    const target = new Map(route.to.map(([a, b, v]) => [`${a},${b}`, v]));
    const written = s.written && s.max;
    const dx = written ? r.dx_assigning : r.dx;
    // Focus survives redrawing: rebuild the editable grids only when their shape changed.
    if (!top.firstChild || top.dataset.shape !== `${n},${m}`) {
      top.dataset.shape = `${n},${m}`;
      top.replaceChildren(editable(`${T.inputX} (${n}×${n})`, s.x, n, 'x'), el('div'));
      bottom.replaceChildren(editable(`∂C/∂a (${m}×${m})`, s.dy, m, '∂C/∂a'), el('div'));
    }
    // The window of the picked output, on the input grid.
    top.firstChild.querySelectorAll('input').forEach((c, k) => c.classList.toggle('lw-window', inWindow(Math.floor(k / n), k % n)));
    top.lastChild.replaceWith(grid(`a = ${T.pooled(s.max)} (${m}×${m})`, m, m, (i, j) => el('button', {
      type: 'button', class: `lw-cell${i === pi && j === pj ? ' lw-picked' : ''}`, 'aria-label': `a${sub(i + 1, j + 1)}`, 'data-cell': `y.${i + 1}.${j + 1}`,
      onclick: () => { s.pick = { i, j }; update(); },
    }, num(r.y[i][j], `y.${i + 1}.${j + 1}`))));
    const wrong = [];
    bottom.lastChild.replaceWith(grid(`∂C/∂x${written ? T.assigning : ''} (${n}×${n})`, n, n, (i, j) => {
      const bad = written && dx[i][j] !== r.dx[i][j];
      if (bad) wrong.push([i, j]);
      const hit = target.has(`${i},${j}`);
      return el('div', {
        class: `lw-cell${hit ? ' lw-target' : ''}${bad ? ' lw-wrong' : ''}`,
        title: bad ? T.accumulating(fmt(r.dx[i][j])) : null,
      }, num(dx[i][j], `dx.${i + 1}.${j + 1}`));
    }));
    const dy = s.dy[pi * m + pj];
    const lines = [el('p', { class: 'lw-note' },
      T.picked(`a${sub(pi + 1, pj + 1)}`, s.max, wr + 1, wr + size, wc + 1, wc + size),
      T.gradient(`∂C/∂a${sub(pi + 1, pj + 1)}`), num(dy, 'picked-dy'),
      s.max ? T.toMax : T.shared(size * size)),
      el('div', { class: 'lw-terms' }, ...route.to.map(([a, b, v]) => el('span', {}, `x${sub(a + 1, b + 1)} += `, num(v, `route.${a + 1}.${b + 1}`), '  ')))];
    if (s.stride < s.size) lines.push(el('p', { class: 'lw-note' }, T.overlap));
    if (written) {
      lines.push(el('p', { class: 'lw-note lw-warn', 'data-key': 'erratum-note' }, wrong.length
        ? T.lost + wrong.map(([i, j]) => T.instead(`x${sub(i + 1, j + 1)}`, fmt(dx[i][j]), fmt(r.dx[i][j]))).join(T.join) + T.red
        : T.luck));
    }
    detail.replaceChildren(...lines);
  }

  reshape(true);
});
