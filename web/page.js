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
    if (!dataElement) { finishSelftest(null); return; }
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
      g.style.gridTemplateColumns = 'repeat(' + pl.cols + ', var(--cell))';
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
    S.figureTargets = Array.from(document.querySelectorAll('main .src'));
    const seen = new Set();
    for (const t of S.figureTargets) {
      const key = figureKey(S, t.dataset.trace, t.dataset.key), k = Number(t.dataset.k), r = key && S.byKey[key];
      t.dataset.page = key || '';
      if (!r || !(k < r.data.length)) { t.classList.add('src-missing'); continue; }
      const shown = t.textContent;
      t.setAttribute('aria-label', t.dataset.trace + ' ' + t.dataset.key + indexText(r.shape, k) + ' = ' + shown + ': show its derivation');
      const fig = t.closest('figure');
      if (!seen.has(fig)) { seen.add(fig); t.tabIndex = 0; }
    }
    const panel = document.getElementById('panel'), body = document.getElementById('panel-body');
    const open = (t) => {
      if (!t.dataset.page) return;
      const k = Number(t.dataset.k), parts = panelContent(S, t.dataset.page, k), r = S.byKey[t.dataset.page];
      // A figure may write the number with other decimals than the page (e.g. the learning steps' four).
      if (t.textContent !== r.shown[k]) parts.splice(1, 0, el('p', { class: 'figure-text', text: 'The figure writes it ' + t.textContent + '.' }));
      body.replaceChildren(...parts);
      panel.hidden = false;
    };
    const main = document.getElementById('main');
    main.addEventListener('click', (e) => { const t = e.target.closest && e.target.closest('.src'); if (t) open(t); });
    main.addEventListener('keydown', (e) => {
      const t = e.target.closest && e.target.closest('.src');
      if (!t) return;
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(t); return; }
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
      if (!step) return;
      const all = Array.from(t.closest('figure').querySelectorAll('.src')), j = all.indexOf(t) + step;
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
    S.status = el('p', { id: 'whatif-status', role: 'status', text: 'Votes: ' + votesText(S, S.outputs) });
    host.append(el('h3', { text: 'What if a pixel were different?' }), toggle, restore, S.status);
  }

  function votesText(S, outs) {
    const last = S.D.layers[S.D.layers.length - 1], v = outs[last.name];
    if (!v) return '';
    const names = S.D.classes && S.D.classes.length === v.length ? S.D.classes : Array.from(v, (_, i) => String(i));
    return Array.from(v, (x, i) => names[i] + ' ' + fmt(x, S.D)).join(', ');
  }

  function flip(S, k) {
    S.current[k] = -S.current[k];
    return refresh(S, 'Flipped input' + indexText(S.D.inputShape, k) + ' to ' + fmt(S.current[k], S.D) + '. ');
  }

  function restoreInput(S) {
    S.current.set(S.original);
    return refresh(S, 'The original input is back. ');
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
    const original = votesText(S, Object.fromEntries(S.D.layers.map((L) => [L.name, S.byKey[L.name + '.output'] && S.byKey[L.name + '.output'].data])));
    S.status.textContent = note + (changed ? changed + ' numbers changed (outlined). ' : '') + 'Votes: ' + votesText(S, S.outputs) +
      (changedInput(S) ? ' (originally ' + original + '). The backward pass is shown for the original input.' : '');
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
    for (let c = 0; c < C; c++) {
      const plane = planeGrid(H, W, inCells, 'input ' + (c + 1));
      const box = el('div', { class: 'patch-box', hidden: '' });
      plane.querySelector('.grid').append(box);
      boxes.push(box);
      inputs.append(plane);
    }
    for (let o = 0; o < F; o++) maps.append(planeGrid(OH, OW, outCells, (L.type === 'conv' ? 'map ' : 'pooled ') + (o + 1)));
    const detail = el('pre', { class: 'products', 'aria-live': 'off' });
    const back = el('button', { type: 'button', 'aria-label': 'Step back', text: '\u25c0 Back' });
    const playBtn = el('button', { type: 'button', 'aria-label': 'Play', text: 'Play' });
    const next = el('button', { type: 'button', 'aria-label': 'Step forward', text: 'Step \u25b6' });
    const scrub = el('input', { type: 'range', min: '0', max: String(total), value: '0', 'aria-label': 'Position of the window (cells filled)' });
    const where = el('span', { class: 'where' });
    const controls = el('div', { class: 'controls' }, back, playBtn, next, scrub, where);
    root.append(controls, el('p', { class: 'hint', text: 'Keys: Space plays or pauses, \u2190 and \u2192 step, Home and End jump.' }),
      el('div', { class: 'player-body' }, el('div', {}, el('h4', { text: 'input' }), inputs), el('div', {}, el('h4', { text: 'output' }), maps), detail));
    let t = 0, timer = null;
    const player = { root, L, total, outCells, inCells, get t() { return t; } };
    const cellAt = (x, k) => {
      const o = Math.floor(k / (OH * OW)), i = Math.floor(k / OW) % OH, j = k % OW;
      const cell = L.type === 'conv' ? convCell(L, S.params, x, o, i, j) : L.type === 'avgpool' ? avgCell(L, x, o, i, j) : poolCell(L, x, o, i, j);
      return { cell, o, i, j };
    };
    /** Moves to position `to`: fills the cells up to it, empties those after it, moves the window. */
    const moveTo = (to) => {
      const x = currentValues(S, S.inputKey(li));
      for (let k = t; k < to; k++) setCell(outCells[k], cellAt(x, k).cell.value, S.D);
      for (let k = to; k < t; k++) clearCell(outCells[k]);
      if (t > 0) outCells[t - 1].classList.remove('current');
      t = to;
      for (const c of inCells) c.classList.remove('lit', 'winner', 'tap');
      const cur = t > 0 ? cellAt(x, t - 1) : null;
      placeBoxes(L, cur, boxes, H, W);
      // The cells the kernel touches (with dilation, every d-th cell of the box), on every channel.
      if (cur && L.type === 'conv') for (const term of cur.cell.terms) if (term.xi >= 0) inCells[term.xi].classList.add('tap');
      if (cur) outCells[t - 1].classList.add('current');
      detail.textContent = cur ? describeStep(S, L, cur, inCells) : 'Press play or step to slide the window.';
      scrub.value = String(t);
      where.textContent = t + ' of ' + total + ' cells';
    };
    /** Repaints the input (after a what-if) and refills the map up to the current position. */
    player.render = () => {
      const x = currentValues(S, S.inputKey(li)), at = t;
      const image = li === 0 && x.every((v) => v >= -1 && v <= 1);
      for (let k = 0; k < H * W * C; k++) setCell(inCells[k], x[k], S.D, image);
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
    root.addEventListener('keydown', (e) => {
      if (e.target === scrub && e.key !== ' ') return;
      const keys = { ' ': () => (timer ? player.pause() : player.play()), ArrowRight: () => { player.pause(); player.step(); },
        ArrowLeft: () => { player.pause(); player.back(); }, Home: () => { player.pause(); player.seek(0); }, End: () => { player.pause(); player.seek(total); } };
      if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
    });
    player.render();
    return player;
  }

  function planeGrid(rows, cols, into, label) {
    const g = el('div', { class: 'grid small', role: 'img', 'aria-label': label });
    g.style.gridTemplateColumns = 'repeat(' + cols + ', var(--small))';
    for (let k = 0; k < rows * cols; k++) {
      const c = el('span', { class: 'cell' });
      into.push(c);
      g.append(c);
    }
    return el('div', { class: 'plane' }, el('div', { class: 'plane-label', text: label }), g);
  }

  function clearCell(c) {
    c.textContent = '';
    c.dataset.v = '';
    c.className = 'cell empty';
  }

  function setCell(c, v, D, image) {
    c.className = 'cell' + (v < 0 && !image ? ' neg' : '');
    c.textContent = image ? fmtCount(v, D) : fmt(v, D);
    c.dataset.v = String(v);
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

  /** The products (conv) or the window (pooling) at the current position, and the outline on the input. */
  function describeStep(S, L, cur, inCells) {
    const { cell, o, i, j } = cur, D = S.D;
    const head = L.name + '[' + o + ',' + i + ',' + j + ']';
    const d = L.dilation || 1, padNote = L.pad && L.pad.some((v) => v) ? ', padding ' + L.pad.join('/') + ' (top/left/bottom/right)' : '';
    if (L.type === 'maxpool') {
      inCells[cell.winner].classList.add('winner');
      return head + ' = max of the window (' + cell.cells.length + ' cells) = ' + fmt(cell.value, D) + ', the outlined winner';
    }
    if (L.type === 'avgpool') {
      return head + ' = sum of the window (' + cell.cells.length + ' cells) / ' + cell.divisor + ' = ' + fmt(cell.sum, D) + ' / ' +
        cell.divisor + ' = ' + fmt(cell.value, D);
    }
    const [kh, kw] = L.kernel;
    const lines = [];
    for (let r = 0; r < cell.terms.length; r += kw) {
      lines.push(cell.terms.slice(r, r + kw).map((t) => fmtCount(t.w, D) + '\u00d7' + fmtCount(t.x, D) + '=' + fmtCount(t.p, D)).join('  '));
    }
    const bias = !cell.bias ? '' : cell.bias < 0 ? ' \u2212 ' + fmt(-cell.bias, D) : ' + ' + fmt(cell.bias, D);
    return head + ': weight \u00d7 input for each cell of the patch\n' + lines.join('\n') + '\nsum ' + fmt(cell.sum, D) +
      (L.divisor !== 1 ? ' / ' + L.divisor : '') + bias + ' = ' + fmt(cell.value, D) + '  (' + kh + '\u00d7' + kw + ' feature' +
      (d > 1 ? ', dilation ' + d + ': it touches every ' + (d === 2 ? 'second' : d + 'th') + ' cell' : '') + padNote + ')';
  }

  // ---------- the self-test ----------

  function finishSelftest(S) {
    const result = { pass: 0, fail: 0, failures: [] };
    const ok = (cond, what) => { if (cond) result.pass += 1; else { result.fail += 1; result.failures.push(what); } };
    if (S) {
      try {
        checkEveryNumber(S, ok);
        checkFigureNumbers(S, ok);
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
   *  outlines exactly the cells its kernel touches at every position. */
  function checkPlayers(S, ok) {
    for (const p of S.players) {
      p.pause();
      p.seek(0);
      let guard = 0, taps = true;
      while (p.step() && guard++ < 1e6) {
        if (p.L.type !== 'conv') continue;
        const lit = [];
        p.inCells.forEach((c, m) => { if (c.classList.contains('tap')) lit.push(m); });
        if (lit.join(',') !== expectedTaps(p.L, p.t - 1)) taps = false;
      }
      ok(taps, p.L.name + ': the player outlines the cells the kernel touches');
      const want = S.byKey[p.L.name + '.output'];
      const filled = p.outCells.map((c) => Number(c.dataset.v));
      ok(p.t === p.total && want && filled.every((v, k) => close(v, want.data[k], 0, TOLERANCE)), p.L.name + ': the animation fills the map as traced');
    }
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
    const fig = S.figureTargets.find((t) => t.tabIndex === 0 && t.closest('figure').querySelectorAll('.src').length > 1);
    if (fig) {
      fig.focus();
      key(fig, 'ArrowRight');
      const next = document.activeElement;
      ok(next !== fig && next.classList.contains('src') && next.tabIndex === 0, 'figure numbers: ArrowRight moves the focus');
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
    }
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
    document.getElementById('restore').click();
    const c = compareOutputs(S, S.outputs, (name) => S.byKey[name + '.output'] && S.byKey[name + '.output'].data);
    ok(c.bad === 0 && document.querySelectorAll('#grids .changed').length === 0, 'restore: the original numbers are back');
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
