// publish.js — RTCBridge WHIP publisher (no dependencies). Loaded by publish.html at /{path}/publish.
//
// WHIP (RFC 9725): POST a sendonly video+audio offer as application/sdp to ./whip (so
// /live/publish publishes to /live/whip), non-trickle: wait up to 1 s for ICE gathering first.
// 201 carries the answer and the session's Location, which is DELETEd on Stop and on pagehide.
// The camera and microphone pickers are filled after the first getUserMedia (labels need the
// permission); a new device or resolution is swapped into a running session with replaceTrack.
// The codec choice keeps only that codec in the offer (setCodecPreferences, where supported).
// The token field's value goes out as `Authorization: Bearer T` (paths with a publish token); it is
// kept in sessionStorage for this tab, never in the URL. Stats once a second.
'use strict';
(() => {
  const GATHER_MS = 1000, CODECS = ['H264', 'VP8', 'VP9', 'AV1'];
  const base = location.pathname.replace(/publish\/?$/, '');
  const endpoint = new URL('whip', location.origin + base).href;
  const $ = id => document.getElementById(id);
  const tokenInput = $('token');
  tokenInput.value = sessionStorage.getItem('rtcbridge-publish-token') || '';
  tokenInput.addEventListener('change', () => sessionStorage.setItem('rtcbridge-publish-token', tokenInput.value));
  let auth = {};   // the headers of the session being published (the token it started with)
  const preview = $('preview'), statusEl = $('status'), statsEl = $('stats');
  const camera = $('camera'), microphone = $('microphone'), resolution = $('resolution'), codec = $('codec');
  const startButton = $('start'), stopButton = $('stop');

  let stream = null, pc = null, resource = null, session = 0, last = null;

  const pathName = decodeURIComponent(base.slice(1, -1));
  $('path').textContent = pathName;
  $('viewer').href = base;
  document.title = `${pathName} — publish — RTCBridge`;

  function setStatus(text, kind) {
    statusEl.textContent = text;
    statusEl.className = kind;
    document.body.dataset.state = kind;
  }

  function setPublishing(on) {
    startButton.disabled = on || !stream;
    stopButton.disabled = !on;
    codec.disabled = on || codec.options.length < 2;
  }

  // Codec choice: the browser's default plus every supported codec of CODECS.
  function listCodecs() {
    const add = (value, text) => codec.add(new Option(text, value));
    add('', 'browser default');
    const caps = window.RTCRtpSender && RTCRtpSender.getCapabilities && RTCRtpSender.getCapabilities('video');
    if (!caps || !('setCodecPreferences' in RTCRtpTransceiver.prototype)) return;
    const names = new Set(caps.codecs.map(c => c.mimeType.replace(/^video\//i, '').toUpperCase()));
    for (const name of CODECS) if (names.has(name)) add(name, name === 'H264' ? 'H.264' : name);
  }

  // Keeps only `name` in the video offer; H.264 packetization-mode=1 first (what the gateway takes).
  function preferCodec(transceiver, name) {
    if (!name || !transceiver.setCodecPreferences) return;
    const rank = c => (/packetization-mode=1/.test(c.sdpFmtpLine || '') ? 0 : 1);
    for (const source of [RTCRtpSender, RTCRtpReceiver]) {
      const codecs = source.getCapabilities('video').codecs
        .filter(c => c.mimeType.toLowerCase() === `video/${name.toLowerCase()}`)
        .sort((x, y) => rank(x) - rank(y));
      try { if (codecs.length) { transceiver.setCodecPreferences(codecs); return; } } catch { /* next source */ }
    }
  }

  function fillDevices(select, devices, kind, current) {
    const chosen = select.value || current;
    select.replaceChildren();
    devices.filter(d => d.kind === kind).forEach((d, i) => {
      select.add(new Option(d.label || `${kind === 'videoinput' ? 'camera' : 'microphone'} ${i + 1}`, d.deviceId));
    });
    if ([...select.options].some(o => o.value === chosen)) select.value = chosen;
  }

  async function listDevices() {
    const devices = await navigator.mediaDevices.enumerateDevices();
    const settings = kind => stream?.getTracks().find(t => t.kind === kind)?.getSettings().deviceId;
    fillDevices(camera, devices, 'videoinput', settings('video'));
    fillDevices(microphone, devices, 'audioinput', settings('audio'));
  }

  // (Re)opens camera and microphone with the current choices; a running session gets the new tracks.
  async function acquire() {
    const [width, height] = resolution.value.split('x').map(Number);
    const video = {width: {ideal: width}, height: {ideal: height}, frameRate: {ideal: 30}};
    if (camera.value) video.deviceId = {exact: camera.value};
    const audio = microphone.value ? {deviceId: {exact: microphone.value}} : true;
    if (stream) stream.getTracks().forEach(t => t.stop());   // some cameras open only once
    stream = null;
    setPublishing(Boolean(pc));
    try {
      stream = await navigator.mediaDevices.getUserMedia({video, audio});
    } catch (e) {
      setStatus(`no camera/microphone: ${e.message || e.name}`, 'error');
      setPublishing(Boolean(pc));
      return;
    }
    preview.srcObject = stream;
    if (pc) {
      for (const tr of pc.getTransceivers()) {
        const track = stream.getTracks().find(t => t.kind === tr.receiver.track.kind);
        if (track) await tr.sender.replaceTrack(track);
      }
    } else {
      setStatus('ready', 'waiting');
    }
    setPublishing(Boolean(pc));
  }

  function gathered(peer, maxMs) {
    if (peer.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise(resolve => {
      const timer = setTimeout(resolve, maxMs);
      peer.addEventListener('icegatheringstatechange', () => {
        if (peer.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
      });
    });
  }

  // Ends the session: DELETE the resource (best effort), then close the peer connection. Closing
  // first would end the session by itself (DTLS close) and leave the DELETE a 404.
  function hangUp(keepalive) {
    session++;
    const peer = pc, url = resource;
    pc = null; resource = null; last = null;
    setPublishing(false);
    const close = () => { if (peer) peer.close(); };
    if (!url) { close(); return; }
    const deleted = fetch(url, {method: 'DELETE', headers: auth, keepalive}).catch(() => {});
    if (keepalive) close(); else deleted.finally(close);
  }

  function onConnectionState(id, state) {
    if (id !== session) return;
    if (state === 'connected') setStatus('publishing', 'live');
    else if (state === 'disconnected') setStatus('connection interrupted…', 'waiting');
    else if (state === 'failed') { hangUp(false); setStatus('connection failed; press Start to try again', 'error'); }
  }

  function refusal(status, reason) {
    const detail = `${status}${reason ? ': ' + reason : ''}`;
    switch (status) {
      case 401: return `not allowed to publish; enter the path's publish token (${detail})`;
      case 404: return `no such path (${detail})`;
      case 406: return `the server takes none of the offered codecs (${detail})`;
      case 409: return `another publisher is live on this path (${detail})`;
      default: return `cannot publish (${detail})`;
    }
  }

  async function start() {
    if (!stream || pc) return;
    const id = ++session;
    const token = tokenInput.value.trim();
    const sessionAuth = token ? {Authorization: `Bearer ${token}`} : {};
    auth = sessionAuth;
    const iceServers = await rtcbridgeICEServers(endpoint, sessionAuth);
    if (id !== session) return;
    const peer = new RTCPeerConnection({iceServers});
    pc = peer;
    setPublishing(true);
    setStatus('connecting…', 'waiting');
    for (const track of stream.getTracks()) {
      const tr = peer.addTransceiver(track, {direction: 'sendonly', streams: [stream]});
      if (track.kind === 'video') preferCodec(tr, codec.value);
    }
    peer.addEventListener('connectionstatechange', () => onConnectionState(id, peer.connectionState));
    let resp, body;
    try {
      await peer.setLocalDescription(await peer.createOffer());
      await gathered(peer, GATHER_MS);
      if (id !== session) return;
      resp = await fetch(endpoint, {method: 'POST', headers: {'Content-Type': 'application/sdp', ...sessionAuth},
                                    body: peer.localDescription.sdp});
      body = await resp.text();
    } catch (e) {
      if (id === session) { hangUp(false); setStatus(`cannot reach the server (${e.message || e})`, 'error'); }
      return;
    }
    if (id !== session) {   // stopped meanwhile: end what the server just created
      const location = resp.status === 201 && resp.headers.get('Location');
      if (location) fetch(new URL(location, endpoint), {method: 'DELETE', headers: sessionAuth}).catch(() => {});
      return;
    }
    if (resp.status !== 201) {
      hangUp(false);
      setStatus(refusal(resp.status, body.trim().split('\n')[0]), 'error');
      return;
    }
    const location = resp.headers.get('Location');
    resource = location ? new URL(location, endpoint).href : null;
    try {
      await peer.setRemoteDescription({type: 'answer', sdp: body});
      if (id === session && peer.connectionState !== 'connected') setStatus('connecting media…', 'waiting');
    } catch (e) {
      if (id === session) { hangUp(false); setStatus(`bad answer from the server: ${e.message || e}`, 'error'); }
    }
  }

  function stop() {
    if (!pc) return;
    hangUp(false);
    setStatus('stopped', 'waiting');
    statsEl.textContent = 'not publishing';
  }

  const show = (n, unit) => (n === undefined || n === null ? '–' : `${n}${unit || ''}`);
  const ms = seconds => (typeof seconds === 'number' ? Math.round(seconds * 1000) : null);

  async function updateStats() {
    const peer = pc;
    if (!peer) return;
    let report;
    try { report = await peer.getStats(); } catch { return; }
    const out = {}, remote = {};
    let pair = null;
    report.forEach(r => {
      if (r.type === 'outbound-rtp' && (!out[r.kind] || r.bytesSent > out[r.kind].bytesSent)) out[r.kind] = r;
      if (r.type === 'remote-inbound-rtp') remote[r.kind] = r;
      if (r.type === 'transport' && r.selectedCandidatePairId) pair = report.get(r.selectedCandidatePairId);
    });
    const estimate = pair && pair.availableOutgoingBitrate ? Math.round(pair.availableOutgoingBitrate / 1000) : null;
    const v = out.video, a = out.audio;
    if (!v) return;
    const codecName = r => (r && r.codecId && report.get(r.codecId) ? report.get(r.codecId).mimeType.split('/')[1] : null);
    let kbps = null;
    if (last && v.timestamp > last.timestamp) kbps = Math.round((v.bytesSent - last.bytes) * 8 / (v.timestamp - last.timestamp));
    last = {bytes: v.bytesSent, timestamp: v.timestamp};
    const rv = remote.video, ra = remote.audio;
    statsEl.dataset.framesEncoded = v.framesEncoded ?? 0;
    statsEl.dataset.codec = codecName(v) || '';
    statsEl.textContent = [
      `video ${show(codecName(v))}  ${v.frameWidth ? `${v.frameWidth}x${v.frameHeight}` : '–'}  `
        + `${show(v.framesPerSecond, ' fps')}  ${show(kbps, ' kbit/s')}  framesEncoded ${show(v.framesEncoded)}`,
      `audio ${show(codecName(a))}  packets ${show(a && a.packetsSent)}  send estimate ${show(estimate, ' kbit/s')}`,
      `received by the server: video lost ${show(rv && rv.packetsLost)}  rtt ${show(ms(rv && rv.roundTripTime), ' ms')}`
        + ` · audio lost ${show(ra && ra.packetsLost)}  rtt ${show(ms(ra && ra.roundTripTime), ' ms')}`,
    ].join('\n');
  }

  startButton.addEventListener('click', start);
  stopButton.addEventListener('click', stop);
  for (const select of [camera, microphone, resolution]) select.addEventListener('change', acquire);
  navigator.mediaDevices?.addEventListener('devicechange', () => listDevices().catch(() => {}));
  window.addEventListener('pagehide', () => { if (pc) hangUp(true); });
  setInterval(updateStats, 1000);

  listCodecs();
  setPublishing(false);
  if (!navigator.mediaDevices) {
    setStatus('camera access needs a secure page (https or localhost)', 'error');
    return;
  }
  setStatus('asking for camera and microphone…', 'waiting');
  acquire().then(() => stream && listDevices()).catch(e => setStatus(`cannot list devices: ${e.message || e}`, 'error'));
})();
