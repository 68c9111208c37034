// EgoStream console: four pages over one server-sent event stream and a small JSON API (WebConsole.java).
'use strict';

const state = { devices: new Map(), clips: new Map(), standing: new Map(), drawing: new Map() };
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k.startsWith('data-')) e.setAttribute(k, v); else e[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');
function clock(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function message(id, text, kind) {
  const m = $(id);
  m.textContent = text;
  m.className = 'message' + (kind ? ' ' + kind : '');
}

// A POST to the API: the parsed answer, or an Error whose message is the console's own, readable, explanation.
async function post(path, body) {
  let response;
  try {
    response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body) });
  } catch (e) {
    throw new Error('The console does not answer (is egostream ui still running?)');
  }
  const json = await response.json();
  if (!response.ok) throw new Error(json.error || ('HTTP ' + response.status));
  return json;
}

// What an answer that is not a plain OK says, for a person; null for OK.
function answerProblem(a) {
  if (a.status === 'ERROR') return 'The job refused the query: ' + a.reason;
  if (a.status === 'TIMED_OUT') return 'Timed out: ' + a.reason;
  if (a.status === 'PARTIAL') return 'Partial answer: ' + a.reason;
  return null;
}

// Frames of a device in [from, to) from ego.frames; each {t, src} with the JPEG as a data URL.
async function frames(device, from, to) {
  const r = await fetch(`/api/frames?device=${encodeURIComponent(device)}&from=${from}&to=${to}`);
  const json = await r.json();
  if (!r.ok) throw new Error(json.error);
  return json.frames.map((f) => ({ t: f.captureTimeMs, src: 'data:image/jpeg;base64,' + f.jpeg }));
}

async function decoded(src) {
  const img = new Image();
  img.src = src;
  await img.decode();
  return img;
}

const nearest = (list, t) => list.reduce((best, f) => (Math.abs(f.t - t) < Math.abs(best.t - t) ? f : best));

// ---- pages and the event stream ----

function showPage() {
  const page = (location.hash || '#live').slice(1);
  for (const p of document.querySelectorAll('.page')) p.classList.toggle('active', p.id === 'page-' + page);
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.id === 'nav-' + page);
}

function setStatus(s) {
  const e = $('status');
  e.textContent = s.message;
  e.className = 'status ' + (s.connected ? 'ok' : 'down');
}

function connect() {
  const events = new EventSource('/api/events');
  events.addEventListener('state', (e) => {
    const s = JSON.parse(e.data);
    setStatus(s.status);
    onDevices(s.devices);
    s.clips.forEach(onClip);
    state.standing.clear();
    s.standing.forEach((q) => state.standing.set(q.queryId, q));
    renderStanding();
  });
  events.addEventListener('status', (e) => setStatus(JSON.parse(e.data)));
  events.addEventListener('devices', (e) => onDevices(JSON.parse(e.data)));
  events.addEventListener('clip', (e) => onClip(JSON.parse(e.data)));
  events.addEventListener('alert', (e) => onAlert(JSON.parse(e.data)));
  events.onerror = () => setStatus({ connected: false, message: 'connection to the console lost; reconnecting...' });
}

// ---- Live ----

function onDevices(list) {
  const known = state.devices.size;
  for (const d of list) {
    const before = state.devices.get(d.deviceId);
    state.devices.set(d.deviceId, d);
    const t = tile(d.deviceId);
    t.querySelector('.fps').textContent = d.fps.toFixed(1) + ' frames/s';
    t.querySelector('.frames').textContent = d.frames + ' frames seen';
    t.querySelector('.clips').textContent = d.clips + ' clips embedded';
    if (d.newestFrameMs && (!before || before.newestFrameMs !== d.newestFrameMs)) {
      const img = t.querySelector('img.newest');
      img.src = `/api/frame?device=${encodeURIComponent(d.deviceId)}&t=${d.newestFrameMs}`;
      t.querySelector('.newest-time').textContent = 'newest frame ' + clock(d.newestFrameMs);
    }
  }
  if (state.devices.size !== known) renderDeviceChoices();
  renderTimelines();
}

function tile(deviceId) {
  let t = document.querySelector(`.tile[data-device="${CSS.escape(deviceId)}"]`);
  if (!t) {
    document.querySelector('#tiles .empty')?.remove();
    t = el('div', { class: 'tile', 'data-device': deviceId }, el('h3', {}, deviceId),
      el('img', { class: 'newest', alt: 'newest frame of ' + deviceId }),
      el('div', { class: 'stats' }, el('div', { class: 'newest-time' }), el('div', { class: 'fps' }),
        el('div', { class: 'frames' }), el('div', { class: 'clips' })),
      el('div', { class: 'overlay' }));
    const tiles = [...document.querySelectorAll('.tile')];
    const after = tiles.find((x) => x.dataset.device > deviceId);
    $('tiles').insertBefore(t, after || null);
  }
  return t;
}

function onClip(clip) {
  const newest = state.clips.get(clip.deviceId);
  if (newest && newest.startMs > clip.startMs) return;
  state.clips.set(clip.deviceId, clip);
  drawOverlay(clip.deviceId);
}

// Draws the device's newest clip: one row per pruning stage, one square per sampled frame, kept patches bright.
// At most one drawing per device at a time; a clip that arrives meanwhile is drawn next.
async function drawOverlay(deviceId) {
  if (state.drawing.get(deviceId)) return;
  state.drawing.set(deviceId, true);
  try {
    let clip;
    do {
      clip = state.clips.get(deviceId);
      const list = await frames(deviceId, clip.startMs, clip.endMs);
      if (list.length) {
        const images = await Promise.all(clip.frameTimesMs.map((t) => decoded(nearest(list, t).src)));
        renderOverlay(tile(deviceId).querySelector('.overlay'), clip, images);
      }
    } while (state.clips.get(deviceId) !== clip);
  } catch (e) {
    tile(deviceId).querySelector('.overlay').textContent = 'overlay: ' + e.message;
  } finally {
    state.drawing.set(deviceId, false);
  }
}

// images: the frame nearest each of the clip's frame times, decoded.
function renderOverlay(box, clip, images) {
  const grid = Math.round(Math.sqrt(clip.kept[0].length / images.length)); // stage 0 keeps every patch
  const rows = clip.kept.map((kept, stage) => {
    const canvases = images.map((img, t) => drawKept(img, grid,
      kept.filter((i) => Math.floor(i / (grid * grid)) === t)));
    const drawn = canvases.reduce((n, c) => n + Number(c.dataset.kept), 0);
    return el('div', { class: 'stage', 'data-stage': stage, 'data-kept': drawn },
      el('span', {}, `stage ${stage}: ${drawn} tokens`), ...canvases);
  });
  box.replaceChildren(el('div', {}, `clip ${clock(clip.startMs)} – ${clock(clip.endMs)}, ${clip.modelId}`), ...rows);
  box.dataset.clipStart = clip.startMs;
}

// The frame as the model's input square (the centre square, as the shipped model crops), dimmed, with the kept
// patches of this frame drawn at full brightness.
function drawKept(img, grid, indices) {
  const size = 128;
  const c = el('canvas', { width: size, height: size });
  const g = c.getContext('2d');
  const side = Math.min(img.naturalWidth, img.naturalHeight);
  const sx = (img.naturalWidth - side) / 2;
  const sy = (img.naturalHeight - side) / 2;
  g.drawImage(img, sx, sy, side, side, 0, 0, size, size);
  g.fillStyle = 'rgba(0, 0, 0, 0.65)';
  g.fillRect(0, 0, size, size);
  const cell = size / grid;
  const src = side / grid;
  const patches = new Set(indices.map((i) => i % (grid * grid)));
  for (const p of patches) {
    const row = Math.floor(p / grid);
    const col = p % grid;
    g.drawImage(img, sx + col * src, sy + row * src, src, src, col * cell, row * cell, cell, cell);
  }
  c.dataset.kept = patches.size;
  return c;
}

// ---- device filters and timelines ----

function renderDeviceChoices() {
  for (const box of [$('search-devices'), $('alert-devices')]) {
    const checked = new Set([...box.querySelectorAll('input:checked')].map((i) => i.value));
    box.replaceChildren('devices (none = all): ', ...[...state.devices.keys()].sort().map((d) =>
      el('label', {}, el('input', { type: 'checkbox', value: d, checked: checked.has(d) }), ' ' + d)));
  }
}

const checkedDevices = (box) => [...$(box).querySelectorAll('input:checked')].map((i) => i.value);

function renderTimelines() {
  const box = $('ask-timelines');
  for (const d of [...state.devices.values()].sort((a, b) => a.deviceId.localeCompare(b.deviceId))) {
    if (!d.firstMs) continue;
    let line = box.querySelector(`.timeline[data-device="${CSS.escape(d.deviceId)}"]`);
    if (!line) {
      line = el('div', { class: 'timeline', 'data-device': d.deviceId }, el('span', { class: 'label' }, d.deviceId),
        el('span', { class: 'ends' }));
      line.addEventListener('click', (e) => pickRange(line, e));
      box.append(line);
    }
    line.dataset.firstMs = d.firstMs;
    line.dataset.lastMs = d.lastMs;
    line.querySelector('.ends').textContent = `${clock(d.firstMs)} – ${clock(d.lastMs)}`;
  }
  renderMarks();
}

function pickRange(line, e) {
  const first = Number(line.dataset.firstMs);
  const last = Number(line.dataset.lastMs);
  const at = first + (last - first) * (e.offsetX / line.clientWidth);
  const half = Number($('ask-length').value) * 500;
  const inputs = [...document.querySelectorAll('.ask-choice')];
  const slot = inputs.find((i) => !i.value.trim()) || inputs[0];
  slot.value = `${line.dataset.device}:${Math.round(at - half)}:${Math.round(at + half)}`;
  renderMarks();
}

function renderMarks() {
  document.querySelectorAll('.timeline .mark').forEach((m) => m.remove());
  document.querySelectorAll('.ask-choice').forEach((input, n) => {
    const parts = input.value.trim().split(':');
    if (parts.length < 3) return;
    const end = Number(parts.pop());
    const start = Number(parts.pop());
    const line = document.querySelector(`.timeline[data-device="${CSS.escape(parts.join(':'))}"]`);
    if (!line || !(end > start)) return;
    const first = Number(line.dataset.firstMs);
    const span = Number(line.dataset.lastMs) - first;
    line.append(el('div', { class: 'mark', title: 'choice ' + (n + 1),
      style: `left:${(100 * (start - first)) / span}%;width:${Math.max(0.5, (100 * (end - start)) / span)}%` }));
  });
}

// ---- hit cards (Search and Alerts) ----

async function hitCard(hit, label) {
  const card = el('div', { class: 'card hit', 'data-device': hit.deviceId, 'data-start-ms': hit.startMs,
    'data-end-ms': hit.endMs, 'data-score': hit.score },
  el('h3', {}, `${hit.deviceId}  ${hit.score.toFixed(3)}`),
  el('div', { class: 'meta' }, `${label || ''}${clock(hit.startMs)} – ${clock(hit.endMs)}`));
  try {
    card.append(...await playable(hit.deviceId, hit.startMs, hit.endMs));
  } catch (e) {
    card.append(el('div', { class: 'message error' }, 'frames: ' + e.message));
  }
  return card;
}

// A strip of four of the moment's frames and a player that plays them all at their capture pace.
async function playable(device, from, to) {
  const list = await frames(device, from, to);
  if (!list.length) return [el('div', { class: 'hint' }, 'no frames of this moment on ego.frames any more')];
  const strip = el('div', { class: 'strip' },
    ...[0, 1, 2, 3].map((i) => el('img', { src: list[Math.floor(((i + 0.5) * list.length) / 4)].src })));
  const screen = el('img', { class: 'screen', src: list[0].src });
  const button = el('button', { type: 'button', class: 'play' }, 'Play');
  button.addEventListener('click', () => {
    list.forEach((f) => setTimeout(() => { screen.src = f.src; }, f.t - list[0].t));
  });
  await Promise.all([...strip.children, screen].map((img) => img.decode().catch(() => {})));
  return [strip, el('div', { class: 'player' }, screen, button)];
}

// ---- Search ----

function localMs(input) {
  return input.value ? new Date(input.value).getTime() : 0;
}

async function search(e) {
  e.preventDefault();
  const started = performance.now();
  const results = $('search-results');
  results.replaceChildren();
  delete results.dataset.roundTripMs;
  message('search-message', 'searching...', 'wait');
  try {
    const a = await post('/api/moment', { text: $('search-text').value, devices: checkedDevices('search-devices'),
      fromMs: localMs($('search-from')), toMs: localMs($('search-to')), topK: Number($('search-top-k').value) });
    const answered = Math.round(performance.now() - started);
    const problem = answerProblem(a);
    if (problem && a.status === 'ERROR') {
      message('search-message', problem, 'error');
      return;
    }
    const cards = await Promise.all(a.hits.map((h, i) => hitCard(h, `#${i + 1}  `)));
    results.replaceChildren(...cards);
    const ms = Math.round(performance.now() - started);
    results.dataset.answerMs = answered;
    results.dataset.roundTripMs = ms;
    message('search-message', `${a.hits.length} hits in ${ms} ms (the answer after ${answered} ms; the job's `
      + `latency ${a.latencyMs} ms)` + (problem ? ' — ' + problem : ''), problem ? 'error' : '');
  } catch (err) {
    message('search-message', err.message, 'error');
  }
}

// ---- Alerts ----

async function watch(e) {
  e.preventDefault();
  try {
    const body = { text: $('alert-text').value, threshold: Number($('alert-threshold').value),
      devices: checkedDevices('alert-devices') };
    const r = await post('/api/standing', body);
    state.standing.set(r.queryId, { queryId: r.queryId, text: body.text.trim(), threshold: body.threshold,
      devices: body.devices });
    renderStanding();
    message('alert-message', `watching as ${r.queryId}; hits appear below as new clips match`);
  } catch (err) {
    message('alert-message', err.message, 'error');
  }
}

function renderStanding() {
  $('alert-queries').replaceChildren(...[...state.standing.values()].map((q) => {
    const cancel = el('button', { type: 'button', class: 'cancel' }, 'Cancel');
    cancel.addEventListener('click', () => unwatch(q.queryId));
    return el('li', { 'data-query-id': q.queryId }, `${q.queryId}: "${q.text}" ≥ ${q.threshold} on `
      + (q.devices.length ? q.devices.join(', ') : 'all devices') + ' ', cancel);
  }));
}

async function unwatch(id) {
  message('alert-message', 'cancelling ' + id + '...', 'wait');
  try {
    const a = await post('/api/cancel', { queryId: id });
    const problem = answerProblem(a);
    if (problem) {
      message('alert-message', problem, 'error');
      return;
    }
    state.standing.delete(id);
    renderStanding();
    message('alert-message', id + ' cancelled');
  } catch (err) {
    message('alert-message', err.message, 'error');
  }
}

async function onAlert(a) {
  const feed = $('alert-feed');
  const problem = answerProblem(a);
  if (problem) {
    feed.prepend(el('div', { class: 'card alert-error' }, el('h3', {}, a.queryId),
      el('div', { class: 'message error' }, problem)));
    if (a.status === 'ERROR' || a.status === 'TIMED_OUT') {
      state.standing.delete(a.queryId);
      renderStanding();
    }
    return;
  }
  for (const hit of a.hits) {
    const slot = el('div'); // holds the place, so cards stay in arrival order while their frames load
    feed.prepend(slot);
    const card = await hitCard(hit, a.queryId + '  ');
    card.classList.add('alert');
    slot.replaceWith(card);
  }
  while (feed.children.length > 40) feed.lastChild.remove();
}

// ---- Ask ----

async function ask(e) {
  e.preventDefault();
  const result = $('ask-result');
  result.replaceChildren();
  const choices = [...document.querySelectorAll('.ask-choice')].map((i) => i.value.trim());
  message('ask-message', 'asking...', 'wait');
  try {
    const a = await post('/api/mcq', { narration: $('ask-narration').value, choices, waitMs: 0 });
    const problem = answerProblem(a);
    if (a.status === 'ERROR') {
      message('ask-message', problem, 'error');
      return;
    }
    const cards = await Promise.all(choices.map(async (c, i) => {
      const parts = c.split(':');
      const end = Number(parts.pop());
      const start = Number(parts.pop());
      const device = parts.join(':');
      const score = a.mcq.scores[i];
      const card = el('div', { class: 'card choice' + (i === a.mcq.choice ? ' chosen' : ''), 'data-choice': i,
        'data-score': score === null ? '' : score },
      el('h3', {}, `${i + 1}. ${device}${i === a.mcq.choice ? '  ← chosen' : ''}`),
      el('div', { class: 'meta' }, `${clock(start)} – ${clock(end)}; score ${score === null ? 'not scored'
        : score.toFixed(3)} (${a.mcq.sources[i].toLowerCase().replace('_', ' ')})`),
      el('div', { class: 'bar', style: `width:${score === null ? 0 : Math.max(2, (score + 1) * 50)}%` }));
      try {
        card.append(...await playable(device, start, end));
      } catch (err) {
        card.append(el('div', { class: 'message error' }, 'frames: ' + err.message));
      }
      return card;
    }));
    result.replaceChildren(...cards);
    message('ask-message', (problem ? problem + ' — ' : '') + (a.mcq.choice < 0 ? 'no choice could be scored'
      : `chose ${a.mcq.choice + 1} (latency ${a.latencyMs} ms)`), problem ? 'error' : '');
  } catch (err) {
    message('ask-message', err.message, 'error');
  }
}

window.addEventListener('hashchange', showPage);
$('search-form').addEventListener('submit', search);
$('alert-form').addEventListener('submit', watch);
$('ask-form').addEventListener('submit', ask);
$('ask-clear').addEventListener('click', () => {
  document.querySelectorAll('.ask-choice').forEach((i) => { i.value = ''; });
  renderMarks();
});
document.querySelectorAll('.ask-choice').forEach((i) => i.addEventListener('change', renderMarks));
showPage();
connect();
