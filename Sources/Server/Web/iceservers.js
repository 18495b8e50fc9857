// iceservers.js — RTCBridge: the ICE servers a WHIP/WHEP endpoint advertises in its
// `Link: <URL>; rel="ice-server"` headers (RFC 9725 §4.6), asked for with OPTIONS before the
// offer so the page's RTCPeerConnection uses them (STUN, TURN with username and credential).
'use strict';
(function () {
  // Parses one or more comma-joined Link values; quoted strings may hold commas and escapes.
  function parseLinks(text) {
    const servers = [];
    let i = 0;
    while (i < text.length) {
      const open = text.indexOf('<', i);
      if (open < 0) break;
      const close = text.indexOf('>', open);
      if (close < 0) break;
      const url = text.slice(open + 1, close);
      const params = {};
      i = close + 1;
      while (i < text.length) {
        const c = text[i];
        if (c === ',') { i++; break; }
        if (c !== ';') { i++; continue; }
        i++;
        let key = '';
        while (i < text.length && !'=;,'.includes(text[i])) key += text[i++];
        let value = '';
        if (text[i] === '=') {
          i++;
          while (text[i] === ' ') i++;
          if (text[i] === '"') {
            i++;
            while (i < text.length && text[i] !== '"') {
              if (text[i] === '\\') i++;
              if (i < text.length) value += text[i++];
            }
            i++;
          } else {
            while (i < text.length && !';,'.includes(text[i])) value += text[i++];
            value = value.trim();
          }
        }
        params[key.trim().toLowerCase()] = value;
      }
      if (params.rel === 'ice-server') {
        const server = {urls: url};
        if (params.username !== undefined) server.username = params.username;
        if (params.credential !== undefined) server.credential = params.credential;
        servers.push(server);
      }
    }
    return servers;
  }

  // The endpoint's ICE servers, or none when it cannot be asked (the offer then goes without).
  window.rtcbridgeICEServers = async function (endpoint, headers) {
    try {
      const resp = await fetch(endpoint, {method: 'OPTIONS', headers: headers || {}, cache: 'no-store'});
      return parseLinks(resp.headers.get('Link') || '');
    } catch (e) {
      return [];
    }
  };
  window.rtcbridgeParseLinks = parseLinks;
})();
