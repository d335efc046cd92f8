// Chapter 2's widget: the backward pass of a convolution layer, entry by
// entry (wasm/src/conv.rs computes every number; this file draws).
import { mount, call, timed, el, fmt, num, sub, parse, grid, labels, legend, keepingFocus } from './common.js';

// The labels, by the page's language (formulas and notation as they are).
const T = labels('conv', {
  en: {
    sizeA: 'size of the input a', sizeW: 'size of the kernel w', inputA: 'input a', kernelW: 'kernel w', colon: ': ',
    asWritten: ' as the notes wrote it (errata 8 and 13)',
    help: 'Edit any entry of a, w or δ = ∂C/∂z, where z = correlate_valid(a, w); click an entry of ∂C/∂a or ∂C/∂W to see how it is computed.',
    asWrittenCaption: ', as the notes wrote it',
    lostTitle: v => `lost: the correct value is ${v}`, correctTitle: v => `the correct value is ${v}`,
    lostDa: (c, t) => `∂C/∂a: ${c} of ${t} entries lost (dashed): without padding (erratum 8) only the interior is computed.`,
    wrongDw: (c, t) => `∂C/∂W: ${c} of ${t} entries wrong (red): convolve2d(δ, a) turns δ by 180° (erratum 13).`,
    fullDa: (lhs, s, p, i, j) => `${lhs} = full_convolve(δ, w)${s}: δ padded with ${p} ring${p > 1 ? 's' : ''} of zeros (grey), and rot180(w) laid on it with its corner at row ${i}, column ${j} (yellow; its entries in blue). The products that meet are the terms.`,
    padded: n => `δ padded (${n}×${n})`,
    lostNote: lhs => `The notes' δ ⋆ rot180(w) without padding has no entry for ${lhs}: rot180(w) slides only inside δ, so ${lhs} = `,
    lostEnd: ' is lost (erratum 8).',
    writtenDa: (i, j, lhs) => `As the notes wrote it: rot180(w) slides over δ without padding; its position (${i}, ${j}) stands for ${lhs}. Inside, the numbers agree; the border is lost.`,
    notPadded: m => `δ, not padded (${m}×${m})`,
    writtenDw: (i, j, v) => `As the notes' code computed it, convolve2d(δ, a): δ turned by 180° (blue) slides over a; at (${i}, ${j}) the products are wrong partners. The correct value is ${v}.`,
    correctDw: (lhs, s, i, j) => `${lhs} = correlate_valid(a, δ)${s}: δ (blue) laid on a with its corner at row ${i}, column ${j}; each δᵢⱼ meets the input that w${s} multiplied in zᵢⱼ.`,
    onA: (n, top) => `a (${n}×${n}) with ${top} on it`,
  },
  zh: {
    sizeA: '输入 a 的大小', sizeW: '卷积核 w 的大小', inputA: '输入 a', kernelW: '卷积核 w', colon: '：',
    asWritten: ' 按原笔记的写法（勘误 8 和 13）',
    help: '可修改 a、w 或 δ = ∂C/∂z 的任一元素（其中 z = correlate_valid(a, w)）；点击 ∂C/∂a 或 ∂C/∂W 的某个元素，看它是怎样算出来的。',
    asWrittenCaption: '，按原笔记的写法',
    lostTitle: v => `丢失：正确值为 ${v}`, correctTitle: v => `正确值为 ${v}`,
    lostDa: (c, t) => `∂C/∂a：${t} 个元素中丢失了 ${c} 个（虚线）：不补零（勘误 8）只能算出内部。`,
    wrongDw: (c, t) => `∂C/∂W：${t} 个元素中错了 ${c} 个（红色）：convolve2d(δ, a) 把 δ 旋转了 180°（勘误 13）。`,
    fullDa: (lhs, s, p, i, j) => `${lhs} = full_convolve(δ, w)${s}：δ 四周补 ${p} 圈零（灰色），rot180(w) 放在上面，左上角位于第 ${i} 行、第 ${j} 列（黄色；它的元素为蓝色）。重合处的乘积就是各项。`,
    padded: n => `补零后的 δ (${n}×${n})`,
    lostNote: lhs => `原笔记不补零的 δ ⋆ rot180(w) 没有 ${lhs} 这个元素：rot180(w) 只在 δ 内部滑动，所以 ${lhs} = `,
    lostEnd: ' 丢失了（勘误 8）。',
    writtenDa: (i, j, lhs) => `按原笔记的写法：rot180(w) 在未补零的 δ 上滑动；它的位置 (${i}, ${j}) 对应 ${lhs}。内部的数值一致，边缘丢失。`,
    notPadded: m => `未补零的 δ (${m}×${m})`,
    writtenDw: (i, j, v) => `按原笔记代码的算法 convolve2d(δ, a)：旋转 180° 的 δ（蓝色）在 a 上滑动；在 (${i}, ${j}) 处相乘的元素配错了对。正确值为 ${v}。`,
    correctDw: (lhs, s, i, j) => `${lhs} = correlate_valid(a, δ)${s}：δ（蓝色）放在 a 上，左上角位于第 ${i} 行、第 ${j} 列；每个 δᵢⱼ 遇到的正是 zᵢⱼ 中与 w${s} 相乘的那个输入。`,
    onA: (n, top) => `a (${n}×${n})，上面放着 ${top}`,
  },
});

mount('conv', (root, lenet) => {
  const s = { h: 3, k: 2, a: [], w: [], d: [], written: false, pick: { of: 'da', i: 1, j: 1 } };
  const sizes = el('select', { 'aria-label': T.sizeA, 'data-control': 'size-a', onchange: () => reshape() },
    ...[3, 4, 5, 6].map(n => el('option', { value: n }, `${n}×${n}`)));
  const ksizes = el('select', { 'aria-label': T.sizeW, 'data-control': 'size-w', onchange: () => reshape() },
    ...[2, 3].map(n => el('option', { value: n }, `${n}×${n}`)));
  const toggle = el('input', { type: 'checkbox', class: 'lw-erratum', onchange: () => { s.written = toggle.checked; update(); } });
  const inputs = el('div', { class: 'lw-row' });
  const outputs = el('div', { class: 'lw-row' });
  const detail = el('div', { class: 'lw-detail' });
  const message = el('p', { class: 'lw-error', role: 'alert' });
  root.append(
    el('div', { class: 'lw-controls' },
      el('label', {}, T.inputA + T.colon, sizes), el('label', {}, T.kernelW + T.colon, ksizes),
      el('label', {}, toggle, T.asWritten)),
    el('p', { class: 'lw-note' }, T.help), legend(),
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
    inputs.replaceChildren(editable(T.inputA, s.a, s.h, 'a'), editable(T.kernelW, s.w, s.k, 'w'),
      editable('δ = ∂C/∂z', s.d, m, 'δ'));
  }

  function update() {
    timed('conv', () => {
      let r;
      try {
        r = call(lenet.conv_backward, new Float64Array(s.a), s.h, new Float64Array(s.w), s.k, new Float64Array(s.d), s.pick.of, s.pick.i, s.pick.j);
      } catch (e) { message.textContent = e.message; return; }
      message.textContent = '';
      keepingFocus(root, () => draw(r));
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
    const g = grid(`∂C/∂${name}${s.written ? T.asWrittenCaption : ''}`, n, n, (i, j) => {
      const v = shown(r, i, j);
      const picked = s.pick.of === of && s.pick.i === i && s.pick.j === j;
      const wrong = v.lost || v.value !== correct[i][j];
      if (wrong) changed++;
      const cls = `lw-cell${picked ? ' lw-picked' : ''}${v.lost ? ' lw-lost' : wrong ? ' lw-wrong' : ''}`;
      return el('button', {
        class: cls, type: 'button', 'aria-label': `∂C/∂${name}${sub(i + 1, j + 1)}`, 'data-cell': `${of}.${i + 1}.${j + 1}`,
        title: v.lost ? T.lostTitle(fmt(correct[i][j])) : wrong ? T.correctTitle(fmt(correct[i][j])) : null,
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
        el('div', { 'data-key': 'lost-da' }, T.lostDa(da.changed, n * n)),
        el('div', { 'data-key': 'wrong-dw' }, T.wrongDw(dw.changed, k * k))));
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
        el('p', { class: 'lw-note' }, T.fullDa(lhs, sub(i + 1, j + 1), k - 1, i + 1, j + 1)),
        el('div', { class: 'lw-row' }, overlay(T.padded(m + 2 * (k - 1)), r.padded, r.rot, i, j, padZero),
          grid('rot180(w)', k, k, (p, q) => el('div', { class: 'lw-cell' }, num(r.rot[p][q], `rot.${p + 1}.${q + 1}`)))),
        terms(r.pick.correct), formula(lhs, r.pick.correct)];
    }
    const v = shownDa(r, i, j);
    if (v.lost) {
      return [el('p', { class: 'lw-note lw-warn', 'data-key': 'lost-note' },
        T.lostNote(lhs), num(r.da[i][j], 'lost-value'), T.lostEnd)];
    }
    const o = k - 1;
    return [
      el('p', { class: 'lw-note' }, T.writtenDa(i - o + 1, j - o + 1, lhs)),
      el('div', { class: 'lw-row' }, overlay(T.notPadded(m), r.padded.slice(o, o + m).map(row => row.slice(o, o + m)), r.rot, i - o, j - o)),
      terms(r.pick.written), formula(lhs, r.pick.written)];
  }

  function detailDw(r, n, k, m) {
    const { i, j } = s.pick, lhs = `∂C/∂w${sub(i + 1, j + 1)}`;
    const entry = s.written ? r.pick.written : r.pick.correct;
    const top = s.written ? r.rot_delta : r.padded.slice(k - 1, k - 1 + m).map(row => row.slice(k - 1, k - 1 + m));
    return [
      el('p', { class: s.written ? 'lw-note lw-warn' : 'lw-note' }, s.written
        ? T.writtenDw(i + 1, j + 1, fmt(r.dw[i][j]))
        : T.correctDw(lhs, sub(i + 1, j + 1), i + 1, j + 1)),
      el('div', { class: 'lw-row' }, overlay(T.onA(n, s.written ? 'rot180(δ)' : 'δ'), toRows(s.a, n), top, i, j)),
      terms(entry), formula(lhs, entry)];
  }

  function toRows(flat, n) { return Array.from({ length: n }, (_, i) => flat.slice(i * n, i * n + n)); }

  reshape();
});
