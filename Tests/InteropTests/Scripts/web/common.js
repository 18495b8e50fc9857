// common.js — helpers shared by loopback.html, whep.html and whip.html (driven by ../browser.py).
// Each page publishes its progress in window.result, which browser.py polls; while running,
// window.result.live = {framesDecoded, conn} is kept current for `browser.py --progress`.
window.result = {done: false, ok: false, error: null, events: [], live: {framesDecoded: 0, conn: 'new'}};
const T0 = performance.now();
function ms() { return Math.round(performance.now() - T0); }
function note(ev) { window.result.events.push(`${ms()}ms ${ev}`); }
function sleep(msec) { return new Promise(r => setTimeout(r, msec)); }
function finish(ok, extra) {
  Object.assign(window.result, extra || {}, {done: true, ok});
  document.title = (ok ? 'OK ' : 'FAIL ') + JSON.stringify(extra || {});
}
function fail(e) { window.result.error = String(e && e.stack || e); finish(false, {}); }
function watchPc(pc, tag) {
  pc.addEventListener('iceconnectionstatechange', () => note(`${tag} ice=${pc.iceConnectionState}`));
  pc.addEventListener('connectionstatechange', () => {
    note(`${tag} conn=${pc.connectionState}`); window.result.live.conn = pc.connectionState;
  });
}
// Sum one numeric field over the getStats() reports of a type (and kind, when given).
async function statSum(pc, type, kind, field) {
  let n = 0;
  (await pc.getStats()).forEach(r => {
    if (r.type === type && (!kind || r.kind === kind) && typeof r[field] === 'number') n += r[field];
  });
  return n;
}
async function codecOf(pc, type, kind) {
  const stats = await pc.getStats(); let name = null;
  stats.forEach(r => { if (r.type === type && r.kind === kind && r.codecId && stats.get(r.codecId))
    name = stats.get(r.codecId).mimeType; });
  return name;
}
// Non-trickle: wait until ICE gathering completes (bounded by maxMs), then send the full offer.
function waitGathering(pc, maxMs) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise(res => {
    const t = setTimeout(res, maxMs);
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') { clearTimeout(t); res(); }
    });
  });
}
// Keep only the given codec (e.g. 'H264', 'VP8') on a transceiver, when the browser has it, and
// its RTX (RFC 4588: the offer still pairs each kept codec with its rtx payload type).
// Sender capabilities first (a sendonly transceiver needs them), then receiver capabilities.
function preferCodec(tr, kind, codec) {
  if (!codec || !tr.setCodecPreferences) return;
  for (const source of [RTCRtpSender, RTCRtpReceiver]) {
    const all = source.getCapabilities(kind).codecs;
    const caps = all.filter(c => c.mimeType.toLowerCase() === `${kind}/${codec}`.toLowerCase());
    const rtx = all.filter(c => c.mimeType.toLowerCase() === `${kind}/rtx`);
    try { if (caps.length) { tr.setCodecPreferences(caps.concat(rtx)); return; } } catch (e) { note(`setCodecPreferences: ${e}`); }
  }
}
function authHeaders(token) { return token ? {Authorization: `Bearer ${token}`} : {}; }
// WHEP exchange (draft-ietf-wish-whep, same shape as WHIP RFC 9725 §4.2): POST the offer as
// application/sdp, expect 201 + Location + the answer; the resource is later ended with DELETE.
// opts.token: bearer token; opts.trickle: POST at once, without waiting for ICE gathering (the
// candidates then go out in PATCHes, see trickle.js).
// opts.bundleOnly: send the offer as a non-browser stack with max-bundle does (RFC 8843 §7.3.3):
// every section after the first gets port 0 and a=bundle-only, without its own ICE/DTLS/rtcp-mux
// attributes (those categories live in the tagged section only).
function bundleOnlyOffer(sdp) {
  const [head, ...sections] = sdp.split(/\r\n(?=m=)/);
  const dropped = /^a=(ice-ufrag|ice-pwd|ice-options|fingerprint|setup|rtcp-mux|candidate|end-of-candidates)/;
  return [head, ...sections.map((section, i) => {
    if (i === 0) return section;
    const lines = section.split('\r\n').filter(l => !dropped.test(l));
    lines[0] = lines[0].replace(/^m=(\S+) \d+ /, 'm=$1 0 ');
    lines.splice(1, 0, 'a=bundle-only');
    return lines.join('\r\n');
  })].join('\r\n');
}
async function signal(pc, endpoint, opts = {}) {
  await pc.setLocalDescription(await pc.createOffer());
  if (!opts.trickle) await waitGathering(pc, 3000);
  const offer = opts.bundleOnly ? bundleOnlyOffer(pc.localDescription.sdp) : pc.localDescription.sdp;
  const tPost = performance.now();
  const resp = await fetch(endpoint, {method: 'POST', body: offer,
                                      headers: {'Content-Type': 'application/sdp', ...authHeaders(opts.token)}});
  const body = await resp.text();
  note(`POST -> ${resp.status} location=${resp.headers.get('Location')} etag=${resp.headers.get('ETag')}`);
  if (resp.status !== 201) throw new Error(`POST ${endpoint} -> ${resp.status}: ${body.slice(0, 200)}`);
  const loc = resp.headers.get('Location');
  if (!loc) throw new Error('201 without Location (is Access-Control-Expose-Headers set?)');
  const resource = new URL(loc, endpoint).href;
  await pc.setRemoteDescription({type: 'answer', sdp: body});
  return {tPost, resource, etag: resp.headers.get('ETag'), token: opts.token, offer,
          stop: () => fetch(resource, {method: 'DELETE', headers: authHeaders(opts.token)})};
}
// Freeze the current video frame into a canvas (so a screenshot taken after close shows it).
function snapshot(video) {
  if (!video.videoWidth) return;
  const c = document.createElement('canvas'); c.width = video.videoWidth; c.height = video.videoHeight;
  c.style.width = '320px'; c.getContext('2d').drawImage(video, 0, 0); document.body.appendChild(c);
}
