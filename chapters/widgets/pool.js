// Chapter 3's widget: where pooling sends the gradient (wasm/src/pool.rs
// computes every number; this file draws).
import { mount, call, timed, el, fmt, num, sub, parse, grid } from './common.js';

mount('pool', (root, lenet) => {
  const s = { n: 4, size: 2, stride: 2, max: true, x: null, dy: null, m: 2, seed: 0, written: false, pick: { i: 0, j: 1 } };
  const sizes = el('select', { 'aria-label': 'size of the input x', onchange: () => reshape(true) },
    ...[4, 5, 6, 7].map(n => el('option', { value: n }, `${n}×${n}`)));
  const slider = (min, max, value, what) => el('input', { type: 'range', min, max, step: 1, value, 'aria-label': what, oninput: () => reshape(false) });
  const window_ = slider(2, 3, 2, 'window size'), stride = slider(1, 3, 2, 'stride');
  const shownSize = el('span', {}), shownStride = el('span', {});
  const mode = el('select', { 'aria-label': 'max or mean pooling', onchange: () => { s.max = mode.value === 'max'; update(); } },
    el('option', { value: 'max' }, 'max'), el('option', { value: 'mean' }, 'mean'));
  const random = el('button', { type: 'button', onclick: () => { s.seed++; reshape(true); } }, 'random input');
  const toggle = el('input', { type: 'checkbox', class: 'lw-erratum', onchange: () => { s.written = toggle.checked; update(); } });
  const top = el('div', { class: 'lw-row' }), bottom = el('div', { class: 'lw-row' });
  const message = el('p', { class: 'lw-error', role: 'alert' });
  const detail = el('div', { class: 'lw-detail' });
  root.append(
    el('div', { class: 'lw-controls' },
      el('label', {}, 'pooling: ', mode), el('label', {}, 'input x: ', sizes),
      el('label', {}, 'window ', window_, ' ', shownSize), el('label', {}, 'stride ', stride, ' ', shownStride), random),
    el('div', { class: 'lw-controls' },
      el('label', {}, toggle, ' as the notes wrote it: dx[argmax] = dy, assigning (erratum 15, max pooling)')),
    el('p', { class: 'lw-note' }, 'Edit x or ∂C/∂y; click an entry of the output y to see where its gradient goes. Stride below the window makes the windows overlap.'),
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
      draw(r);
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
      top.replaceChildren(editable(`input x (${n}×${n})`, s.x, n, 'x'), el('div'));
      bottom.replaceChildren(editable(`∂C/∂y (${m}×${m})`, s.dy, m, '∂C/∂y'), el('div'));
    }
    // The window of the picked output, on the input grid.
    top.firstChild.querySelectorAll('input').forEach((c, k) => c.classList.toggle('lw-window', inWindow(Math.floor(k / n), k % n)));
    top.lastChild.replaceWith(grid(`y = ${s.max ? 'max' : 'mean'} pool (${m}×${m})`, m, m, (i, j) => el('button', {
      type: 'button', class: `lw-cell${i === pi && j === pj ? ' lw-picked' : ''}`, 'aria-label': `y${sub(i + 1, j + 1)}`,
      onclick: () => { s.pick = { i, j }; update(); },
    }, num(r.y[i][j], `y.${i + 1}.${j + 1}`))));
    const wrong = [];
    bottom.lastChild.replaceWith(grid(`∂C/∂x${written ? ', assigning (erratum 15)' : ''} (${n}×${n})`, n, n, (i, j) => {
      const bad = written && dx[i][j] !== r.dx[i][j];
      if (bad) wrong.push([i, j]);
      const hit = target.has(`${i},${j}`);
      return el('div', {
        class: `lw-cell${hit ? ' lw-target' : ''}${bad ? ' lw-wrong' : ''}`,
        title: bad ? `accumulating gives ${fmt(r.dx[i][j])}` : null,
      }, num(dx[i][j], `dx.${i + 1}.${j + 1}`));
    }));
    const dy = s.dy[pi * m + pj];
    const lines = [el('p', { class: 'lw-note' },
      `y${sub(pi + 1, pj + 1)} is the ${s.max ? 'maximum' : 'mean'} of the yellow window (rows ${wr + 1}–${wr + size}, columns ${wc + 1}–${wc + size}). `,
      `Its gradient ∂C/∂y${sub(pi + 1, pj + 1)} = `, num(dy, 'picked-dy'),
      s.max ? ' goes whole to the maximum (blue):' : ` is shared equally, 1/${size * size} to each input (blue):`),
      el('div', { class: 'lw-terms' }, ...route.to.map(([a, b, v]) => el('span', {}, `x${sub(a + 1, b + 1)} += `, num(v, `route.${a + 1}.${b + 1}`), '  ')))];
    if (s.stride < s.size) lines.push(el('p', { class: 'lw-note' }, 'The windows overlap: an input in several windows adds up what each sends it.'));
    if (written) {
      lines.push(el('p', { class: 'lw-note lw-warn', 'data-key': 'erratum-note' }, wrong.length
        ? 'Assigning keeps only the last window\'s gradient where windows share a maximum, so the others are lost: '
          + wrong.map(([i, j]) => `x${sub(i + 1, j + 1)} gets ${fmt(dx[i][j])} instead of ${fmt(r.dx[i][j])}`).join('; ') + ' (red).'
        : 'No two windows share a maximum here, so assigning happens to give the right numbers; make the stride smaller than the window to see it fail.'));
    }
    detail.replaceChildren(...lines);
  }

  reshape(true);
});
