// Chapter 2's widget: the backward pass of a convolution layer, entry by
// entry (wasm/src/conv.rs computes every number; this file draws).
import { mount, call, timed, el, fmt, num, sub, parse, grid } from './common.js';

mount('conv', (root, lenet) => {
  const s = { h: 3, k: 2, a: [], w: [], d: [], written: false, pick: { of: 'da', i: 1, j: 1 } };
  const sizes = el('select', { 'aria-label': 'size of the input a', onchange: () => reshape() },
    ...[3, 4, 5, 6].map(n => el('option', { value: n }, `${n}×${n}`)));
  const ksizes = el('select', { 'aria-label': 'size of the kernel w', onchange: () => reshape() },
    ...[2, 3].map(n => el('option', { value: n }, `${n}×${n}`)));
  const toggle = el('input', { type: 'checkbox', class: 'lw-erratum', onchange: () => { s.written = toggle.checked; update(); } });
  const inputs = el('div', { class: 'lw-row' });
  const outputs = el('div', { class: 'lw-row' });
  const detail = el('div', { class: 'lw-detail' });
  const message = el('p', { class: 'lw-error', role: 'alert' });
  root.append(
    el('div', { class: 'lw-controls' },
      el('label', {}, 'input a: ', sizes), el('label', {}, 'kernel w: ', ksizes),
      el('label', {}, toggle, ' as the notes wrote it (errata 8 and 13)')),
    el('p', { class: 'lw-note' }, 'Edit any entry of a, w or δ = ∂C/∂z, where z = correlate_valid(a, w); click an entry of ∂C/∂a or ∂C/∂W to see how it is computed.'),
    inputs, message, outputs, detail);

  function reshape() {
    s.h = +sizes.value; s.k = +ksizes.value;
    if (s.k > s.h) { s.k = 2; ksizes.value = '2'; }
    const d = call(lenet.conv_defaults, s.h, s.k);
    [s.a, s.w, s.d] = [d.a.flat(), d.w.flat(), d.delta.flat()];
    s.pick = { of: 'da', i: Math.min(1, s.h - 1), j: Math.min(1, s.h - 1) };
    drawInputs();
    update();
  }

  function editable(name, arr, n, sym) {
    return grid(`${name} (${n}×${n})`, n, n, (i, j) => el('input', {
      class: 'lw-cell', value: fmt(arr[i * n + j]), 'data-key': `${sym}.${i + 1}.${j + 1}`,
      'aria-label': `${sym}${sub(i + 1, j + 1)}`, inputmode: 'decimal',
      oninput: e => {
        const v = parse(e.target.value);
        e.target.classList.toggle('lw-wrong', v === null);
        if (v !== null) { arr[i * n + j] = v; update(); }
      },
    }));
  }

  function drawInputs() {
    const m = s.h - s.k + 1;
    inputs.replaceChildren(editable('input a', s.a, s.h, 'a'), editable('kernel w', s.w, s.k, 'w'),
      editable('δ = ∂C/∂z', s.d, m, 'δ'));
  }

  function update() {
    timed('conv', () => {
      let r;
      try {
        r = call(lenet.conv_backward, new Float64Array(s.a), s.h, new Float64Array(s.w), s.k, new Float64Array(s.d), s.pick.of, s.pick.i, s.pick.j);
      } catch (e) { message.textContent = e.message; return; }
      message.textContent = '';
      draw(r);
    });
  }

  // What ∂C/∂a (or ∂C/∂W) shows at (i, j): the correct value, or the notes'.
  function shownDa(r, i, j) {
    if (!s.written) return { value: r.da[i][j] };
    const o = r.written.da_offset, wr = r.written.da;
    const ii = i - o, jj = j - o;
    if (!wr || ii < 0 || jj < 0 || ii >= wr.length || jj >= wr[0].length) return { lost: true };
    return { value: wr[ii][jj] };
  }
  function shownDw(r, i, j) {
    return { value: (s.written ? r.written.dw : r.dw)[i][j] };
  }

  function outputGrid(r, of, n, shown, correct) {
    const name = of === 'da' ? 'a' : 'W';
    let changed = 0;
    const g = grid(`∂C/∂${name}${s.written ? ', as the notes wrote it' : ''}`, n, n, (i, j) => {
      const v = shown(r, i, j);
      const picked = s.pick.of === of && s.pick.i === i && s.pick.j === j;
      const wrong = v.lost || v.value !== correct[i][j];
      if (wrong) changed++;
      const cls = `lw-cell${picked ? ' lw-picked' : ''}${v.lost ? ' lw-lost' : wrong ? ' lw-wrong' : ''}`;
      return el('button', {
        class: cls, type: 'button', 'aria-label': `∂C/∂${name}${sub(i + 1, j + 1)}`,
        title: v.lost ? `lost: the correct value is ${fmt(correct[i][j])}` : wrong ? `the correct value is ${fmt(correct[i][j])}` : null,
        onclick: () => { s.pick = { of, i, j }; update(); },
      }, v.lost ? el('span', { class: 'lw-num', 'data-key': `${of}.${i + 1}.${j + 1}`, 'data-value': 'lost' }, '—')
        : num(v.value, `${of}.${i + 1}.${j + 1}`));
    });
    return { g, changed };
  }

  function draw(r) {
    const n = s.h, k = s.k, m = n - k + 1;
    const da = outputGrid(r, 'da', n, shownDa, r.da);
    const dw = outputGrid(r, 'dw', k, shownDw, r.dw);
    outputs.replaceChildren(da.g, dw.g);
    if (s.written) {
      outputs.append(el('div', { class: 'lw-note lw-warn', style: 'max-width: 300px' },
        el('div', { 'data-key': 'lost-da' }, `∂C/∂a: ${da.changed} of ${n * n} entries lost (dashed): without padding (erratum 8) only the interior is computed.`),
        el('div', { 'data-key': 'wrong-dw' }, `∂C/∂W: ${dw.changed} of ${k * k} entries wrong (red): convolve2d(δ, a) turns δ by 180° (erratum 13).`)));
    }
    detail.replaceChildren(...(s.pick.of === 'da' ? detailDa(r, n, k, m) : detailDw(r, n, k, m)));
  }

  // One term line per product: δ₁₁·w₂₂ = 1 × 4 = 4.
  function terms(entry) {
    return el('div', { class: 'lw-terms' }, ...entry.terms.map((t, n) => el('div', {},
      `${t.coefficient === 1 ? '' : t.coefficient + '·'}${t.factors.join('·')} = `,
      ...t.values.flatMap((v, f) => [f ? ' × ' : '', num(v, `term.${n + 1}.${f + 1}`)]), ' = ',
      num(t.product, `term.${n + 1}`))));
  }
  function formula(lhs, entry) {
    return el('p', { class: 'lw-formula' }, `${lhs} = `, el('span', { 'data-key': 'formula' }, entry.formula),
      ' = ', el('strong', {}, num(entry.value, 'formula-value')));
  }
  // A matrix with a window laid on it: cells inside show the kernel's entry small.
  function overlay(label, base, top, r0, c0, zeroFrom) {
    const rows = base.length, cols = base[0].length, th = top.length, tw = top[0].length;
    return grid(label, rows, cols, (i, j) => {
      const inside = i >= r0 && i < r0 + th && j >= c0 && j < c0 + tw;
      const zero = zeroFrom && zeroFrom(i, j);
      return el('div', { class: `lw-cell${inside ? ' lw-window' : ''}${zero && !inside ? ' lw-zero' : ''}` },
        num(base[i][j], `base.${i + 1}.${j + 1}`),
        inside ? num(top[i - r0][j - c0], `top.${i - r0 + 1}.${j - c0 + 1}`, 3, { class: 'lw-num lw-corner' }) : null);
    }, { class: 'lw-grid lw-tall' });
  }

  function detailDa(r, n, k, m) {
    const { i, j } = s.pick, lhs = `∂C/∂a${sub(i + 1, j + 1)}`;
    if (!s.written) {
      const padZero = (p, q) => p < k - 1 || q < k - 1 || p >= k - 1 + m || q >= k - 1 + m;
      return [
        el('p', { class: 'lw-note' }, `${lhs} = full_convolve(δ, w)${sub(i + 1, j + 1)}: δ padded with ${k - 1} ring${k > 2 ? 's' : ''} of zeros (grey), and rot180(w) laid on it with its corner at row ${i + 1}, column ${j + 1} (yellow; its entries in blue). The products that meet are the terms.`),
        el('div', { class: 'lw-row' }, overlay(`δ padded (${m + 2 * (k - 1)}×${m + 2 * (k - 1)})`, r.padded, r.rot, i, j, padZero),
          grid('rot180(w)', k, k, (p, q) => el('div', { class: 'lw-cell' }, num(r.rot[p][q], `rot.${p + 1}.${q + 1}`)))),
        terms(r.pick.correct), formula(lhs, r.pick.correct)];
    }
    const v = shownDa(r, i, j);
    if (v.lost) {
      return [el('p', { class: 'lw-note lw-warn', 'data-key': 'lost-note' },
        `The notes' δ ⋆ rot180(w) without padding has no entry for ${lhs}: rot180(w) slides only inside δ, so ${lhs} = `,
        num(r.da[i][j], 'lost-value'), ' is lost (erratum 8).')];
    }
    const o = k - 1;
    return [
      el('p', { class: 'lw-note' }, `As the notes wrote it: rot180(w) slides over δ without padding; its position (${i - o + 1}, ${j - o + 1}) stands for ${lhs}. Inside, the numbers agree; the border is lost.`),
      el('div', { class: 'lw-row' }, overlay(`δ, not padded (${m}×${m})`, r.padded.slice(o, o + m).map(row => row.slice(o, o + m)), r.rot, i - o, j - o)),
      terms(r.pick.written), formula(lhs, r.pick.written)];
  }

  function detailDw(r, n, k, m) {
    const { i, j } = s.pick, lhs = `∂C/∂w${sub(i + 1, j + 1)}`;
    const entry = s.written ? r.pick.written : r.pick.correct;
    const top = s.written ? r.rot_delta : r.padded.slice(k - 1, k - 1 + m).map(row => row.slice(k - 1, k - 1 + m));
    return [
      el('p', { class: s.written ? 'lw-note lw-warn' : 'lw-note' }, s.written
        ? `As the notes' code computed it, convolve2d(δ, a): δ turned by 180° (blue) slides over a; at (${i + 1}, ${j + 1}) the products are wrong partners. The correct value is ${fmt(r.dw[i][j])}.`
        : `${lhs} = correlate_valid(a, δ)${sub(i + 1, j + 1)}: δ (blue) laid on a with its corner at row ${i + 1}, column ${j + 1}; each δᵢⱼ meets the input that w${sub(i + 1, j + 1)} multiplied in zᵢⱼ.`),
      el('div', { class: 'lw-row' }, overlay(`a (${n}×${n}) with ${s.written ? 'rot180(δ)' : 'δ'} on it`, toRows(s.a, n), top, i, j)),
      terms(entry), formula(lhs, entry)];
  }

  function toRows(flat, n) { return Array.from({ length: n }, (_, i) => flat.slice(i * n, i * n + n)); }

  reshape();
});
