// trickle.js — PATCH on a WHIP/WHEP session resource (RFC 9725 §4.3): trickle ICE and ICE restart
// with application/trickle-ice-sdpfrag bodies (RFC 8840 §9). Needs common.js.
//
// patcher(session): PATCHes go out one at a time, in the order they were asked for, each with
//   If-Match: the ETag last received (201, 204 or 200); every answer is logged in .log as
//   {what, status, etag}.
// trickle(pc, patcher): sends the browser's candidates (queued until the POST answered) and, when
//   gathering ends, a=end-of-candidates. Create it before setLocalDescription.
// restartIce(pc, patcher, {trickle}): pc.restartIce(), PATCH the new ufrag/pwd, apply the 200
//   fragment's ufrag/pwd to the remote description (as a WHIP/WHEP client must, §4.3.2).

// The first value of `a=NAME:` in an SDP (session level or first section).
function sdpValue(sdp, name) {
  const m = sdp.match(new RegExp(`^a=${name}:(.*)$`, 'm'));
  return m ? m[1].trim() : null;
}

// Media sections of an SDP: [{mline, mid, lines}] (lines without the m= line).
function sdpSections(sdp) {
  return sdp.split(/\r?\n(?=m=)/).slice(1).map(text => {
    const lines = text.split(/\r?\n/).filter(Boolean);
    const mid = lines.find(l => l.startsWith('a=mid:'));
    return {mline: lines[0], mid: mid ? mid.slice(6) : null, lines: lines.slice(1)};
  });
}

// An sdpfrag: credentials, then per section its m= and a=mid lines and `perSection(section)`.
function sdpFragment(ufrag, pwd, sections, perSection) {
  const lines = [`a=ice-ufrag:${ufrag}`, `a=ice-pwd:${pwd}`];
  for (const s of sections) {
    lines.push(s.mline);
    if (s.mid !== null) lines.push(`a=mid:${s.mid}`);
    lines.push(...perSection(s));
  }
  return lines.join('\r\n') + '\r\n';
}

function patcher(session) {
  const p = {etag: session.etag, log: [], chain: Promise.resolve()};
  // Queues one PATCH; resolves to {status, etag, body} (status 0 when the fetch itself failed).
  p.send = (what, fragment) => {
    const sent = p.chain.then(async () => {
      let resp, body;
      try {
        resp = await fetch(session.resource, {method: 'PATCH', body: fragment, headers: {
          'Content-Type': 'application/trickle-ice-sdpfrag', 'If-Match': p.etag, ...authHeaders(session.token)}});
        body = await resp.text();
      } catch (e) {
        p.log.push({what, status: 0, error: String(e)});
        return {status: 0, etag: null, body: ''};
      }
      const etag = resp.headers.get('ETag');
      if (etag && resp.ok) p.etag = etag;
      p.log.push({what, status: resp.status, etag});
      note(`PATCH ${what} -> ${resp.status} etag=${etag}`);
      return {status: resp.status, etag, body};
    });
    p.chain = sent;
    return sent;
  };
  return p;
}

function trickle(pc, getPatcher) {
  const queue = [];
  const t = {candidates: 0, ended: 0};
  // Candidates of one generation share ufrag and pwd: those of the current local description.
  function flush() {
    const p = getPatcher();
    if (!p || !queue.length || !pc.localDescription) return;
    const sdp = pc.localDescription.sdp, sections = sdpSections(sdp);
    const ufrag = sdpValue(sdp, 'ice-ufrag'), pwd = sdpValue(sdp, 'ice-pwd');
    for (const item of queue.splice(0)) {
      if (item === null) {   // gathering complete: end-of-candidates on the BUNDLE section
        t.ended++;
        p.send('end-of-candidates', sdpFragment(ufrag, pwd, sections.slice(0, 1), () => ['a=end-of-candidates']));
      } else {
        t.candidates++;
        const own = sections.filter(s => s.mid === item.sdpMid);
        p.send('candidate', sdpFragment(item.usernameFragment || ufrag, pwd, own.length ? own : sections.slice(0, 1),
                                        () => [`a=${item.candidate}`]));
      }
    }
  }
  pc.addEventListener('icecandidate', e => {
    if (e.candidate && !e.candidate.candidate) return;   // per-section end marker: the null event covers it
    queue.push(e.candidate);
    flush();
  });
  t.flush = flush;
  return t;
}

async function restartIce(pc, p, opts = {}) {
  pc.restartIce();
  const offer = await pc.createOffer();
  const ufrag = sdpValue(offer.sdp, 'ice-ufrag'), pwd = sdpValue(offer.sdp, 'ice-pwd');
  let answer;
  if (opts.trickle) {
    // Queued ahead of the new generation's candidates, which the trickler sends after it.
    answer = p.send('restart', sdpFragment(ufrag, pwd, sdpSections(offer.sdp), () => []));
    await pc.setLocalDescription(offer);
  } else {
    await pc.setLocalDescription(offer);
    await waitGathering(pc, 1000);
    const sections = sdpSections(pc.localDescription.sdp);
    answer = p.send('restart', sdpFragment(ufrag, pwd, sections,
                                           s => s.lines.filter(l => l.startsWith('a=candidate:')).concat(['a=end-of-candidates'])));
  }
  const r = await answer;
  if (r.status !== 200) throw new Error(`ICE restart PATCH -> ${r.status}: ${r.body.slice(0, 200)}`);
  const newUfrag = sdpValue(r.body, 'ice-ufrag'), newPwd = sdpValue(r.body, 'ice-pwd');
  if (!newUfrag || !newPwd) throw new Error(`restart answer without ice-ufrag/ice-pwd: ${r.body}`);
  const remote = pc.remoteDescription.sdp
    .replace(/^a=ice-ufrag:.*$/gm, `a=ice-ufrag:${newUfrag}`)
    .replace(/^a=ice-pwd:.*$/gm, `a=ice-pwd:${newPwd}`);
  await pc.setRemoteDescription({type: 'answer', sdp: remote});
  return {localUfrag: ufrag, remoteUfrag: newUfrag, fragment: r.body, etag: r.etag};
}

// The local ICE ufrag of the selected candidate pair (null before ICE has one).
async function selectedLocalUfrag(pc) {
  const stats = await pc.getStats(); let ufrag = null;
  stats.forEach(r => {
    if (r.type !== 'transport' || !r.selectedCandidatePairId) return;
    const pair = stats.get(r.selectedCandidatePairId), local = pair && stats.get(pair.localCandidateId);
    if (local) ufrag = local.usernameFragment ?? null;
  });
  return ufrag;
}
