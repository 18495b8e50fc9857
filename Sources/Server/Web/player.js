// player.js — RTCBridge WHEP player (no dependencies). Loaded by player.html at /{path}/.
//
// WHEP (draft-ietf-wish-whep): POST a recvonly video+audio offer as application/sdp to ./whep
// (so /cam/ plays /cam/whep), non-trickle: wait up to 1 s for ICE gathering first. 201 carries
// the answer and the session's Location, which is DELETEd on pagehide or before a retry.
// Retries every 2 s while the path is unknown (404), its source not ready (503, 5xx), the server
// unreachable, or the connection fails or stays disconnected. Other 4xx answers are shown and
// not retried. Live stats from getStats() once a second.
// Data: on a path with a data device (the server marks <body data-data-channel="1">) the offer
// carries one data channel ("data"); the path's messages (the device's datagrams) are listed in
// the data panel, shown once the first one arrives, and its send box sends a string message back.
'use strict';
(() => {
  const RETRY_MS = 2000, GATHER_MS = 1000, DISCONNECT_GRACE_MS = 2000;
  const base = location.pathname.endsWith('/') ? location.pathname : location.pathname + '/';
  const endpoint = new URL('whep', location.origin + base).href;
  const video = document.getElementById('video');
  const statusEl = document.getElementById('status');
  const statsEl = document.getElementById('stats');
  const unmute = document.getElementById('unmute');
  const dataPanel = document.getElementById('data');
  const messagesEl = document.getElementById('messages');
  const MAX_MESSAGES = 50;
  let channel = null;
  let answeredAt = null;

  function showMessage(data) {
    const text = typeof data === 'string' ? data
      : `[${data.byteLength} bytes] ` + [...new Uint8Array(data.slice(0, 32))].map(b => b.toString(16).padStart(2, '0')).join(' ');
    const item = document.createElement('li');
    item.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
    messagesEl.prepend(item);
    while (messagesEl.children.length > MAX_MESSAGES) messagesEl.lastChild.remove();
    dataPanel.hidden = false;
  }

  document.getElementById('send').addEventListener('submit', e => {
    e.preventDefault();
    const input = document.getElementById('message');
    if (channel && channel.readyState === 'open' && input.value) { channel.send(input.value); input.value = ''; }
  });

  let session = 0;          // increases with every attempt; stale callbacks compare and return
  let pc = null, resource = null, retryTimer = null, graceTimer = null, last = null;

  document.getElementById('path').textContent = decodeURIComponent(base.slice(1, -1)) || '(root)';
  document.title = `${decodeURIComponent(base.slice(1, -1))} — RTCBridge`;

  function setStatus(text, kind) {
    statusEl.textContent = text;
    statusEl.className = kind;
    document.body.dataset.state = kind;
  }

  function retry(reason) {
    clearTimeout(retryTimer);
    setStatus(`${reason}; retrying in ${RETRY_MS / 1000} s`, 'waiting');
    retryTimer = setTimeout(connect, RETRY_MS);
  }

  // Ends the current session: DELETE its resource (best effort), then close the peer connection
  // (closing first would end the session by DTLS close and the DELETE would find nothing).
  function hangUp(keepalive) {
    clearTimeout(graceTimer);
    const peer = pc;
    pc = null;
    const closePeer = () => { if (peer) peer.close(); };
    if (resource) {
      fetch(resource, {method: 'DELETE', keepalive}).catch(() => {}).finally(closePeer);
      resource = null;
    } else {
      closePeer();
    }
    last = null;
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

  function onConnectionState(id, state) {
    if (id !== session) return;
    clearTimeout(graceTimer);
    if (state === 'connected') {
      // From the answer to ICE + DTLS connected (shown with the route in the stats).
      if (answeredAt !== null) document.body.dataset.connectMs = String(Math.round(performance.now() - answeredAt));
      answeredAt = null;
      setStatus('live', 'live');
    } else if (state === 'failed') {
      hangUp(false); retry('connection failed');
    } else if (state === 'disconnected') {
      setStatus('connection interrupted…', 'waiting');
      graceTimer = setTimeout(() => {
        if (id === session && pc && pc.connectionState !== 'connected') { hangUp(false); retry('connection lost'); }
      }, DISCONNECT_GRACE_MS);
    }
  }

  async function connect() {
    clearTimeout(retryTimer);
    hangUp(false);
    const id = ++session;
    const iceServers = await rtcbridgeICEServers(endpoint);
    if (id !== session) return;
    const peer = new RTCPeerConnection({iceServers});
    pc = peer;
    setStatus('connecting…', 'waiting');
    peer.addTransceiver('video', {direction: 'recvonly'});
    peer.addTransceiver('audio', {direction: 'recvonly'});
    if (document.body.dataset.dataChannel === '1') {
      const dc = peer.createDataChannel('data');
      dc.binaryType = 'arraybuffer';
      dc.addEventListener('message', e => { if (id === session) showMessage(e.data); });
      channel = dc;
    }
    const stream = new MediaStream();
    peer.addEventListener('track', e => {
      if (id !== session) return;
      stream.addTrack(e.track);
      if (video.srcObject !== stream) video.srcObject = stream;
      video.play().catch(() => {});
    });
    peer.addEventListener('connectionstatechange', () => onConnectionState(id, peer.connectionState));
    let resp;
    try {
      await peer.setLocalDescription(await peer.createOffer());
      await gathered(peer, GATHER_MS);
      resp = await fetch(endpoint, {method: 'POST', headers: {'Content-Type': 'application/sdp'},
                                    body: peer.localDescription.sdp});
    } catch (e) {
      if (id === session) { hangUp(false); retry(`cannot reach the server (${e.message || e})`); }
      return;
    }
    if (id !== session) return;
    const body = await resp.text().catch(() => '');
    if (resp.status === 201) {
      const location = resp.headers.get('Location');
      resource = location ? new URL(location, endpoint).href : null;
      try {
        answeredAt = performance.now();
        await peer.setRemoteDescription({type: 'answer', sdp: body});
        if (id === session && peer.connectionState !== 'connected') setStatus('connecting media…', 'waiting');
      } catch (e) {
        if (id === session) { hangUp(false); setStatus(`bad answer from the server: ${e.message || e}`, 'error'); }
      }
      return;
    }
    hangUp(false);
    const reason = body.trim().split('\n')[0];
    const detail = `${resp.status}${reason ? ': ' + reason : ''}`;
    if (resp.status === 404) retry(`no such path (${detail})`);
    else if (resp.status === 503) retry(`waiting for the source (${detail})`);
    else if (resp.status >= 500) retry(`server error (${detail})`);
    else setStatus(`cannot play (${detail})`, 'error');
  }

  function format(n, unit) { return n === undefined || n === null ? '–' : `${n}${unit || ''}`; }

  async function updateStats() {
    const peer = pc;
    if (!peer) return;
    let report;
    try { report = await peer.getStats(); } catch { return; }
    let v = null, a = null;
    report.forEach(r => {
      if (r.type !== 'inbound-rtp') return;
      if (r.kind === 'video') v = r; else if (r.kind === 'audio') a = r;
    });
    if (!v) { statsEl.textContent = 'no video yet'; return; }
    let kbps = null;
    if (last && v.timestamp > last.timestamp) {
      kbps = Math.round((v.bytesReceived - last.bytes) * 8 / (v.timestamp - last.timestamp));
    }
    last = {bytes: v.bytesReceived, timestamp: v.timestamp};
    const codec = v.codecId && report.get(v.codecId) ? report.get(v.codecId).mimeType.replace('video/', '') : null;
    const audioCodec = a && a.codecId && report.get(a.codecId) ? report.get(a.codecId).mimeType.replace('audio/', '') : null;
    const width = v.frameWidth || video.videoWidth, height = v.frameHeight || video.videoHeight;
    // The selected candidate pair: how the media gets here (host, srflx, relay; udp or tcp).
    let route = null;
    report.forEach(r => {
      if (r.type !== 'transport' || !r.selectedCandidatePairId) return;
      const pair = report.get(r.selectedCandidatePairId);
      const local = pair && report.get(pair.localCandidateId), remote = pair && report.get(pair.remoteCandidateId);
      if (local && remote) route = `${local.candidateType} ${local.relayProtocol || local.protocol} → ${remote.candidateType} ${remote.protocol}`;
    });
    if (route) document.body.dataset.route = route;
    statsEl.textContent = [
      `route ${format(route)}  connected in ${format(document.body.dataset.connectMs, ' ms')}`,
      `video ${format(codec)}  ${width && height ? `${width}x${height}` : '–'}  ${format(v.framesPerSecond, ' fps')}`,
      `framesDecoded ${format(v.framesDecoded)}  packetsLost ${format(v.packetsLost)}  ${format(kbps, ' kbit/s')}`,
      `audio ${format(audioCodec)}  packets ${format(a && a.packetsReceived)}  lost ${format(a && a.packetsLost)}`,
    ].join('\n');
  }

  unmute.addEventListener('click', () => {
    video.muted = !video.muted;
    unmute.textContent = video.muted ? 'Unmute' : 'Mute';
    video.play().catch(() => {});
  });
  window.addEventListener('pagehide', () => { session++; hangUp(true); });
  setInterval(updateStats, 1000);
  connect();
})();
