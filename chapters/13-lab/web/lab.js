// lab.js — the digit lab's page: a draw pad, probability bars, a live training panel, a 3-D PCA
// scatter, first-layer weights and the most confident mistakes. Everything it shows comes from
// the server's JSON API (chapters/13-lab/README.md lists it); no framework, no build step.
'use strict';

const $ = (id) => document.getElementById(id);
const CLASS_COLORS = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231',
                      '#911eb4', '#42d4f4', '#f032e6', '#9a6324', '#000075'];

const state = {
  models: [],          // from GET /api/models
  model: '',           // selected name, or 'all'
  lastPixels: null,    // the last drawing sent, to re-ask when the temperature moves
  lastResult: null,    // the last /api/predict reply
  pca: null,           // GET /api/pca reply for the selected model
  drawingPoint: null,  // the drawing's position in the PCA space
  curve: [],           // training events of the current job
};

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)};
  const res = await fetch(path, init);
  const json = await res.json();
  if (!res.ok) throw new Error(json.error || res.statusText);
  return json;
}

// ------------------------------------------------------------------ the draw pad

const pad = $('pad');
const padCtx = pad.getContext('2d', {willReadFrequently: true});

function clearPad() {
  padCtx.fillStyle = '#000';
  padCtx.fillRect(0, 0, pad.width, pad.height);
}

function padPoint(event) {  // pointer position in canvas pixels, whatever the CSS size
  const r = pad.getBoundingClientRect();
  return {x: (event.clientX - r.left) * pad.width / r.width, y: (event.clientY - r.top) * pad.height / r.height};
}

// Strokes are interpolated: each pointermove draws a round-capped line from the previous
// point, so a fast stroke is a continuous line rather than a trail of dots.
let last = null;
pad.addEventListener('pointerdown', (e) => {
  pad.setPointerCapture(e.pointerId);
  last = padPoint(e);
  padCtx.fillStyle = '#fff';
  padCtx.beginPath();
  padCtx.arc(last.x, last.y, 11, 0, 2 * Math.PI);
  padCtx.fill();
  e.preventDefault();
});
pad.addEventListener('pointermove', (e) => {
  if (!last) return;
  const p = padPoint(e);
  padCtx.strokeStyle = '#fff';
  padCtx.lineWidth = 22;
  padCtx.lineCap = 'round';
  padCtx.lineJoin = 'round';
  padCtx.beginPath();
  padCtx.moveTo(last.x, last.y);
  padCtx.lineTo(p.x, p.y);
  padCtx.stroke();
  last = p;
  e.preventDefault();
});
const endStroke = () => { if (last) { last = null; predictDrawing(); } };
pad.addEventListener('pointerup', endStroke);
pad.addEventListener('pointercancel', endStroke);
$('clear').addEventListener('click', () => {
  clearPad();
  state.lastPixels = null;
  state.drawingPoint = null;
  $('top-class').textContent = '–';
  renderBars(null);
  drawSeen(new Array(784).fill(0));
  drawPca();
});

// The raw canvas bitmap as ink in [0, 1] (the red channel of white-on-black), two decimals.
function padPixels() {
  const rgba = padCtx.getImageData(0, 0, pad.width, pad.height).data;
  const ink = new Array(pad.width * pad.height);
  for (let i = 0; i < ink.length; i++) ink[i] = Math.round(rgba[4 * i] / 2.55) / 100;
  return ink;
}

// ------------------------------------------------------------------ prediction

function temperature() { return Math.pow(10, Number($('temperature').value)); }

async function predictDrawing() {
  state.lastPixels = padPixels();
  return predict();
}

async function predict() {
  if (!state.lastPixels) return null;
  const body = {width: pad.width, height: pad.height, pixels: state.lastPixels,
                temperature: temperature(), model: state.model};
  try {
    const reply = await api('/api/predict', body);
    state.lastResult = reply;
    drawSeen(reply.input);
    renderBars(reply.results);
    const first = reply.results[0];
    $('top-class').textContent = reply.results.map((r) => r.top).join(' · ');
    state.drawingPoint = first.pca_point || null;
    drawPca();
    return reply;
  } catch (err) {
    $('top-class').textContent = '?';
    $('bars').innerHTML = `<p class="error">${err.message}</p>`;
    return null;
  }
}

function paintGray(canvas, values, size = 28) {  // values in [0, 1], white ink on black
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const v = Math.round(255 * Math.min(1, Math.max(0, values[i])));
    img.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}

function drawSeen(input) { paintGray($('seen'), input); }

function barRow(label, p, isTop) {
  const row = document.createElement('div');
  row.className = 'bar' + (isTop ? ' top' : '');
  row.innerHTML = `<span>${label}</span><span class="track"><span class="fill" style="width:${(100 * p).toFixed(1)}%"></span></span>` +
                  `<span class="pct">${(100 * p).toFixed(1)}%</span>`;
  return row;
}

function renderBars(results) {
  const bars = $('bars');
  bars.innerHTML = '';
  for (const r of results || []) {
    const group = document.createElement('div');
    group.className = 'bars-group';
    group.dataset.model = r.model;
    group.innerHTML = `<h4>${r.model}</h4>`;
    r.probabilities.forEach((p, k) => group.appendChild(barRow(k, p, k === r.top)));
    bars.appendChild(group);
  }
}

$('temperature').addEventListener('input', () => {
  $('temperature-value').textContent = temperature().toFixed(2);
  predict();
});

// ------------------------------------------------------------------ models

async function loadModels(select) {
  const reply = await api('/api/models');
  state.models = reply.models;
  const sel = $('model-select');
  const keep = select || state.model || reply.default;
  sel.innerHTML = '';
  for (const m of reply.models) sel.add(new Option(`${m.name} (${m.layers}, ${(100 * m.test_accuracy).toFixed(2)}%)`, m.name));
  if (reply.models.length > 1) sel.add(new Option('all models side by side', 'all'));
  sel.value = [...sel.options].some((o) => o.value === keep) ? keep : reply.default;
  await selectModel(sel.value);
}

async function selectModel(name) {
  state.model = name;
  const m = state.models.find((x) => x.name === name);
  $('model-info').textContent = m ? `${m.parameters.toLocaleString()} parameters, from ${m.source}` :
                                     name === 'all' ? `${state.models.length} models` : 'no model loaded';
  const viewModel = name === 'all' ? (state.models[0] || {}).name : name;
  if (!viewModel) return;
  // Each view may be missing for some models (a convolution network has no dense first layer
  // to draw as weights): show why in its card and carry on with the others.
  const views = [[loadPca, 'pca-info'], [loadWeights, 'weights'], [loadMistakes, 'mistakes-info']];
  await Promise.all(views.map(([load, box]) => load(viewModel).catch((err) => {
    $(box).innerHTML = `<span class="error">${err.message}</span>`;
  })));
  await predict();
}
$('model-select').addEventListener('change', (e) => selectModel(e.target.value));

// ------------------------------------------------------------------ weights and mistakes

async function loadWeights(model) {
  const reply = await api(`/api/weights?model=${encodeURIComponent(model)}`);
  const box = $('weights');
  box.innerHTML = '';
  for (const w of reply.images) {
    const c = document.createElement('canvas');
    c.width = c.height = 28;
    const ctx = c.getContext('2d');
    const img = ctx.createImageData(28, 28);
    w.forEach((v, i) => {  // red for positive, blue for negative weights
      const a = Math.round(255 * Math.min(1, Math.abs(v)));
      img.data.set(v >= 0 ? [a, 0, 0, 255] : [0, 0, a, 255], 4 * i);
    });
    ctx.putImageData(img, 0, 0);
    box.appendChild(c);
  }
}

async function loadMistakes(model) {
  const reply = await api(`/api/mistakes?model=${encodeURIComponent(model)}`);
  const box = $('mistakes');
  box.innerHTML = '';
  $('mistakes-info').textContent = `on the ${reply.test_size} test digits: predicted (true), confidence`;
  for (const m of reply.mistakes) {
    const fig = document.createElement('figure');
    const c = document.createElement('canvas');
    c.width = c.height = 28;
    paintGray(c, m.image);
    fig.appendChild(c);
    fig.insertAdjacentHTML('beforeend', `<figcaption>${m.predicted} (${m.truth}) ${(100 * m.confidence).toFixed(0)}%</figcaption>`);
    box.appendChild(fig);
  }
}

// ------------------------------------------------------------------ the PCA scatter

const pcaCanvas = $('pca');
const view = {yaw: 0.6, pitch: 0.35};

async function loadPca(model) {
  state.pca = await api(`/api/pca?model=${encodeURIComponent(model)}`);
  const ex = state.pca.explained.map((e) => (100 * e).toFixed(1) + '%').join(', ');
  $('pca-info').textContent = `${state.pca.samples} test digits, last hidden layer (${state.pca.dimension} units); ` +
                              `the 3 axes explain ${ex}; drag to rotate`;
  drawPca();
}

// Rotate (yaw about y, then pitch about x) and project with a little perspective.
function project(x, y, z, scale) {
  const cy = Math.cos(view.yaw), sy = Math.sin(view.yaw), cp = Math.cos(view.pitch), sp = Math.sin(view.pitch);
  const x1 = cy * x + sy * z, z1 = -sy * x + cy * z;
  const y1 = cp * y - sp * z1, z2 = sp * y + cp * z1;
  const f = 1 / (1 + 0.25 * z2 / scale);
  return {x: pcaCanvas.width / 2 + x1 * f * (pcaCanvas.width * 0.4) / scale,
          y: pcaCanvas.height / 2 - y1 * f * (pcaCanvas.height * 0.4) / scale, depth: z2};
}

function drawPca() {
  const ctx = pcaCanvas.getContext('2d');
  ctx.clearRect(0, 0, pcaCanvas.width, pcaCanvas.height);
  const pca = state.pca;
  if (!pca) return;
  const pts = pca.points;
  let scale = 1e-6;
  for (const v of pts) scale = Math.max(scale, Math.abs(v));
  const order = [];
  for (let i = 0; i < pca.labels.length; i++) {
    const p = project(pts[3 * i], pts[3 * i + 1], pts[3 * i + 2], scale);
    order.push({p, label: pca.labels[i]});
  }
  order.sort((a, b) => b.p.depth - a.p.depth);  // far points first
  ctx.globalAlpha = 0.75;
  for (const {p, label} of order) {
    ctx.fillStyle = CLASS_COLORS[label];
    ctx.fillRect(p.x - 1.5, p.y - 1.5, 3, 3);
  }
  ctx.globalAlpha = 1;
  if (state.drawingPoint) {  // the drawing, highlighted
    const [x, y, z] = state.drawingPoint;
    const p = project(x, y, z, scale);
    ctx.lineWidth = 3;
    ctx.strokeStyle = '#000';
    ctx.fillStyle = '#fde047';
    ctx.beginPath();
    ctx.arc(p.x, p.y, 8, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
}

let drag = null;
pcaCanvas.addEventListener('pointerdown', (e) => { drag = {x: e.clientX, y: e.clientY}; pcaCanvas.setPointerCapture(e.pointerId); });
pcaCanvas.addEventListener('pointermove', (e) => {
  if (!drag) return;
  view.yaw += (e.clientX - drag.x) * 0.01;
  view.pitch = Math.max(-1.5, Math.min(1.5, view.pitch + (e.clientY - drag.y) * 0.01));
  drag = {x: e.clientX, y: e.clientY};
  drawPca();
});
pcaCanvas.addEventListener('pointerup', () => { drag = null; });
$('pca-legend').innerHTML = CLASS_COLORS.map((c, k) => `<span style="--c:${c}">${k}</span>`).join('');

// ------------------------------------------------------------------ the training panel

$('train-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  const body = {
    hidden: String(f.get('hidden')).split(',').filter((s) => s.trim()).map(Number),
    epochs: Number(f.get('epochs')), batch: Number(f.get('batch')),
    lr: Number(f.get('lr')), limit: Number(f.get('limit')),
  };
  try {
    const reply = await api('/api/train', body);
    state.curve = [];
    $('train-status').textContent = `job ${reply.job} started`;
    $('train-status').className = 'muted';
    $('train-start').disabled = true;
  } catch (err) {
    $('train-status').textContent = err.message;
    $('train-status').className = 'error';
  }
});

function onTrainingEvent(ev) {
  if (ev.state === 'training') {
    if (state.curve.length && state.curve[state.curve.length - 1].job !== ev.job) state.curve = [];
    state.curve.push(ev);
    $('train-start').disabled = true;
    $('train-status').textContent =
      `job ${ev.job}: epoch ${ev.epoch}/${ev.epochs}, step ${ev.step}/${ev.steps} · loss ${ev.loss.toFixed(3)} · ` +
      `val ${(100 * ev.val_accuracy).toFixed(1)}% · ${Math.round(ev.samples_per_second).toLocaleString()} samples/s · ` +
      `GEMM ${ev.gflops.toFixed(0)} GFLOP/s · ETA ${ev.eta_seconds.toFixed(0)} s`;
    drawCurves();
    renderConfusion(ev.confusion);
    renderPerClass(ev.per_class);
  } else {
    $('train-start').disabled = false;
    $('train-status').textContent = ev.state === 'done' ? `job ${ev.job} done: serving ${ev.model}` : `job ${ev.job} ${ev.state}: ${ev.error}`;
    if (ev.state === 'done') loadModels(ev.model);
  }
}

function drawCurves() {
  const c = $('train-chart'), ctx = c.getContext('2d'), pts = state.curve;
  c.dataset.points = String(pts.length);
  ctx.clearRect(0, 0, c.width, c.height);
  if (!pts.length) return;
  const steps = pts[0].steps, left = 36, right = c.width - 36, top = 10, bottom = c.height - 22;
  const maxLoss = Math.max(...pts.map((p) => p.loss), ...pts.map((p) => p.val_loss), 0.1);
  const x = (s) => left + (right - left) * s / steps;
  ctx.strokeStyle = '#cbd5e1';
  ctx.strokeRect(left, top, right - left, bottom - top);
  ctx.fillStyle = '#6b7280';
  ctx.font = '11px system-ui';
  ctx.fillText(maxLoss.toFixed(2), 2, top + 8);
  ctx.fillText('0', 2, bottom);
  ctx.fillText('100%', right + 4, top + 8);
  ctx.fillText(`step ${steps}`, right - 50, c.height - 6);
  const series = [
    {key: 'loss', color: '#dc2626', y: (v) => bottom - (bottom - top) * v / maxLoss, name: 'train loss'},
    {key: 'train_accuracy', color: '#2563eb', y: (v) => bottom - (bottom - top) * v, name: 'train acc'},
    {key: 'val_accuracy', color: '#16a34a', y: (v) => bottom - (bottom - top) * v, name: 'val acc'},
  ];
  series.forEach((s, i) => {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    pts.forEach((p, j) => (j ? ctx.lineTo : ctx.moveTo).call(ctx, x(p.step), s.y(p[s.key])));
    ctx.stroke();
    ctx.fillStyle = s.color;
    ctx.fillText(s.name, left + 8 + 80 * i, c.height - 6);
  });
}

function renderConfusion(matrix) {
  const table = $('confusion');
  if (!table.rows.length) {  // built once: header row + 10 rows of 10 cells
    table.insertAdjacentHTML('beforeend', '<tr><th>t\\p</th>' + [...Array(10).keys()].map((k) => `<th>${k}</th>`).join('') + '</tr>');
    for (let t = 0; t < 10; t++) table.insertAdjacentHTML('beforeend', `<tr><th>${t}</th>${'<td></td>'.repeat(10)}</tr>`);
  }
  let most = 1;
  matrix.forEach((row) => row.forEach((n) => { most = Math.max(most, n); }));
  matrix.forEach((row, t) => row.forEach((n, p) => {
    const cell = table.rows[t + 1].cells[p + 1];
    cell.textContent = n;
    const a = Math.sqrt(n / most);
    cell.style.background = t === p ? `rgba(22,163,74,${a})` : `rgba(220,38,38,${a})`;
    cell.style.color = a > 0.6 ? '#fff' : '#111';
  }));
}

function renderPerClass(perClass) {
  const box = $('per-class');
  box.innerHTML = '';
  perClass.forEach((p, k) => box.appendChild(barRow(k, p, false)));
}

function listenForTraining() {
  const events = new EventSource('/api/train/events');
  events.onmessage = (m) => onTrainingEvent(JSON.parse(m.data));
}

// ------------------------------------------------------------------ start

clearPad();
drawSeen(new Array(784).fill(0));
renderConfusion([...Array(10)].map(() => new Array(10).fill(0)));
const ready = loadModels().catch((err) => { $('model-info').textContent = err.message; });
listenForTraining();

// For scripts driving the page (the browser test): wait for start-up, predict what is drawn now.
window.lab = {ready, predictNow: predictDrawing, state};
