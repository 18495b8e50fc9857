// stats.js — RTCBridge live session stats (no dependencies, no CDN). Loaded by stats.html at
// /sessions (every session) and /{path}/stats (one path's sessions).
//
// Polls GET /api/sessions[?path=NAME] once a second and draws, per session, four small canvas
// graphs over the last HISTORY samples: bitrate sent (kbit/s, from bytesSent deltas; packets
// received per second for publishers), round-trip time (ms) and fraction lost (%) from the
// peer's receiver reports, and NACKs + PLI/FIR received per second. Each canvas carries
// data-points (the number of points plotted) so tests can check the graphs are not empty.
// Viewers also get a line with their freezes, frozen time and time spent waiting for keyframes.
// When the gateway has a token, the page asks for it and sends it as a bearer token header
// (kept in sessionStorage, never in the URL).
'use strict';
(() => {
  const POLL_MS = 1000, HISTORY = 120;
  const LINE = '#50c8ff', GRID = '#333', TEXT = '#999';
  const match = location.pathname.match(/^\/(.+)\/stats\/?$/);
  const pathFilter = match ? decodeURIComponent(match[1]) : null;
  const api = '/api/sessions' + (pathFilter ? '?path=' + encodeURIComponent(pathFilter) : '');
  const statusEl = document.getElementById('status');
  const list = document.getElementById('sessions');
  const empty = document.getElementById('empty');
  const auth = document.getElementById('auth');
  const GRAPHS = [
    {key: 'bitrate', label: 'bitrate kbit/s'},
    {key: 'rtt', label: 'RTT ms'},
    {key: 'loss', label: 'loss %'},
    {key: 'feedback', label: 'NACK+PLI /s'},
  ];
  const sessions = new Map();   // id → {card, canvases, points: {key: [..]}, last}

  document.getElementById('title').textContent = pathFilter ? `${pathFilter} — sessions` : 'all sessions';
  document.title = `${pathFilter ?? 'sessions'} — RTCBridge stats`;

  function setStatus(text, kind) {
    statusEl.textContent = text;
    statusEl.className = kind;
    document.body.dataset.state = kind;
  }

  auth.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem('rtcbridge-token', document.getElementById('token').value);
    auth.hidden = true;
    poll();
  });

  function card(s) {
    let entry = sessions.get(s.id);
    if (entry) return entry;
    const el = document.createElement('section');
    el.className = 'session';
    el.dataset.session = s.id;
    const title = document.createElement('h2');
    title.textContent = `${s.path} · ${s.role} · ${s.id} · ${s.srtpProfile ?? 'DTLS pending'}`;
    const graphs = document.createElement('div');
    graphs.className = 'graphs';
    const canvases = {};
    for (const g of GRAPHS) {
      const c = document.createElement('canvas');
      c.width = 300; c.height = 120;
      c.dataset.metric = g.key;
      c.dataset.points = '0';
      graphs.appendChild(c);
      canvases[g.key] = c;
    }
    const freezes = document.createElement('p');
    freezes.className = 'freezes';
    el.append(title, freezes, graphs);
    list.appendChild(el);
    entry = {el, canvases, freezes, points: {bitrate: [], rtt: [], loss: [], feedback: []}, last: null};
    sessions.set(s.id, entry);
    return entry;
  }

  function push(series, value) {
    series.push(value);
    if (series.length > HISTORY) series.shift();
  }

  function draw(canvas, label, series) {
    const ctx = canvas.getContext('2d');
    const w = canvas.width, h = canvas.height, top = 16, bottom = h - 4;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, w, h);
    const values = series.filter((v) => v !== null);
    const max = Math.max(1e-9, ...values) * 1.1;
    ctx.strokeStyle = GRID;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(0, bottom + 0.5); ctx.lineTo(w, bottom + 0.5);
    ctx.stroke();
    ctx.fillStyle = TEXT;
    ctx.font = '11px monospace';
    const latest = values.length ? values[values.length - 1] : null;
    ctx.fillText(`${label}: ${latest === null ? '—' : latest.toFixed(latest < 10 ? 2 : 0)}  max ${(max / 1.1).toFixed(1)}`, 4, 11);
    ctx.strokeStyle = LINE;
    ctx.lineWidth = 2;
    ctx.beginPath();
    let plotted = 0, pen = false;
    series.forEach((v, i) => {
      if (v === null) { pen = false; return; }
      const x = HISTORY > 1 ? (i + HISTORY - series.length) * (w - 1) / (HISTORY - 1) : 0;
      const y = bottom - (v / max) * (bottom - top);
      if (pen) ctx.lineTo(x, y); else ctx.moveTo(x, y);
      pen = true;
      plotted += 1;
    });
    if (plotted === 1) {   // a single point: a short tick so it shows
      const i = series.findIndex((v) => v !== null);
      const x = (i + HISTORY - series.length) * (w - 1) / (HISTORY - 1);
      ctx.lineTo(x + 3, bottom - (series[i] / max) * (bottom - top));
    }
    ctx.stroke();
    canvas.dataset.points = String(plotted);
  }

  function update(s, time) {
    const entry = card(s);
    entry.freezes.hidden = s.freezes === null || s.freezes === undefined;
    if (!entry.freezes.hidden) {
      entry.freezes.textContent = `freezes ${s.freezes} · frozen ${s.frozenSeconds.toFixed(1)} s`
        + ` · waiting for keyframes ${s.keyframeWaitingSeconds.toFixed(1)} s`;
    }
    const last = entry.last;
    entry.last = {time, s};
    if (!last || time <= last.time) return;
    const dt = time - last.time;
    const p = entry.points;
    const rate = s.role === 'whip'
      ? (s.packetsReceived - last.s.packetsReceived) / dt
      : (s.bytesSent - last.s.bytesSent) * 8 / 1000 / dt;
    push(p.bitrate, Math.max(0, rate));
    push(p.rtt, s.roundTripSeconds === null ? null : s.roundTripSeconds * 1000);
    push(p.loss, s.fractionLost === null ? null : s.fractionLost * 100);
    const feedback = (s.nacksReceived - last.s.nacksReceived) + (s.keyframeRequestsReceived - last.s.keyframeRequestsReceived);
    push(p.feedback, Math.max(0, feedback / dt));
    GRAPHS.forEach((g) => draw(entry.canvases[g.key], s.role === 'whip' && g.key === 'bitrate' ? 'packets in /s' : g.label, p[g.key]));
  }

  async function poll() {
    const token = sessionStorage.getItem('rtcbridge-token');
    let resp;
    try {
      resp = await fetch(api, {cache: 'no-store', headers: token ? {Authorization: `Bearer ${token}`} : {}});
    } catch (error) {
      setStatus(`gateway unreachable: ${error.message}`, 'error');
      return;
    }
    if (resp.status === 401) {
      setStatus('token required', 'error');
      auth.hidden = false;
      return;
    }
    if (!resp.ok) { setStatus(`HTTP ${resp.status}`, 'error'); return; }
    const body = await resp.json();
    const seen = new Set();
    for (const s of body.sessions) {
      seen.add(s.id);
      update(s, body.time);
    }
    for (const [id, entry] of sessions) {
      if (!seen.has(id)) { entry.el.remove(); sessions.delete(id); }
    }
    empty.hidden = sessions.size > 0;
    document.body.dataset.sessions = String(sessions.size);
    setStatus(`${sessions.size} session${sessions.size === 1 ? '' : 's'}`, 'live');
  }

  poll();
  setInterval(() => { if (auth.hidden) poll(); }, POLL_MS);
})();
