// cnn-explain page script: the explorer of a trace embedded as JSON (#cnn-data).
//
// - Every recorded number is a button; choosing it opens its derivation (the text `explain` prints,
//   computed by the engine when the page was written) and the value recomputed in this page.
// - Hovering or focusing a cell outlines what it came from: a conv patch and its feature, a pooling
//   window and its winner, a vote's weighted inputs, a ReLU's input.
// - Players slide the window of every conv and pooling layer, filling the map cell by cell.
// - What-if: flip an input value; the page recomputes the forward pass and marks what changed.
// - On load the page's forward pass is checked against the trace (to 1e-12).
// - With #selftest in the address, the page checks itself and writes
//   "selftest: N passed, M failed" into #selftest.
'use strict';

(function () {
  const TOLERANCE = 1e-12;
  let uncaught = 0;
  window.addEventListener('error', () => { uncaught += 1; });
  window.addEventListener('unhandledrejection', () => { uncaught += 1; });

  const dataElement = document.getElementById('cnn-data');
  const selftestMode = location.hash === '#selftest';
  const reducedMotion = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;

  // ---------- numbers ----------

  function num(v) { return typeof v === 'number' ? v : Number(v); }

  /** Writes x as the page's number style does (the engine's formatNumber), with a true minus sign. */
  function fmt(x, D) {
    if (Number.isNaN(x)) return 'NaN';
    if (!Number.isFinite(x)) return x < 0 ? '\u2212\u221e' : '\u221e';
    const d = D.decimals;
    let t;
    if (D.numberKind === 'rounded') {
      t = x.toFixed(d);
    } else if (D.numberKind === 'truncated') {
      const f = Math.pow(10, d), s = x * f;
      const nudged = s + (s >= 0 ? 1 : -1) * Math.max(Math.abs(s), 1) * 1e-9;
      t = (Math.trunc(nudged) / f).toFixed(d);
    } else {
      t = String(x);
    }
    if (t[0] !== '-') return t;
    const body = t.slice(1);
    return /^[0.]*$/.test(body) ? body : '\u2212' + body;
  }

  /** Whole numbers plainly ("−1"), anything else as fmt does (the engine's formatCount). */
  function fmtCount(x, D) {
    return Number.isInteger(x) && Math.abs(x) < 1e15 ? fmt(x, { numberKind: 'rounded', decimals: 0 }) : fmt(x, D);
  }

  function close(a, b, rtol, atol) {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    return Math.abs(a - b) <= atol + rtol * Math.abs(b);
  }

  function indexText(shape, k) {
    const idx = [];
    for (let d = shape.length - 1; d >= 0; d--) { idx.unshift(k % shape[d]); k = Math.floor(k / shape[d]); }
    return '[' + idx.join(',') + ']';
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  }

  // ---------- the engine's layers, as the trace's model describes them ----------

  /** The forward pass of the model on input x (a Float64Array in [C, H, W] order). */
  function forward(D, params, x) {
    const outs = {};
    let cur = x;
    for (const L of D.layers) {
      if (!LAYERS[L.type]) break; // a layer type this page does not recompute: stop here
      cur = LAYERS[L.type](L, params, cur);
      outs[L.name] = cur;
    }
    return outs;
  }

  const LAYERS = {
    conv(L, P, x) {
      const [C, H, W] = L.inputShape, [F, OH, OW] = L.outputShape;
      const y = new Float64Array(F * OH * OW);
      for (let o = 0; o < F; o++) {
        for (let i = 0; i < OH; i++) {
          for (let j = 0; j < OW; j++) y[(o * OH + i) * OW + j] = convCell(L, P, x, o, i, j).value;
        }
      }
      return y;
    },
    relu(L, P, x) { return x.map((v) => (v > 0 ? v : 0)); },
    leaky_relu(L, P, x) { return x.map((v) => (v > 0 ? v : L.slope * v)); },
    sigmoid(L, P, x) { return x.map((v) => 1 / (1 + Math.exp(-v))); },
    tanh(L, P, x) { return x.map(Math.tanh); },
    flatten(L, P, x) { return Float64Array.from(x); },
    softmax(L, P, x) {
      const m = Math.max(...x), e = x.map((v) => Math.exp(v - m)), sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    },
    log_softmax(L, P, x) {
      const m = Math.max(...x), lse = m + Math.log(x.reduce((a, v) => a + Math.exp(v - m), 0));
      return x.map((v) => v - lse);
    },
    global_avgpool(L, P, x) {
      const [C, H, W] = L.inputShape, y = new Float64Array(C);
      for (let c = 0; c < C; c++) { let s = 0; for (let k = 0; k < H * W; k++) s += x[c * H * W + k]; y[c] = s / (H * W); }
      return y;
    },
    maxpool(L, P, x) {
      const [C, OH, OW] = L.outputShape;
      const y = new Float64Array(C * OH * OW);
      for (let c = 0; c < C; c++) {
        for (let i = 0; i < OH; i++) {
          for (let j = 0; j < OW; j++) y[(c * OH + i) * OW + j] = poolCell(L, x, c, i, j).value;
        }
      }
      return y;
    },
    avgpool(L, P, x) {
      const [C, OH, OW] = L.outputShape;
      const y = new Float64Array(C * OH * OW);
      for (let c = 0; c < C; c++) {
        for (let i = 0; i < OH; i++) {
          for (let j = 0; j < OW; j++) y[(c * OH + i) * OW + j] = avgCell(L, x, c, i, j).value;
        }
      }
      return y;
    },
    /** The engine's BatchNormGeometry for one sample: per channel, the batch's mean and biased
     *  variance (train) or the running ones (eval), then (x − mean) · invstd · weight + bias. */
    batchnorm(L, P, x) {
      const C = L.inputShape[0], area = x.length / C, y = new Float64Array(x.length);
      const w = P[L.name + '.weight'], b = P[L.name + '.bias'];
      for (let c = 0; c < C; c++) {
        let mu = P[L.name + '.running_mean'][c], v = P[L.name + '.running_var'][c];
        if (L.mode === 'train') {
          let sum = 0;
          for (let q = 0; q < area; q++) sum += x[c * area + q];
          mu = sum / area;
          let sq = 0;
          for (let q = 0; q < area; q++) { const d = x[c * area + q] - mu; sq += d * d; }
          v = sq / area;
        }
        const inv = 1 / Math.sqrt(v + L.eps);
        for (let q = 0; q < area; q++) y[c * area + q] = (x[c * area + q] - mu) * inv * w[c] + b[c];
      }
      return y;
    },
    /** Train mode multiplies by the traced mask (1/(1 − p) or 0); eval mode passes the values on. */
    dropout(L, P, x) {
      if (L.mode !== 'train') return Float64Array.from(x);
      const mask = P[L.name + '.mask'];
      return x.map((v, k) => v * mask[k]);
    },
    dense(L, P, x) {
      const U = L.outputShape[0];
      const y = new Float64Array(U);
      for (let u = 0; u < U; u++) y[u] = denseCell(L, P, x, u).value;
      return y;
    },
  };

  /** One conv output: its products (per channel and kernel cell), their sum, divisor and bias. */
  function convCell(L, P, x, o, i, j) {
    const [C, H, W] = L.inputShape, [kh, kw] = L.kernel, s = L.stride, [top, left] = L.pad, d = L.dilation || 1;
    const w = P[L.name + '.weight'], b = P[L.name + '.bias'];
    const terms = [];
    let sum = 0;
    for (let c = 0; c < C; c++) {
      for (let a = 0; a < kh; a++) {
        for (let bb = 0; bb < kw; bb++) {
          const yy = i * s + a * d - top, xx = j * s + bb * d - left;
          const inside = yy >= 0 && yy < H && xx >= 0 && xx < W;
          const wi = ((o * C + c) * kh + a) * kw + bb, xi = (c * H + yy) * W + xx;
          const xv = inside ? x[xi] : 0;
          const prod = w[wi] * xv;
          sum += prod;
          terms.push({ w: w[wi], x: xv, p: prod, wi, xi: inside ? xi : -1 });
        }
      }
    }
    const bias = b ? b[o] : 0;
    return { terms, sum, bias, value: sum / L.divisor + bias };
  }

  /** One pooled output: its window (the engine's PoolWindows) and the first maximum in it. */
  function poolCell(L, x, c, i, j) {
    const [C, H, W] = L.inputShape;
    const [r0, r1] = L.rows[i], [c0, c1] = L.cols[j];
    let best = x[(c * H + r0) * W + c0], at = (c * H + r0) * W + c0;
    const cells = [];
    for (let yy = r0; yy < r1; yy++) {
      for (let xx = c0; xx < c1; xx++) {
        const k = (c * H + yy) * W + xx, v = x[k];
        cells.push(k);
        if (v > best || (Number.isNaN(v) && !Number.isNaN(best))) { best = v; at = k; }
      }
    }
    return { cells, winner: at, value: best };
  }

  /** One average-pooled output: its window (the engine's PoolWindows), the sum and the engine's divisor. */
  function avgCell(L, x, c, i, j) {
    const [C, H, W] = L.inputShape, OW = L.outputShape[2];
    const [r0, r1] = L.rows[i], [c0, c1] = L.cols[j], divisor = L.divisors[i * OW + j];
    let sum = 0;
    const cells = [];
    for (let yy = r0; yy < r1; yy++) {
      for (let xx = c0; xx < c1; xx++) { const k = (c * H + yy) * W + xx; cells.push(k); sum += x[k]; }
    }
    return { cells, sum, divisor, winner: null, value: sum / divisor };
  }

  function denseCell(L, P, x, u) {
    const w = P[L.name + '.weight'], b = P[L.name + '.bias'], K = x.length;
    let sum = 0;
    const terms = [];
    for (let k = 0; k < K; k++) {
      const prod = w[u * K + k] * x[k];
      sum += prod;
      terms.push({ w: w[u * K + k], x: x[k], p: prod, k });
    }
    return { terms, sum, value: sum + (b ? b[u] : 0) };
  }

  // ---------- the page ----------

  /** The explorer's data: JSON, deflated and base64-encoded when data-encoding says so. */
  async function loadData() {
    const text = dataElement.textContent.trim();
    if (dataElement.dataset.encoding !== 'deflate-raw+base64') return JSON.parse(text);
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
    return JSON.parse(await new Response(stream).text());
  }

  async function start() {
    if (!dataElement) { lessonOnly(); return; }
    let D;
    try {
      D = await loadData();
    } catch (e) {
      document.getElementById('load-check').textContent = 'This browser cannot unpack the page\u2019s data (' + e + '); the lesson above still reads.';
      throw e;
    }
    const S = buildState(D);
    renderGrids(S);
    renderWhatIf(S);
    renderPlayers(S);
    setupPanel(S);
    setupFigureTargets(S);
    loadCheck(S);
    if (selftestMode) setTimeout(() => finishSelftest(S), 0);
  }

  /** A page without a trace (a lesson whose experiment traces nothing): the numbers its figures
   *  work out still open their derivations, and the self-test checks them and every figure's numbers. */
  function lessonOnly() {
    const S = { D: { name: null, layers: [], numberKind: 'rounded', decimals: 2 }, byKey: {}, records: [], lessonOnly: true };
    const panel = document.getElementById('panel');
    document.getElementById('panel-close').addEventListener('click', () => { panel.hidden = true; });
    document.addEventListener('keydown', (e) => { if (e.key === 'Escape') panel.hidden = true; });
    setupFigureTargets(S);
    if (selftestMode) setTimeout(() => finishSelftest(S), 0);
  }

  function buildState(D) {
    const records = D.records.map((r) => Object.assign({}, r, { data: Float64Array.from(r.data.map(num)), key: r.layer + '.' + r.role }));
    const byKey = {};
    for (const r of records) byKey[r.key] = r;
    const params = {};
    // Weights, biases, batchnorm's running statistics and dropout's mask: what the layers read besides their input.
    for (const r of records) if (r.pass === 'forward' && r.role !== 'input' && r.role !== 'output') params[r.key] = r.data;
    // Records of other traces that the lesson's figures show numbers of, keyed "trace:layer.role".
    for (const f of D.figureRecords || []) {
      const r = Object.assign({}, f, { data: Float64Array.from(f.data.map(num)), key: f.trace + ':' + f.layer + '.' + f.role });
      byKey[r.key] = r;
    }
    const first = D.layers[0];
    const input = byKey[first.name + '.input'];
    const S = {
      D, records, byKey, params, cells: {}, original: input ? Float64Array.from(input.data) : null,
      current: input ? Float64Array.from(input.data) : null, outputs: null, flipMode: false, players: [],
    };
    S.inputKey = (i) => (i === 0 ? first.name + '.input' : D.layers[i - 1].name + '.output');
    S.outputs = S.current ? forward(D, params, S.current) : {};
    return S;
  }

  // ---------- grids: every number a button ----------

  function planes(shape) {
    if (shape.length === 0) return { count: 1, rows: 1, cols: 1 };
    if (shape.length === 1) return { count: 1, rows: 1, cols: shape[0] };
    const rows = shape[shape.length - 2], cols = shape[shape.length - 1];
    return { count: shape.slice(0, -2).reduce((a, b) => a * b, 1), rows, cols };
  }

  function describe(r) {
    const words = {
      input: 'the input', weight: 'weights', bias: 'biases', output: 'output', grad_output: 'gradient at the output',
      grad_input: 'gradient at the input', grad_weight: 'gradient of the weights', grad_bias: 'gradient of the biases',
    };
    const shape = r.shape.length ? ' (' + r.shape.join('×') + ')' : '';
    return r.layer === 'loss' ? 'the loss' : r.layer + ' · ' + (words[r.role] || r.role) + shape;
  }

  function renderGrids(S) {
    const host = document.getElementById('grids');
    for (const pass of ['forward', 'backward']) {
      const recs = S.records.filter((r) => r.pass === pass);
      if (!recs.length) continue;
      host.append(el('h3', { text: pass === 'forward' ? 'Forward pass' : 'Backward pass: the chain rule, layer by layer' }));
      for (const r of recs) host.append(gridBlock(S, r));
    }
  }

  function gridBlock(S, r) {
    const block = el('section', { class: 'grid-block ' + r.pass, id: 'rec-' + r.key.replace('.', '-') });
    block.append(el('h4', { text: describe(r) }));
    const pl = planes(r.shape), scale = Math.max(1e-300, ...Array.from(r.data).map((v) => (Number.isFinite(v) ? Math.abs(v) : 0)));
    const image = r.role === 'input' && Array.from(r.data).every((v) => v >= -1 && v <= 1);
    const row = el('div', { class: 'planes' });
    S.cells[r.key] = [];
    for (let p = 0; p < pl.count; p++) {
      const g = el('div', { class: 'grid', role: 'grid', 'aria-label': describe(r) + (pl.count > 1 ? ', part ' + (p + 1) : '') });
      g.style.gridTemplateColumns = columns(pl.cols, '--cell', r, 0.72);
      for (let k = p * pl.rows * pl.cols; k < (p + 1) * pl.rows * pl.cols; k++) {
        const b = el('button', { type: 'button', class: 'cell', tabindex: k === p * pl.rows * pl.cols ? '0' : '-1' });
        b.dataset.key = r.key;
        b.dataset.k = String(k);
        b.dataset.v = String(r.data[k]);
        paint(b, r.data[k], r.shown[k], scale, image, r, k);
        S.cells[r.key][k] = b;
        g.append(b);
      }
      g.addEventListener('keydown', (e) => moveFocus(e, g, pl.cols));
      const label = pl.count > 1 ? el('div', { class: 'plane-label', text: planeName(r, p) }) : '';
      row.append(el('div', { class: 'plane' }, label, g));
    }
    block.append(row);
    return block;
  }

  function planeName(r, p) {
    if ((r.role === 'weight' || r.role === 'grad_weight') && r.shape.length === 4) {
      const C = r.shape[1];
      return 'feature ' + (Math.floor(p / C) + 1) + (C > 1 ? ', channel ' + ((p % C) + 1) : '');
    }
    return (r.role === 'input' ? 'channel ' : 'map ') + (p + 1);
  }

  /** Colour by sign and size; negatives hatched and signed "−" so they read in grayscale. */
  function paint(b, v, shown, scale, image, r, k) {
    b.textContent = shown;
    b.setAttribute('aria-label', r.key + indexText(r.shape, k) + ' = ' + shown);
    b.classList.toggle('neg', v < 0 && !image);
    b.classList.toggle('img', image);
    const t = Math.min(1, Math.abs(v) / scale);
    if (image) {
      const g = Math.round(((Math.max(-1, Math.min(1, v)) + 1) / 2) * 255);
      b.style.background = 'rgb(' + g + ',' + g + ',' + g + ')';
      b.style.color = g < 128 ? '#fff' : '#000';
    } else {
      b.style.setProperty('--t', t.toFixed(3));
      b.classList.toggle('dark', v > 0 && t > 0.55);
    }
  }

  function moveFocus(e, grid, cols) {
    const cells = Array.from(grid.children), i = cells.indexOf(document.activeElement);
    if (i < 0) return;
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: cols, ArrowUp: -cols, Home: -i, End: cells.length - 1 - i };
    if (!(e.key in moves)) return;
    const j = i + moves[e.key];
    if (j < 0 || j >= cells.length) return;
    e.preventDefault();
    cells[i].tabIndex = -1;
    cells[j].tabIndex = 0;
    cells[j].focus();
  }

  // ---------- what comes from where: outlines on hover and focus ----------

  function related(S, key, k) {
    const D = S.D, [layer, role] = key.split('.');
    const li = D.layers.findIndex((L) => L.name === layer);
    const L = D.layers[li];
    if (L && role !== 'output') return { cells: L ? chainTerms(S, li, role, k) : [], winner: null };
    if (!L) return { cells: [], winner: null };
    const inKey = S.inputKey(li), x = S.current ? currentValues(S, inKey) : null;
    if (!x) return { cells: [], winner: null };
    const out = [];
    if (L.type === 'conv') {
      const [F, OH, OW] = L.outputShape, o = Math.floor(k / (OH * OW)), i = Math.floor(k / OW) % OH, j = k % OW;
      for (const t of convCell(L, S.params, x, o, i, j).terms) {
        if (t.xi >= 0) out.push([inKey, t.xi]);
        out.push([layer + '.weight', t.wi]);
      }
    } else if (L.type === 'maxpool') {
      const [C, OH, OW] = L.outputShape, c = Math.floor(k / (OH * OW)), i = Math.floor(k / OW) % OH, j = k % OW;
      const cell = poolCell(L, x, c, i, j);
      for (const m of cell.cells) out.push([inKey, m]);
      return { cells: out, winner: [inKey, cell.winner] };
    } else if (L.type === 'dense') {
      const w = S.params[layer + '.weight'], K = x.length;
      for (let m = 0; m < K; m++) {
        if (w[k * K + m] !== 0) { out.push([inKey, m]); out.push([layer + '.weight', k * K + m]); }
      }
    } else if (L.type === 'avgpool') {
      const [C, OH, OW] = L.outputShape, c = Math.floor(k / (OH * OW)), i = Math.floor(k / OW) % OH, j = k % OW;
      for (const m of avgCell(L, x, c, i, j).cells) out.push([inKey, m]);
    } else if (L.type === 'batchnorm') {
      const c = Math.floor(k / (x.length / L.inputShape[0]));
      out.push([inKey, k], [layer + '.weight', c], [layer + '.bias', c]);
    } else if (L.type === 'dropout') {
      out.push([inKey, k]);
      if (L.mode === 'train') out.push([layer + '.mask', k]);
    } else if (L.type === 'global_avgpool') {
      const area = x.length / L.inputShape[0];
      for (let m = 0; m < area; m++) out.push([inKey, k * area + m]);
    } else if (L.type === 'softmax' || L.type === 'log_softmax') {
      for (let m = 0; m < x.length; m++) out.push([inKey, m]);
    } else {
      out.push([inKey, k]); // relu, leaky_relu, sigmoid, tanh, flatten: one input each
    }
    return { cells: out, winner: null };
  }

  /** The gradient flowing into layer li from above: the last layer's grad_output, else the next layer's grad_input. */
  function gradKey(S, li) {
    const Ls = S.D.layers;
    return li === Ls.length - 1 ? Ls[li].name + '.grad_output' : Ls[li + 1].name + '.grad_input';
  }

  /** The cells the chain rule sums for gradient element k of layer li (role grad_*), as [key, index]. */
  function chainTerms(S, li, role, k) {
    const L = S.D.layers[li], g = gradKey(S, li), inKey = S.inputKey(li), out = [];
    const [C, H, W] = L.inputShape, [F, OH, OW] = L.outputShape;
    if (role === 'grad_output') { out.push([L.name + '.output', k]); return out; }
    if (L.type === 'relu') { out.push([g, k], [L.name + '.output', k]); return out; }
    if (L.type === 'dropout' && role === 'grad_input') {
      out.push([g, k]);
      if (L.mode === 'train') out.push([L.name + '.mask', k]);
      return out;
    }
    if (L.type === 'avgpool' && role === 'grad_input') {
      const c = Math.floor(k / (H * W)), y = Math.floor(k / W) % H, x = k % W;
      for (let i = 0; i < OH; i++) {
        for (let j = 0; j < OW; j++) {
          const [r0, r1] = L.rows[i], [c0, c1] = L.cols[j];
          if (y >= r0 && y < r1 && x >= c0 && x < c1) out.push([g, (c * OH + i) * OW + j]);
        }
      }
      return out;
    }
    if (L.type === 'batchnorm') {
      const area = H * W, c = role === 'grad_input' ? Math.floor(k / area) : k;
      if (role === 'grad_input' && L.mode !== 'train') { out.push([g, k], [L.name + '.weight', c]); return out; }
      for (let m = 0; m < area; m++) out.push([g, c * area + m]);
      return out;
    }
    if (L.type === 'dense') {
      const K = L.inputShape.reduce((a, b) => a * b, 1), U = L.outputShape[0];
      if (role === 'grad_input') for (let u = 0; u < U; u++) out.push([g, u], [L.name + '.weight', u * K + k]);
      if (role === 'grad_weight') out.push([g, Math.floor(k / K)], [inKey, k % K]);
      if (role === 'grad_bias') out.push([g, k]);
      return out;
    }
    if (L.type === 'maxpool' && role === 'grad_input') {
      const x = S.byKey[inKey] ? S.byKey[inKey].data : null, c = Math.floor(k / (H * W));
      for (let i = 0; x && i < OH; i++) {
        for (let j = 0; j < OW; j++) if (poolCell(L, x, c, i, j).winner === k) out.push([g, (c * OH + i) * OW + j]);
      }
      return out;
    }
    if (L.type !== 'conv') return out;
    const [kh, kw] = L.kernel, s = L.stride, [top, left] = L.pad, d = L.dilation || 1;
    if (role === 'grad_bias') { for (let m = 0; m < OH * OW; m++) out.push([g, k * OH * OW + m]); return out; }
    if (role === 'grad_weight') {
      const b = k % kw, a = Math.floor(k / kw) % kh, c = Math.floor(k / (kw * kh)) % C, o = Math.floor(k / (kw * kh * C));
      for (let i = 0; i < OH; i++) {
        for (let j = 0; j < OW; j++) {
          const yy = i * s + a * d - top, xx = j * s + b * d - left;
          if (yy >= 0 && yy < H && xx >= 0 && xx < W) out.push([g, (o * OH + i) * OW + j], [inKey, (c * H + yy) * W + xx]);
        }
      }
      return out;
    }
    const c = Math.floor(k / (H * W)), y = Math.floor(k / W) % H, x = k % W;
    for (let o = 0; o < F; o++) {
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          const i = (y + top - a * d) / s, j = (x + left - b * d) / s;
          if (Number.isInteger(i) && Number.isInteger(j) && i >= 0 && i < OH && j >= 0 && j < OW) {
            out.push([g, (o * OH + i) * OW + j], [L.name + '.weight', ((o * C + c) * kh + a) * kw + b]);
          }
        }
      }
    }
    return out;
  }

  function currentValues(S, key) {
    const [layer, role] = key.split('.');
    if (role === 'input') return S.current;
    return S.outputs[layer] || null;
  }

  function setupHover(S) {
    let lit = [];
    function clear() { for (const c of lit) c.classList.remove('lit', 'winner'); lit = []; }
    function show(e) {
      const b = e.target.closest && e.target.closest('.cell');
      if (!b || !b.dataset.key) return;
      clear();
      const rel = related(S, b.dataset.key, Number(b.dataset.k));
      for (const [key, m] of rel.cells) {
        const c = S.cells[key] && S.cells[key][m];
        if (c) { c.classList.add('lit'); lit.push(c); }
      }
      if (rel.winner) {
        const c = S.cells[rel.winner[0]] && S.cells[rel.winner[0]][rel.winner[1]];
        if (c) { c.classList.add('winner'); lit.push(c); }
      }
    }
    const grids = document.getElementById('grids');
    grids.addEventListener('mouseover', show);
    grids.addEventListener('focusin', show);
    grids.addEventListener('mouseleave', clear);
  }

  // ---------- the derivation panel ----------

  function setupPanel(S) {
    const panel = document.getElementById('panel'), body = document.getElementById('panel-body');
    document.getElementById('panel-close').addEventListener('click', () => { panel.hidden = true; });
    document.addEventListener('keydown', (e) => { if (e.key === 'Escape') panel.hidden = true; });
    document.getElementById('grids').addEventListener('click', (e) => {
      const b = e.target.closest('.cell');
      if (!b) return;
      const key = b.dataset.key, k = Number(b.dataset.k);
      if (S.flipMode && key === S.inputKey(0)) { flip(S, k); return; }
      body.replaceChildren(...panelContent(S, key, k));
      panel.hidden = false;
    });
    setupHover(S);
  }

  /** "the O image: ", "the X image after one learning step (X@0.1): ", or nothing for the explored trace. */
  function traceName(trace) {
    if (!trace) return '';
    const at = trace.indexOf('@');
    return at < 0 ? 'the ' + trace + ' image: ' : 'the ' + trace.slice(0, at) + ' image after one learning step (' + trace + '): ';
  }

  function panelContent(S, key, k) {
    const r = S.byKey[key], D = S.D, recorded = r.data[k];
    const name = (r.layer === 'loss' ? 'loss' : r.layer + '.' + r.role + indexText(r.shape, k));
    const parts = [el('h2', { text: traceName(r.trace) + name + ' = ' + r.shown[k] })];
    parts.push(el('pre', { class: 'derivation', text: r.derivations[k] }));
    const engine = r.recomputed[k];
    const check = el('p', { class: 'recomputed' });
    if (engine === null || engine === undefined) {
      check.textContent = 'A given number: recorded ' + recorded + '.';
      check.dataset.value = String(recorded);
    } else {
      const v = num(engine);
      check.dataset.value = String(v);
      check.textContent = 'recomputed ' + v + (close(v, recorded, 1e-9, TOLERANCE) ? ' = recorded ' : ' \u2260 recorded ') + recorded;
    }
    parts.push(check);
    const li = D.layers.findIndex((L) => L.name === r.layer);
    if (!r.trace && r.role === 'output' && li >= 0 && S.outputs[r.layer]) {
      const here = S.outputs[r.layer][k];
      const p = el('p', { class: 'page-value', text: 'this page computes ' + here + (changedInput(S) ? ' for the flipped input' : (close(here, recorded, TOLERANCE, TOLERANCE) ? ' (agrees to 1e-12)' : ' (differs!)')) });
      p.dataset.value = String(here);
      parts.push(p);
    }
    if (r.pass === 'backward' && changedInput(S)) parts.push(el('p', { text: 'Gradients are shown for the original input.' }));
    if (key === S.inputKey(0)) {
      const btn = el('button', { type: 'button', text: 'Flip this value (what-if)' });
      btn.addEventListener('click', () => flip(S, k));
      parts.push(btn);
    }
    return parts;
  }

  // ---------- numbers in the lesson's figures ----------

  /** The one operation of a number a figure works out (a product, a sum, a difference, a quotient,
   *  the sum of sizes, a softmax share), recomputed from the operands the figure builder gave. */
  function recomputeDerived(d) {
    const v = d.operands.map((o) => o.v);
    switch (d.op) {
      case 'product': return v.reduce((a, b) => a * b, 1);
      case 'sum': return v.reduce((a, b) => a + b, 0);
      case 'difference': return v[0] - v[1];
      case 'quotient': return v[0] / v[1] + (v.length > 2 ? v[2] : 0);
      case 'sizeSum': return v.reduce((a, b) => a + Math.abs(b), 0);
      case 'max': return Math.max(...v);
      case 'min': return Math.min(...v);
      case 'mean': return v.reduce((a, b) => a + b, 0) / v.length;
      case 'softmaxShare': {
        const m = Math.max(...v), e = v.map((x) => Math.exp(x - m));
        return e[d.index] / e.reduce((a, b) => a + b, 0);
      }
      default: return d.v;
    }
  }

  /** x written with the decimals of `shown`, rounded or cut, as the figure may write it. */
  function sameDigits(x, shown) {
    const dot = shown.indexOf('.'), decimals = dot < 0 ? 0 : shown.length - dot - 1;
    return ['rounded', 'truncated'].some((kind) => fmt(x, { numberKind: kind, decimals }) === shown);
  }

  /** A button in the panel for an operand or a result that is a trace element. */
  function sourceButton(S, src, text) {
    const b = el('span', { class: 'src', role: 'button', tabindex: '0', text });
    b.dataset.trace = src.trace; b.dataset.key = src.key; b.dataset.k = String(src.k);
    b.dataset.page = figureKey(S, src.trace, src.key) || '';
    const r = S.byKey[b.dataset.page];
    b.setAttribute('aria-label', text + ': ' + src.trace + ' ' + src.key + (r ? indexText(r.shape, src.k) : '[' + src.k + ']') + ', show its derivation');
    return b;
  }

  /** The panel of a number a figure works out: the operation on its operands (each a button when
   *  it is a trace element), the trace element it equals, and the operation recomputed here. */
  function derivedContent(S, d, text) {
    const shown = d.shown || text;
    const operand = (o) => el('span', { class: 'operand' }, o.name ? o.name + ' ' : '', o.src ? sourceButton(S, o.src, o.text) : o.text);
    const sym = { product: ' \u00d7 ', sum: ' + ', difference: ' \u2212 ', sizeSum: ' + ' }[d.op];
    const line = el('p', { class: 'derived-formula' });
    if (d.op === 'given') {
      line.append(d.why);
    } else if (d.op === 'softmaxShare') {
      line.append('exp(', operand(d.operands[d.index]), ') / (');
      d.operands.forEach((o, j) => { if (j) line.append(' + '); line.append('exp(', operand(o), ')'); });
      line.append(')');
    } else if (d.op === 'max' || d.op === 'min' || d.op === 'mean') {
      line.append(d.op + '(');
      d.operands.forEach((o, j) => { if (j) line.append(', '); line.append(operand(o)); });
      line.append(')');
    } else if (d.op === 'quotient') {
      line.append(operand(d.operands[0]), ' / ', operand(d.operands[1]));
      if (d.operands.length > 2) line.append(' + ', operand(d.operands[2]));
    } else {
      d.operands.forEach((o, j) => {
        if (j) line.append(sym);
        line.append(d.op === 'sizeSum' ? el('span', {}, '|', operand(o), '|') : operand(o));
      });
    }
    line.append(' = ' + shown);
    if (d.src) {
      const r = S.byKey[figureKey(S, d.src.trace, d.src.key)];
      line.append(' = ', sourceButton(S, d.src, d.src.key + (r ? indexText(r.shape, d.src.k) : '[' + d.src.k + ']')));
    }
    const v = recomputeDerived(d), check = el('p', { class: 'recomputed' });
    check.dataset.value = String(v);
    const agrees = sameDigits(v, shown) && close(v, d.v, 1e-9, TOLERANCE);
    check.textContent = 'recomputed ' + String(v).replace('-', '\u2212') + (agrees ? ' = shown ' : ' \u2260 shown ') + shown;
    const parts = [el('h2', { text: d.name + ' = ' + shown }), line, check];
    if (d.check === 'recorded') parts.push(recordedCheck(S, d, v));
    if (d.then) parts.push(...derivedContent(S, d.then, fmt(d.then.v, S.D)).slice(1));
    return parts;
  }

  /** "recomputed V = recorded R": a player's map value worked out here against the trace's record (1e-12). */
  function recordedCheck(S, d, v) {
    const p = el('p', { class: 'recorded' });
    p.dataset.value = String(v);
    const r = d.src && S.byKey[figureKey(S, d.src.trace, d.src.key) || ''];
    if (!r) {
      p.textContent = 'The trace records another value here: this is the flipped input\u2019s.';
      return p;
    }
    const rec = r.data[d.src.k];
    p.dataset.recorded = String(rec);
    const minus = (x) => String(x).replace('-', '\u2212');
    p.textContent = 'recomputed ' + minus(v) + (close(v, rec, 0, TOLERANCE) ? ' = recorded ' : ' \u2260 recorded ') + minus(rec) + ' (the trace\u2019s ' + d.src.key + indexText(r.shape, d.src.k) + ')';
    return p;
  }

  /** The page's key of a figure number's record: the explored trace's own (a repeated record by the
   *  one it repeats: an input by the previous output, a grad_output by the next grad_input), else "trace:key". */
  function figureKey(S, trace, key) {
    if (trace !== S.D.name) return S.byKey[trace + ':' + key] ? trace + ':' + key : null;
    const Ls = S.D.layers;
    for (let guard = 0; guard < Ls.length + 2; guard++) {
      if (S.byKey[key]) return key;
      const [layer, role] = key.split('.'), i = Ls.findIndex((L) => L.name === layer);
      if (role === 'input' && i > 0) key = Ls[i - 1].name + '.output';
      else if (role === 'grad_output' && i >= 0 && i < Ls.length - 1) key = Ls[i + 1].name + '.grad_input';
      else return null;
    }
    return null;
  }

  /** Every number drawn in a figure with a trace source becomes a button for its derivation:
   *  named for screen readers, one Tab stop per figure, arrow keys move within the figure. */
  function setupFigureTargets(S) {
    // The figures' numbers, and the trace elements the lesson's sentences quote.
    S.figureTargets = Array.from(document.querySelectorAll('main figure .src, main .step > p .src'));
    const seen = new Set();
    for (const t of S.figureTargets) {
      const key = figureKey(S, t.dataset.trace, t.dataset.key), k = Number(t.dataset.k), r = key && S.byKey[key];
      t.dataset.page = key || '';
      if (!r || !(k < r.data.length)) { t.classList.add('src-missing'); continue; }
      const shown = t.textContent;
      t.setAttribute('aria-label', t.dataset.trace + ' ' + t.dataset.key + indexText(r.shape, k) + ' = ' + shown + ': show its derivation');
      const fig = t.closest('figure');
      if (!fig) t.tabIndex = 0; // a number in a sentence is a Tab stop of its own
      else if (!seen.has(fig)) { seen.add(fig); t.tabIndex = 0; }
    }
    S.derivedTargets = Array.from(document.querySelectorAll('main figure .drv, main .step > p .drv'));
    for (const t of S.derivedTargets) {
      const fig = t.closest('figure');
      if (fig && !seen.has(fig)) { seen.add(fig); t.tabIndex = 0; }
    }
    const panel = document.getElementById('panel'), body = document.getElementById('panel-body');
    const open = (t) => {
      if (t.classList.contains('drv')) {
        body.replaceChildren(...derivedContent(S, JSON.parse(t.dataset.drv), t.textContent));
        panel.hidden = false;
        return;
      }
      if (t.dataset.page === undefined) t.dataset.page = figureKey(S, t.dataset.trace, t.dataset.key) || '';
      if (!t.dataset.page) return;
      const k = Number(t.dataset.k), parts = panelContent(S, t.dataset.page, k), r = S.byKey[t.dataset.page];
      // A figure may write the number with other decimals than the page (e.g. the learning steps' four).
      if (t.textContent !== r.shown[k]) {
        parts.splice(1, 0, el('p', { class: 'figure-text', text: (t.closest('figure') ? 'The figure writes it ' : 'Written here as ') + t.textContent + '.' }));
      }
      body.replaceChildren(...parts);
      panel.hidden = false;
    };
    S.openFigureNumber = open;
    const main = document.getElementById('main');
    const target = (e) => e.target.closest && e.target.closest('.src, .drv');
    main.addEventListener('click', (e) => { const t = target(e); if (t) open(t); });
    // An operand in a derived number's panel opens its own derivation.
    body.addEventListener('click', (e) => { const t = target(e); if (t) open(t); });
    body.addEventListener('keydown', (e) => { const t = target(e); if (t && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); open(t); } });
    main.addEventListener('keydown', (e) => {
      const t = target(e);
      if (!t) return;
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(t); return; }
      // Within a figure, a player's grid (rows of data-cols) or a player's numbers.
      const group = t.closest('figure, .num-group'), cols = Number((group && group.dataset.cols) || 1);
      if (!group) return;
      const step = { ArrowRight: 1, ArrowDown: cols, ArrowLeft: -1, ArrowUp: -cols }[e.key];
      if (!step) return;
      const all = Array.from(group.querySelectorAll('.src, .drv')), j = all.indexOf(t) + step;
      if (j < 0 || j >= all.length) return;
      e.preventDefault();
      all.forEach((x) => { x.tabIndex = -1; });
      all[j].tabIndex = 0;
      all[j].focus();
    });
  }

  function changedInput(S) { return S.current && S.original && S.current.some((v, i) => v !== S.original[i]); }

  // ---------- the load check ----------

  function compareOutputs(S, outs, expected) {
    let worst = 0, count = 0, bad = 0;
    for (const L of S.D.layers) {
      const want = expected(L.name), got = outs[L.name];
      if (!want || !got) continue;
      for (let i = 0; i < want.length; i++) {
        const d = Math.abs(got[i] - num(want[i]));
        count += 1;
        if (!(d <= TOLERANCE)) bad += 1; else worst = Math.max(worst, d);
      }
    }
    return { worst, count, bad };
  }

  function loadCheck(S) {
    const out = document.getElementById('load-check');
    if (!S.current) { out.textContent = 'This trace has no input record, so the page cannot recompute it.'; return; }
    const c = compareOutputs(S, S.outputs, (name) => S.byKey[name + '.output'] && S.byKey[name + '.output'].data);
    S.loadOK = c.bad === 0 && c.count > 0;
    out.textContent = S.loadOK
      ? '\u2713 This page recomputed all ' + c.count + ' numbers of the forward pass; they agree with the engine\u2019s trace to 1e-12 (' +
        (c.worst === 0 ? 'every one exactly' : 'largest difference ' + c.worst.toExponential(1)) + ').'
      : '\u2717 ' + c.bad + ' of ' + c.count + ' numbers this page recomputed differ from the trace by more than 1e-12.';
    out.classList.add(S.loadOK ? 'ok' : 'bad');
  }

  // ---------- what-if: flip an input value ----------

  function renderWhatIf(S) {
    const host = document.getElementById('whatif');
    if (!S.current) return;
    const toggle = el('button', { type: 'button', id: 'flip-mode', 'aria-pressed': 'false', text: 'What-if: click input pixels to flip them' });
    toggle.addEventListener('click', () => {
      S.flipMode = !S.flipMode;
      toggle.setAttribute('aria-pressed', String(S.flipMode));
      document.body.classList.toggle('flip-mode', S.flipMode);
    });
    const restore = el('button', { type: 'button', id: 'restore', text: 'Restore the original input' });
    restore.addEventListener('click', () => restoreInput(S));
    S.status = el('p', { id: 'whatif-status', role: 'status' }, 'Votes: ', ...voteNodes(S, S.outputs));
    host.append(el('h3', { text: 'What if a pixel were different?' }), toggle, restore, S.status);
  }

  /** The votes, each a button: its record's derivation while it is the recorded vote, else a number of the flipped input. */
  function voteNodes(S, outs) {
    const last = S.D.layers[S.D.layers.length - 1], v = outs[last.name];
    if (!v) return [];
    const names = S.D.classes && S.D.classes.length === v.length ? S.D.classes : Array.from(v, (_, i) => String(i));
    const nodes = [];
    Array.from(v).forEach((x, i) => {
      const text = fmt(x, S.D), why = 'the vote for ' + names[i] + ' that this page computes for the flipped input';
      const b = playerNumber(S, traced(S, last.name + '.output', i, x), { name: 'vote for ' + names[i], op: 'given', why, operands: [], v: x }, text, 'vote for ' + names[i]);
      b.tabIndex = 0;
      nodes.push(i ? ', ' + names[i] + ' ' : names[i] + ' ', b);
    });
    return nodes;
  }

  function flip(S, k) {
    S.current[k] = -S.current[k];
    const where = 'input' + indexText(S.D.inputShape, k), text = fmtCount(S.current[k], S.D);
    const why = where + ' negated by the what-if (the trace records ' + String(S.original[k]).replace('-', '\u2212') + ')';
    const value = playerNumber(S, null, { name: 'flipped ' + where, op: 'given', why, operands: [], v: S.current[k] }, text, 'flipped ' + where);
    value.tabIndex = 0;
    return refresh(S, ['Flipped ' + where + ' to ', value, '. ']);
  }

  function restoreInput(S) {
    S.current.set(S.original);
    return refresh(S, ['The original input is back. ']);
  }

  /** Recomputes the forward pass, repaints every forward number, and marks the ones that changed. */
  function refresh(S, note) {
    const before = S.outputs;
    S.outputs = forward(S.D, S.params, S.current);
    let changed = 0;
    const show = (key, values, originals) => {
      const r = S.byKey[key], cells = S.cells[key];
      if (!r || !cells) return;
      const scale = Math.max(1e-300, ...Array.from(r.data).map(Math.abs));
      for (let k = 0; k < values.length; k++) {
        const differs = values[k] !== originals[k] && !close(values[k], originals[k], 0, TOLERANCE);
        if (differs) changed += 1;
        cells[k].dataset.v = String(values[k]);
        const text = key === S.inputKey(0) ? fmtCount(values[k], S.D) : fmt(values[k], S.D);
        paint(cells[k], values[k], differs ? text : r.shown[k], scale, key === S.inputKey(0) && cells[k].classList.contains('img'), r, k);
        cells[k].classList.toggle('changed', differs);
      }
    };
    show(S.inputKey(0), S.current, S.original);
    for (const L of S.D.layers) {
      const r = S.byKey[L.name + '.output'];
      if (r) show(L.name + '.output', S.outputs[L.name], r.data);
    }
    document.body.classList.toggle('what-if', changedInput(S));
    const original = voteNodes(S, Object.fromEntries(S.D.layers.map((L) => [L.name, S.byKey[L.name + '.output'] && S.byKey[L.name + '.output'].data])));
    S.status.replaceChildren(...note, (changed ? changed + ' numbers changed (outlined). ' : '') + 'Votes: ', ...voteNodes(S, S.outputs),
      ...(changedInput(S) ? [' (originally ', ...original, '). The backward pass is shown for the original input.'] : []));
    for (const p of S.players) p.render();
    S.lastChange = { before, changed };
    return changed;
  }

  // ---------- players: the window slides ----------

  function renderPlayers(S) {
    const host = document.getElementById('players');
    S.D.layers.forEach((L, li) => {
      if ((L.type === 'conv' || L.type === 'maxpool' || L.type === 'avgpool') && L.inputShape.length === 3 && S.current) {
        const p = makePlayer(S, L, li);
        S.players.push(p);
        host.append(p.root);
      }
    });
    document.addEventListener('visibilitychange', () => { if (document.hidden) for (const p of S.players) p.pause(); });
    if (!reducedMotion && !selftestMode) for (const p of S.players) p.play();
  }

  function makePlayer(S, L, li) {
    const [C, H, W] = L.inputShape, [F, OH, OW] = L.outputShape, total = F * OH * OW;
    const title = L.type === 'conv' ? L.name + ': the feature slides over the input' : L.name + ': the window slides over the map';
    const root = el('section', { class: 'player', 'aria-label': title });
    root.append(el('h3', { text: title }));
    const inputs = el('div', { class: 'planes' }), maps = el('div', { class: 'planes' });
    const inCells = [], outCells = [];
    const boxes = [];
    const inKey = S.inputKey(li), outKey = L.name + '.output';
    for (let c = 0; c < C; c++) {
      const plane = planeGrid(S, H, W, inCells, 'input ' + (c + 1), inKey, c * H * W);
      const box = el('div', { class: 'patch-box', hidden: '' });
      plane.querySelector('.grid').append(box);
      boxes.push(box);
      inputs.append(plane);
    }
    for (let o = 0; o < F; o++) maps.append(planeGrid(S, OH, OW, outCells, (L.type === 'conv' ? 'map ' : 'pooled ') + (o + 1), outKey, o * OH * OW));
    const detail = el('div', { class: 'products num-group', role: 'group', 'aria-label': L.name + ': the numbers at the window\u2019s position' });
    const back = el('button', { type: 'button', 'aria-label': 'Step back', text: '\u25c0 Back' });
    const playBtn = el('button', { type: 'button', 'aria-label': 'Play', text: 'Play' });
    const next = el('button', { type: 'button', 'aria-label': 'Step forward', text: 'Step \u25b6' });
    const scrub = el('input', { type: 'range', min: '0', max: String(total), value: '0', 'aria-label': 'Position of the window (cells filled)' });
    const where = el('span', { class: 'where' });
    const controls = el('div', { class: 'controls' }, back, playBtn, next, scrub, where);
    root.append(controls, el('p', { class: 'hint', text: 'Keys: Space plays or pauses, \u2190 and \u2192 step, Home and End jump. Every number opens its derivation (Tab to it, Enter).' }),
      el('div', { class: 'player-body' }, el('div', {}, el('h4', { text: 'input' }), inputs), el('div', {}, el('h4', { text: 'output' }), maps), detail));
    let t = 0, timer = null;
    const player = { root, L, total, outCells, inCells, detail, get t() { return t; } };
    const cellAt = (x, k) => {
      const o = Math.floor(k / (OH * OW)), i = Math.floor(k / OW) % OH, j = k % OW;
      const cell = L.type === 'conv' ? convCell(L, S.params, x, o, i, j) : L.type === 'avgpool' ? avgCell(L, x, o, i, j) : poolCell(L, x, o, i, j);
      return { cell, o, i, j, k };
    };
    /** Moves to position `to`: fills the cells up to it, empties those after it, moves the window. */
    const moveTo = (to) => {
      const x = currentValues(S, inKey);
      for (let k = t; k < to; k++) setCell(S, outCells[k], cellAt(x, k).cell.value, false);
      for (let k = to; k < t; k++) clearCell(outCells[k]);
      if (t > 0) outCells[t - 1].classList.remove('current');
      t = to;
      for (const c of inCells) c.classList.remove('lit', 'winner', 'tap');
      const cur = t > 0 ? cellAt(x, t - 1) : null;
      placeBoxes(L, cur, boxes, H, W);
      // The cells the kernel touches (with dilation, every d-th cell of the box), on every channel.
      if (cur && L.type === 'conv') for (const term of cur.cell.terms) if (term.xi >= 0) inCells[term.xi].classList.add('tap');
      if (cur) outCells[t - 1].classList.add('current');
      const focused = detail.contains(document.activeElement);
      detail.replaceChildren(...(cur ? stepNumbers(S, L, li, cur, x, inCells) : [el('span', { class: 'step-head', text: 'Press play or step to slide the window.' })]));
      rove(detail, focused);
      for (const g of maps.querySelectorAll('.grid')) rove(g, false);
      scrub.value = String(t);
      where.textContent = t + ' of ' + total + ' cells';
    };
    /** Repaints the input (after a what-if) and refills the map up to the current position. */
    player.render = () => {
      const x = currentValues(S, inKey), at = t;
      const image = li === 0 && x.every((v) => v >= -1 && v <= 1);
      for (let k = 0; k < H * W * C; k++) setCell(S, inCells[k], x[k], image);
      for (const g of inputs.querySelectorAll('.grid')) rove(g, false);
      for (let k = 0; k < total; k++) clearCell(outCells[k]);
      t = 0;
      moveTo(at);
    };
    player.step = () => { if (t < total) moveTo(t + 1); return t < total; };
    player.back = () => { if (t > 0) moveTo(t - 1); };
    player.seek = (v) => moveTo(Math.max(0, Math.min(total, v)));
    player.play = () => {
      if (timer) return;
      if (t >= total) t = 0;
      playBtn.textContent = 'Pause';
      playBtn.setAttribute('aria-label', 'Pause');
      timer = setInterval(() => { if (!player.step()) player.pause(); }, 300);
    };
    player.pause = () => {
      clearInterval(timer);
      timer = null;
      playBtn.textContent = 'Play';
      playBtn.setAttribute('aria-label', 'Play');
    };
    back.addEventListener('click', () => { player.pause(); player.back(); });
    next.addEventListener('click', () => { player.pause(); player.step(); });
    playBtn.addEventListener('click', () => (timer ? player.pause() : player.play()));
    scrub.addEventListener('input', () => { player.pause(); player.seek(Number(scrub.value)); });
    // Choosing a number stops the window, so the numbers stay while their derivation is read.
    root.addEventListener('focusin', (e) => { if (e.target.closest('.src, .drv')) player.pause(); });
    root.addEventListener('click', (e) => { if (e.target.closest('.src, .drv')) player.pause(); });
    root.addEventListener('keydown', (e) => {
      if (e.target === scrub && e.key !== ' ') return;
      // A number keeps its keys: Enter or Space opens it, the arrows move between the numbers.
      if (e.target.closest && e.target.closest('.src, .drv')) return;
      const keys = { ' ': () => (timer ? player.pause() : player.play()), ArrowRight: () => { player.pause(); player.step(); },
        ArrowLeft: () => { player.pause(); player.back(); }, Home: () => { player.pause(); player.seek(0); }, End: () => { player.pause(); player.seek(total); } };
      if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
    });
    player.render();
    return player;
  }

  /** A grid of a player: each cell shows one number of record `key` (from `first` on), a button for its derivation once filled. */
  function planeGrid(S, rows, cols, into, label, key, first) {
    const g = el('div', { class: 'grid small num-group', role: 'group', 'aria-label': label });
    g.dataset.cols = String(cols);
    const page = figureKey(S, S.D.name, key) || '';
    g.style.gridTemplateColumns = columns(cols, '--small', S.byKey[page], 0.62);
    for (let k = 0; k < rows * cols; k++) {
      const c = el('span', { class: 'cell' });
      c.dataset.trace = S.D.name; c.dataset.key = key; c.dataset.k = String(first + k); c.dataset.page = page;
      into.push(c);
      g.append(c);
    }
    return el('div', { class: 'plane' }, el('div', { class: 'plane-label', text: label }), g);
  }

  /** A grid's columns: the cell size, or wider when the record's longest number needs it (at
   *  `font` rem per character height), so no number spills into its neighbour on a narrow screen. */
  function columns(cols, size, r, font) {
    const chars = r ? Math.max(1, ...r.shown.map((t) => t.length)) : 1;
    return 'repeat(' + cols + ', max(var(' + size + '), ' + (chars * 0.62 * font + 0.35).toFixed(2) + 'rem))';
  }

  /** One Tab stop per group of numbers: the focused one when `keep`, else the first. */
  function rove(group, keep) {
    const all = group.querySelectorAll('.src, .drv');
    const active = keep && Array.from(all).includes(document.activeElement) ? document.activeElement : all[0];
    for (const b of all) b.tabIndex = b === active ? 0 : -1;
  }

  function clearCell(c) {
    c.textContent = '';
    c.dataset.v = '';
    c.className = 'cell empty';
    c.removeAttribute('role');
    c.removeAttribute('tabindex');
    c.removeAttribute('aria-label');
  }

  /** Writes value v into a player's cell and makes it a button for its record's derivation. */
  function setCell(S, c, v, image) {
    const D = S.D, text = image ? fmtCount(v, D) : fmt(v, D), r = S.byKey[c.dataset.page];
    c.className = 'cell src' + (v < 0 && !image ? ' neg' : '');
    c.textContent = text;
    c.dataset.v = String(v);
    c.setAttribute('role', 'button');
    c.tabIndex = -1;
    c.setAttribute('aria-label', c.dataset.key + (r ? indexText(r.shape, Number(c.dataset.k)) : '') + ' = ' + text + ': show its derivation');
    if (image) {
      const g = Math.round(((Math.max(-1, Math.min(1, v)) + 1) / 2) * 255);
      c.style.background = 'rgb(' + g + ',' + g + ',' + g + ')';
      c.style.color = g < 128 ? '#fff' : '#000';
    } else {
      c.style.setProperty('--t', Math.min(1, Math.abs(v)).toFixed(3));
    }
  }

  /** One box around the patch (conv: on every input channel) or the window (pooling: on its channel). */
  function placeBoxes(L, cur, boxes, H, W) {
    boxes.forEach((b) => { b.hidden = true; });
    if (!cur) return;
    let r0, r1, c0, c1;
    if (L.type !== 'conv') {
      [r0, r1] = L.rows[cur.i];
      [c0, c1] = L.cols[cur.j];
    } else {
      const [kh, kw] = L.kernel, d = L.dilation || 1;
      r0 = cur.i * L.stride - L.pad[0]; r1 = r0 + (kh - 1) * d + 1;
      c0 = cur.j * L.stride - L.pad[1]; c1 = c0 + (kw - 1) * d + 1;
    }
    r0 = Math.max(0, r0); c0 = Math.max(0, c0); r1 = Math.min(H, r1); c1 = Math.min(W, c1);
    if (r0 >= r1 || c0 >= c1) return;
    const on = L.type !== 'conv' ? [boxes[cur.o]] : boxes;
    for (const b of on) {
      b.classList.toggle('dilated', L.type === 'conv' && (L.dilation || 1) > 1);
      b.style.gridRow = (r0 + 1) + ' / ' + (r1 + 1);
      b.style.gridColumn = (c0 + 1) + ' / ' + (c1 + 1);
      b.hidden = false;
    }
  }

  // ---------- the player's numbers: each one opens its derivation ----------

  /** The trace element {trace, key, k} that value v is, when the record holds it (to 1e-12); null after a what-if changed it. */
  function traced(S, key, k, v) {
    const r = S.byKey[figureKey(S, S.D.name, key) || ''];
    return r && k < r.data.length && close(v, r.data[k], 0, TOLERANCE) ? { trace: S.D.name, key, k } : null;
  }

  /** A number of a player: its trace element's button, or, when it is not one (a product, a sum,
   *  a padding zero, a value after a what-if), a worked-out number whose panel shows its operation. */
  function playerNumber(S, src, d, text, what) {
    if (src) {
      const b = sourceButton(S, src, text);
      b.tabIndex = -1;
      b.dataset.v = String(d.v);
      const r = S.byKey[b.dataset.page];
      b.setAttribute('aria-label', what + ' ' + src.key + (r ? indexText(r.shape, src.k) : '[' + src.k + ']') + ' = ' + text + ': show its derivation');
      return b;
    }
    const b = el('span', { class: 'drv', role: 'button', tabindex: '-1', text, 'aria-label': what + ' = ' + text + ': show how it is worked out' });
    b.dataset.drv = JSON.stringify(d);
    return b;
  }

  /** A value of record `key` as an operand: its trace element, else a given number (after a what-if). */
  function operandOf(S, key, k, v, name, text) {
    const src = traced(S, key, k, v);
    const why = 'the value of ' + key + '[' + k + '] for the flipped input, as this page computes it (the trace records ' + (S.byKey[figureKey(S, S.D.name, key) || ''] || { data: [] }).data[k] + ')';
    return { name, v, text, src, node: playerNumber(S, src, { name, op: 'given', why, operands: [], v }, text, name) };
  }

  /** The numbers at a player's position: conv's products, their sum, divisor and bias; max pooling's
   *  window and winner; average pooling's window, sum and divisor. Every number is a button. */
  function stepNumbers(S, L, li, cur, x, inCells) {
    const { cell, o, i, j, k } = cur, D = S.D, outKey = L.name + '.output';
    const head = el('span', { class: 'step-head', text: L.name + '[' + o + ',' + i + ',' + j + ']' });
    const result = (d, what) => {
      const node = playerNumber(S, d.src, d, fmt(d.v, D), what);
      node.classList.add('result');
      return node;
    };
    if (L.type === 'maxpool') {
      inCells[cell.winner].classList.add('winner');
      const win = cell.cells.map((m) => operandOf(S, S.inputKey(li), m, x[m], 'window value', fmt(x[m], D)));
      const d = { name: 'max of the window', op: 'max', operands: win.map(strip), v: cell.value, src: traced(S, outKey, k, cell.value), check: 'recorded' };
      const line = el('div', { class: 'sum-line' }, 'max(');
      win.forEach((w, m) => { if (m) line.append(', '); if (cell.cells[m] === cell.winner) w.node.classList.add('win'); line.append(w.node); });
      line.append(') = ', playerNumber(S, null, d, fmt(cell.value, D), 'the winner, the window\u2019s maximum'));
      return [el('div', {}, head, ' = the largest value of the window (the winner is outlined twice):'), line];
    }
    if (L.type === 'avgpool') {
      const win = cell.cells.map((m) => operandOf(S, S.inputKey(li), m, x[m], 'window value', fmt(x[m], D)));
      const quot = { name: L.name + indexText(L.outputShape, k), op: 'quotient', v: cell.value, src: traced(S, outKey, k, cell.value), check: 'recorded',
        operands: [{ name: 'sum', v: cell.sum, text: fmt(cell.sum, D) }, { name: 'divisor', v: cell.divisor, text: fmtCount(cell.divisor, D) }] };
      const sum = { name: 'sum of the window', op: 'sum', operands: win.map(strip), v: cell.sum, then: quot };
      const line = el('div', { class: 'sum-line' }, 'sum ', playerNumber(S, null, sum, fmt(cell.sum, D), 'sum of the window'), ' / ',
        divisorNumber(S, L, cell.divisor, 'what ' + L.name + ' divides this window\u2019s sum by: its cells inside the input (the engine\u2019s PoolWindows)'), ' = ', result(quot, L.name + ' value'));
      const values = el('div', { class: 'prod-row' }, 'window: ');
      win.forEach((w, m) => { if (m) values.append(' + '); values.append(w.node); });
      return [el('div', {}, head, ' = sum of the window / its divisor'), values, line];
    }
    return convNumbers(S, L, li, cur, head, result);
  }

  function strip(o) { return { name: o.name, v: o.v, text: o.text, src: o.src }; }

  /** The divisor of a sum, a given number of the layer's geometry. */
  function divisorNumber(S, L, v, why) {
    const text = fmtCount(v, S.D);
    return playerNumber(S, null, { name: 'divisor', op: 'given', why, operands: [], v }, text, 'the divisor');
  }

  /** A conv position: weight × input = product for each cell of the patch, then sum / divisor + bias = map value. */
  function convNumbers(S, L, li, cur, head, result) {
    const { cell, o, k } = cur, D = S.D, [kh, kw] = L.kernel, inKey = S.inputKey(li), pixel = li === 0 ? 'pixel' : 'input';
    const rows = [], products = [];
    cell.terms.forEach((t, m) => {
      if (m % kw === 0) rows.push(el('div', { class: 'prod-row' }));
      const w = operandOf(S, L.name + '.weight', t.wi, t.w, 'weight', fmtCount(t.w, D));
      const x = t.xi >= 0 ? operandOf(S, inKey, t.xi, t.x, pixel, fmtCount(t.x, D))
        : { name: 'padding', v: 0, text: '0', src: null };
      if (t.xi < 0) x.node = playerNumber(S, null, { name: 'padding', op: 'given', why: 'a zero of the padding: this cell of the patch lies outside the input', operands: [], v: 0 }, '0', 'padding');
      const pText = fmtCount(t.p, D), d = { name: 'product', op: 'product', operands: [strip(w), strip(x)], v: t.p };
      products.push({ name: '', v: t.p, text: pText });
      rows[rows.length - 1].append(m % kw ? '    ' : '', w.node, ' \u00d7 ', x.node, ' = ', playerNumber(S, null, d, pText, 'product weight \u00d7 ' + pixel));
    });
    const hasBias = !!S.params[L.name + '.bias'];
    const quot = { name: L.name + indexText(L.outputShape, k), op: 'quotient', v: cell.value, src: traced(S, L.name + '.output', k, cell.value), check: 'recorded',
      operands: [{ name: 'sum', v: cell.sum, text: fmt(cell.sum, D) }, { name: 'divisor', v: L.divisor, text: fmtCount(L.divisor, D) }] };
    const bias = hasBias ? operandOf(S, L.name + '.bias', o, cell.bias, 'bias', fmt(cell.bias, D)) : null;
    if (bias) quot.operands.push(strip(bias));
    const sum = { name: 'sum of the products', op: 'sum', operands: products, v: cell.sum, then: quot };
    const line = el('div', { class: 'sum-line' }, 'sum ', playerNumber(S, null, sum, fmt(cell.sum, D), 'sum of the products'), ' / ',
      divisorNumber(S, L, L.divisor, 'what ' + L.name + ' divides every sum by (C\u00b7kh\u00b7kw when it normalizes, else 1)'));
    if (bias) line.append(' + ', bias.node);
    line.append(' = ', result(quot, L.name + ' value'));
    const d = L.dilation || 1, padNote = L.pad && L.pad.some((v) => v) ? ', padding ' + L.pad.join('/') + ' (top/left/bottom/right)' : '';
    const note = el('span', { class: 'step-note', text: '(' + kh + '\u00d7' + kw + ' feature' +
      (d > 1 ? ', dilation ' + d + ': it touches every ' + (d === 2 ? 'second' : d + 'th') + ' cell' : '') + padNote + ')' });
    return [el('div', {}, head, ': weight \u00d7 ' + pixel + ' for each cell of the patch'), ...rows, line, note];
  }

  // ---------- the self-test ----------

  function finishSelftest(S) {
    const result = { pass: 0, fail: 0, failures: [] };
    const ok = (cond, what) => { if (cond) result.pass += 1; else { result.fail += 1; result.failures.push(what); } };
    if (S && S.lessonOnly) {
      try {
        checkFigureNumbers(S, ok);
        checkDerivedNumbers(S, ok);
        checkNoPlainNumbers(ok);
      } catch (e) {
        ok(false, 'exception: ' + e);
      }
    } else if (S) {
      try {
        checkEveryNumber(S, ok);
        checkFigureNumbers(S, ok);
        checkDerivedNumbers(S, ok);
        checkNoPlainNumbers(ok);
        checkPlayers(S, ok);
        checkFlip(S, ok);
        checkKeyboard(S, ok);
        ok(S.loadOK === true, 'load check');
      } catch (e) {
        ok(false, 'exception: ' + e);
      }
    }
    ok(uncaught === 0, 'uncaught errors: ' + uncaught);
    const out = document.getElementById('selftest');
    out.textContent = 'selftest: ' + result.pass + ' passed, ' + result.fail + ' failed';
    if (result.failures.length) {
      out.after(el('pre', { id: 'selftest-failures', text: result.failures.slice(0, 50).join('\n') }));
    }
    console.log(out.textContent);
  }

  /** Clicks every number and checks the panel's recomputed value against the recorded one. */
  function checkEveryNumber(S, ok) {
    const body = document.getElementById('panel-body');
    for (const r of S.records) {
      const cells = S.cells[r.key] || [];
      ok(cells.length === r.data.length, r.key + ': one button per number');
      for (let k = 0; k < cells.length; k++) {
        cells[k].click();
        const shown = body.querySelector('.derivation'), value = body.querySelector('.recomputed');
        const good = shown && shown.textContent === r.derivations[k] && value &&
          close(Number(value.dataset.value), r.data[k], 1e-9, TOLERANCE) && !value.textContent.includes('\u2260');
        const page = body.querySelector('.page-value');
        cells[k].dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
        const layer = S.D.layers.find((L) => L.name === r.layer);
        const lit = document.querySelectorAll('#grids .lit').length, winners = document.querySelectorAll('#grids .winner').length;
        let outlined = r.role !== 'output' || !layer || (lit > 0 && (layer.type !== 'maxpool' || winners === 1));
        if (outlined && layer && layer.type === 'conv' && r.role === 'output') {
          const li = S.D.layers.indexOf(layer), inCells = S.cells[S.inputKey(li)] || [], got = [];
          inCells.forEach((c, m) => { if (c.classList.contains('lit')) got.push(m); });
          outlined = got.join(',') === expectedTaps(layer, k);
        }
        ok(good && outlined && (!page || close(Number(page.dataset.value), r.data[k], 0, TOLERANCE)), r.key + indexText(r.shape, k));
      }
    }
    document.getElementById('panel').hidden = true;
  }

  /** Clicks every number in the lesson's figures: its panel shows the derivation of the trace
   *  element the figure says it is, and that element's recorded value is the value drawn. */
  function checkFigureNumbers(S, ok) {
    const body = document.getElementById('panel-body');
    for (const t of S.figureTargets) {
      const what = 'figure number ' + t.dataset.trace + ' ' + t.dataset.key + '[' + t.dataset.k + '] "' + t.textContent + '"';
      const r = S.byKey[t.dataset.page], k = Number(t.dataset.k);
      if (!r) { ok(false, what + ': no such record on the page'); continue; }
      t.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      const shown = body.querySelector('.derivation'), value = body.querySelector('.recomputed');
      const good = shown && shown.textContent === r.derivations[k] && value && !value.textContent.includes('\u2260') &&
        close(Number(value.dataset.value), r.data[k], 1e-9, TOLERANCE) && close(Number(t.dataset.v), r.data[k], 0, TOLERANCE);
      ok(good, what + (t.dataset.v ? ' (drawn ' + t.dataset.v + ', recorded ' + r.data[k] + ')' : ''));
    }
    document.getElementById('panel').hidden = true;
  }

  /** Clicks every number a figure works out: its panel shows the operation, every operand that is
   *  a trace element opens a record on the page, and the page's recomputation equals the number
   *  shown, to the digits shown (and the builder's value to 1e-9). */
  function checkDerivedNumbers(S, ok) {
    const body = document.getElementById('panel-body');
    for (const t of S.derivedTargets) {
      const d = JSON.parse(t.dataset.drv), shown = d.shown || t.textContent;
      t.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      const value = body.querySelector('.recomputed'), v = value && Number(value.dataset.value);
      const links = Array.from(body.querySelectorAll('.derived-formula .src'));
      // A softmax share writes its own score twice: exp(s_i) / (exp(s_0) + … + exp(s_i) + …).
      const twice = d.op === 'softmaxShare' && d.operands[d.index] && d.operands[d.index].src ? 1 : 0;
      const wanted = d.operands.filter((o) => o.src).length + twice + (d.src ? 1 : 0);
      const linked = links.length === wanted && links.every((b) => b.dataset.page && S.byKey[b.dataset.page] && Number(b.dataset.k) < S.byKey[b.dataset.page].data.length);
      const equalsSource = !d.src || !linked || close(d.v, S.byKey[links[links.length - 1].dataset.page].data[d.src.k], 1e-9, 1e-9);
      ok(value && sameDigits(v, shown) && close(v, d.v, 1e-9, TOLERANCE) && !value.textContent.includes('\u2260') && linked && equalsSource,
        'derived number ' + d.name + ' "' + shown + '"' + (value ? ' (recomputed ' + v + ')' : ''));
    }
    document.getElementById('panel').hidden = true;
  }

  /** Every number-looking text in the lesson's figures is a button: a grid cell's number in an
   *  SVG (not a row or column label, not a title), any decimal number (such as 0.55, −1.00) in a
   *  figure's text, and every number of a convolution step's sum line. Lists each one that is not. */
  function checkNoPlainNumbers(ok) {
    const plain = [];
    const inButton = (n) => n.parentElement && n.parentElement.closest('.src, .drv');
    for (const fig of document.querySelectorAll('main figure')) {
      for (const t of fig.querySelectorAll('svg text')) {
        if (t.classList.contains('axis') || t.classList.contains('t') || inButton(t.firstChild || t)) continue;
        if (/^[\u2212-]?\d+(\.\d+)?$/.test(t.textContent.trim())) plain.push(t.textContent.trim());
      }
      const walk = document.createTreeWalker(fig, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        if (inButton(n) || n.parentElement.closest('svg, figcaption')) continue;
        // A convolution step's sum line has whole numbers too ("sum = 5    5 / 9 = 0.5556").
        const pattern = n.parentElement.closest('.conv-result') ? /(?:^|[\s(=:,/])([\u2212-]?\d+(?:\.\d+)?)(?=$|[\s,;)])/g
          : /(?:^|[\s(=:,])([\u2212-]?\d*\.\d+)(?=$|[\s,;)])/g;
        for (const m of n.textContent.matchAll(pattern)) plain.push(m[1]);
      }
      for (const p of plain.splice(0)) ok(false, 'plain number in figure ' + (fig.id || '') + ': "' + p + '"');
    }
    ok(true, 'figures: every number scanned');
    if (document.querySelector('main[data-check-sentences]')) checkNoPlainProse(ok);
  }

  /** Every number with a decimal point the lesson's sentences and captions write (0.92, −1.75) is
   *  a button: a trace element, a worked-out number, a value quoted from the article's slides or a
   *  parameter of the lesson. Whole numbers (counts, rows, step numbers, the pixel values ±1) are
   *  not checked. Lists each one that is not a button. */
  function checkNoPlainProse(ok) {
    const inButton = (n) => n.parentElement && n.parentElement.closest('.src, .drv');
    const pattern = /(?:^|[\s(=:,\u2212\u00d7/])([\u2212-]?\d*\.\d+)(?=$|[\s,;).:\u2026\u00d7%])/g;
    for (const p of document.querySelectorAll('main .step > p, main figcaption')) {
      const walk = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        if (inButton(n)) continue;
        for (const m of n.textContent.matchAll(pattern)) ok(false, 'plain number in the text of ' + (p.closest('section') || p).id + ': "' + m[1] + '"');
      }
    }
    ok(true, 'sentences: every number scanned');
  }

  /** The input cells conv output k reads, from the layer's geometry alone (all four pads, the
   *  dilation): the self-test's own account of where the kernel's taps land. */
  function expectedTaps(L, k) {
    const [C, H, W] = L.inputShape, [F, OH, OW] = L.outputShape, [kh, kw] = L.kernel, d = L.dilation || 1;
    const i = Math.floor(k / OW) % OH, j = k % OW, out = [];
    for (let c = 0; c < C; c++) {
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          const yy = i * L.stride + a * d - L.pad[0], xx = j * L.stride + b * d - L.pad[1];
          if (yy >= 0 && yy < H && xx >= 0 && xx < W) out.push((c * H + yy) * W + xx);
        }
      }
    }
    return out.sort((a, b) => a - b).join(',');
  }

  /** Plays every player to its end and compares the filled map with the trace; a conv player
   *  outlines exactly the cells its kernel touches at every position. At every position (every
   *  k-th one for a long player, and the last), clicks every number the player writes and checks
   *  its panel, and lists any number in the player that is not a button. */
  function checkPlayers(S, ok) {
    for (const p of S.players) {
      p.pause();
      p.seek(0);
      let guard = 0, taps = true;
      const every = Math.max(1, Math.ceil(p.total / 200)), plain = new Set();
      while (p.step() && guard++ < 1e6) {
        if (p.t % every === 0 || p.t === p.total) {
          checkPlayerPosition(S, p, ok);
          for (const n of plainNumbersIn(p.root)) plain.add(n);
        }
        if (p.L.type !== 'conv') continue;
        const lit = [];
        p.inCells.forEach((c, m) => { if (c.classList.contains('tap')) lit.push(m); });
        if (lit.join(',') !== expectedTaps(p.L, p.t - 1)) taps = false;
      }
      ok(taps, p.L.name + ': the player outlines the cells the kernel touches');
      const want = S.byKey[p.L.name + '.output'];
      const filled = p.outCells.map((c) => Number(c.dataset.v));
      ok(p.t === p.total && want && filled.every((v, k) => close(v, want.data[k], 0, TOLERANCE)), p.L.name + ': the animation fills the map as traced');
      // Every cell of the filled map and of the input opens its record's derivation.
      for (const c of p.inCells.concat(p.outCells)) {
        ok(labelled(c) && checkSource(S, c), p.L.name + ' player cell ' + c.dataset.key + '[' + c.dataset.k + '] "' + c.textContent + '"');
      }
      for (const n of plain) ok(false, 'plain number in player ' + p.L.name + ': "' + n + '"');
    }
    document.getElementById('panel').hidden = true;
  }

  /** A number of a player is a button with a name and a place in the keyboard's order. */
  function labelled(t) {
    return t.getAttribute('role') === 'button' && t.hasAttribute('tabindex') && (t.getAttribute('aria-label') || '').length > t.textContent.length;
  }

  /** The numbers a player writes at its position: each panel is right, and the map value is the record of this position. */
  function checkPlayerPosition(S, p, ok) {
    const k = p.t - 1, outKey = p.L.name + '.output';
    for (const t of p.detail.querySelectorAll('.src, .drv')) {
      const what = p.L.name + ' player at ' + k + ': ' + (t.getAttribute('aria-label') || t.textContent);
      ok(labelled(t) && (t.classList.contains('drv') ? checkDerived(S, t) : checkSource(S, t)), what);
    }
    // The map value: conv and average pooling write it as its record's button, max pooling as the window's max.
    const res = p.detail.querySelector('.result') || p.detail.querySelector('.sum-line > .drv:last-child');
    const d = res && res.classList.contains('drv') ? JSON.parse(res.dataset.drv) : null;
    const src = res && (d ? d.src : { key: res.dataset.key, k: Number(res.dataset.k) });
    ok(src && src.key === outKey && src.k === k && close(Number(d ? d.v : res.dataset.v), S.byKey[outKey].data[k], 0, TOLERANCE),
      p.L.name + ' player at ' + k + ': the map value is ' + outKey + '[' + k + ']');
  }

  /** Clicks a trace element's button: the panel shows its record's derivation, recomputed = recorded, and the value written is the recorded one. */
  function checkSource(S, t) {
    const body = document.getElementById('panel-body'), r = S.byKey[t.dataset.page], k = Number(t.dataset.k);
    if (!r || !(k < r.data.length)) return false;
    t.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    const shown = body.querySelector('.derivation'), value = body.querySelector('.recomputed');
    return !!(shown && shown.textContent === r.derivations[k] && value && !value.textContent.includes('\u2260') &&
      close(Number(value.dataset.value), r.data[k], 1e-9, TOLERANCE) && (!t.dataset.v || close(Number(t.dataset.v), r.data[k], 0, TOLERANCE)));
  }

  /** Clicks a worked-out number: the page's recomputation is the number shown (to its digits) and the
   *  builder's value; every operand or result naming a trace element opens a record on the page and
   *  holds its value; a player's map value recomputed equals the recorded one (1e-12). */
  function checkDerived(S, t) {
    const body = document.getElementById('panel-body'), d = JSON.parse(t.dataset.drv), shown = d.shown || t.textContent;
    t.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    const value = body.querySelector('.recomputed'), v = value && Number(value.dataset.value);
    const links = Array.from(body.querySelectorAll('.derived-formula .src'));
    const named = (x) => x.operands.filter((o) => o.src).length + (x.src ? 1 : 0);
    const wanted = named(d) + (d.then ? named(d.then) : 0);
    const linked = links.length === wanted && links.every((b) => b.dataset.page && S.byKey[b.dataset.page] && Number(b.dataset.k) < S.byKey[b.dataset.page].data.length);
    // Each operand and result that names a trace element holds that element's value (1e-12).
    const holds = (x) => !x.src || close(x.v, S.byKey[figureKey(S, x.src.trace, x.src.key)].data[x.src.k], 0, TOLERANCE);
    const all = [d].concat(d.then ? [d.then] : []), operands = all.flatMap((x) => x.operands);
    const checks = Array.from(body.querySelectorAll('.recomputed, .recorded'));
    const recorded = Array.from(body.querySelectorAll('.recorded'));
    const wantsRecorded = all.some((x) => x.check === 'recorded');
    return !!(value && sameDigits(v, shown) && close(v, d.v, 1e-9, TOLERANCE) && checks.every((c) => !c.textContent.includes('\u2260')) &&
      linked && all.every(holds) && operands.every(holds) && recorded.length === (wantsRecorded ? 1 : 0) &&
      recorded.every((c) => c.dataset.recorded && close(Number(c.dataset.value), Number(c.dataset.recorded), 0, TOLERANCE)));
  }

  /** Number-looking text in a player that is not a button (headings, labels, the hint, the count
   *  of filled cells, the position's index and the kernel's size aside). */
  function plainNumbersIn(root) {
    const plain = [], skip = '.src, .drv, h3, h4, .plane-label, .hint, .where, .step-head, .step-note, .controls';
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (n.parentElement.closest(skip)) continue;
      for (const m of n.textContent.matchAll(/(?:^|[\s(=:,/\u00d7+])([\u2212-]?\d+(?:\.\d+)?)(?=$|[\s,;)\u00d7=+])/g)) plain.push(m[1]);
    }
    return plain;
  }

  /** Arrow keys move the focus within a grid; Space and the arrow keys drive a player. */
  function checkKeyboard(S, ok) {
    const key = (target, k) => target.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
    for (const r of S.records) {
      const cells = S.cells[r.key];
      if (!cells || cells.length < 2) continue;
      cells[0].focus();
      key(cells[0], 'ArrowRight');
      ok(document.activeElement === cells[1] && cells[1].tabIndex === 0 && cells[0].tabIndex === -1, r.key + ': ArrowRight moves the focus');
      key(cells[1], 'ArrowLeft');
      ok(document.activeElement === cells[0], r.key + ': ArrowLeft moves it back');
    }
    const fig = S.figureTargets.find((t) => t.tabIndex === 0 && t.closest('figure') && t.closest('figure').querySelectorAll('.src').length > 1);
    if (fig) {
      fig.focus();
      key(fig, 'ArrowRight');
      const next = document.activeElement;
      ok(next !== fig && next.matches('.src, .drv') && next.tabIndex === 0, 'figure numbers: ArrowRight moves the focus');
      const panel = document.getElementById('panel');
      panel.hidden = true;
      key(next, 'Enter');
      ok(!panel.hidden, 'figure numbers: Enter opens the derivation');
      panel.hidden = true;
    }
    for (const p of S.players) {
      p.seek(0);
      key(p.root, 'ArrowRight');
      key(p.root, 'ArrowRight');
      key(p.root, 'ArrowLeft');
      const stepped = p.t === 1;
      key(p.root, 'End');
      ok(stepped && p.t === p.total, p.L.name + ': the keys step the player');
      checkPlayerKeys(S, p, ok, key);
    }
  }

  /** A player's numbers: one Tab stop for the numbers at the position and one per grid, the arrows
   *  move between them (a grid's ↓ by a row), Enter or Space opens one without playing. */
  function checkPlayerKeys(S, p, ok, key) {
    const panel = document.getElementById('panel');
    p.seek(1);
    const nums = Array.from(p.detail.querySelectorAll('.src, .drv'));
    ok(nums.length > 1 && nums.filter((b) => b.tabIndex === 0).length === 1 && nums[0].tabIndex === 0, p.L.name + ': one Tab stop for the player\u2019s numbers');
    nums[0].focus();
    key(nums[0], 'ArrowRight');
    ok(document.activeElement === nums[1] && nums[1].tabIndex === 0, p.L.name + ': ArrowRight moves to the next number');
    panel.hidden = true;
    key(nums[1], ' ');
    ok(!panel.hidden && p.t === 1, p.L.name + ': Space opens the number and leaves the player still');
    panel.hidden = true;
    p.seek(p.total);
    const W = p.L.inputShape[2], first = p.inCells[0];
    first.focus();
    key(first, 'ArrowDown');
    ok(first.tabIndex === -1 && document.activeElement === p.inCells[W] && p.t === p.total, p.L.name + ': ArrowDown moves down the input grid');
    key(p.inCells[W], 'Enter');
    ok(!panel.hidden, p.L.name + ': Enter opens a cell of the grid');
    panel.hidden = true;
  }

  /** Flips the pixel the engine flipped and compares every layer's output with the engine's. */
  function checkFlip(S, ok) {
    const F = S.D.flip;
    if (!F || !S.current) return;
    const shape = S.D.inputShape, k = (F.index[0] * shape[1] + F.index[1]) * shape[2] + F.index[2];
    document.getElementById('flip-mode').click();
    S.cells[S.inputKey(0)][k].click();
    document.getElementById('flip-mode').click();
    for (const L of S.D.layers) {
      const want = F.outputs[L.name], got = S.outputs[L.name];
      ok(want && got && want.every((v, i) => close(got[i], num(v), 0, TOLERANCE)), 'flip: ' + L.name + ' agrees with the engine');
    }
    ok(S.lastChange.changed > 0, 'flip: changed numbers are marked');
    const last = S.D.layers[S.D.layers.length - 1];
    ok(S.status.textContent.includes(fmt(S.outputs[last.name][0], S.D)), 'flip: the new votes are shown');
    checkVotes(S, ok, 'flip');
    document.getElementById('restore').click();
    const c = compareOutputs(S, S.outputs, (name) => S.byKey[name + '.output'] && S.byKey[name + '.output'].data);
    ok(c.bad === 0 && document.querySelectorAll('#grids .changed').length === 0, 'restore: the original numbers are back');
    checkVotes(S, ok, 'restore');
    document.getElementById('panel').hidden = true;
  }

  /** The votes under the what-if are buttons (the trace's record, or the flipped input's number) and no decimal there is plain. */
  function checkVotes(S, ok, when) {
    for (const t of S.status.querySelectorAll('.src, .drv')) {
      ok(t.getAttribute('aria-label') && (t.classList.contains('drv') ? checkDerived(S, t) : checkSource(S, t)), when + ': vote "' + t.textContent + '"');
    }
    const walk = document.createTreeWalker(S.status, NodeFilter.SHOW_TEXT), plain = [];
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (!n.parentElement.closest('.src, .drv')) for (const m of n.textContent.matchAll(/(?:^|[\s(=:,])([\u2212-]?\d*\.\d+)(?=$|[\s,;).])/g)) plain.push(m[1]);
    }
    ok(plain.length === 0, when + ': plain number in the votes: ' + plain.join(' '));
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
