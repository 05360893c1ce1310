// A standard OpenID Connect relying party built only on panva's openid-client (OpenID
// Certified), which knows nothing of itsme-debugger. Run by tests/e2e/test_mock_standard_client.py:
//
//   node rp.mjs CONFIG.json
//
// CONFIG.json (written by the test):
//   { "issuer": "http://127.0.0.1:PORT/v2", "client_id": "rp-std",
//     "private_jwks": "/path/to/private.jwks.json",     // an RS256 "sig" key and a RSA-OAEP "enc" key
//     "redirect_uri": "http://127.0.0.1:PORT/cb", "scope": "openid service:TEST_code ...",
//     "claims": { "id_token": {...}, "userinfo": {...} },
//     "assertion_audience": "token_endpoint",            // or "issuer" (openid-client's default)
//     "timeout_seconds": 20 }
//
// It discovers the provider, listens on the redirect URI's port (127.0.0.1), prints
// "AUTHORIZE <url>" on stdout, waits for the redirect, redeems the code (private_key_jwt,
// PKCE S256), and calls UserInfo. openid-client checks what a certified RP checks: the RFC 9207
// "iss" and "state" of the redirect, the ID token's iss, aud, exp, iat, nonce and signature
// (enableNonRepudiationChecks: against the provider's jwks_uri) after decrypting it
// (enableDecryptingResponses), and the UserInfo JWT's decryption, signature, iss, aud and sub.
// It then prints one line "RESULT <json>" and exits 0, or "ERROR <message>" and exits 1.
// The access token never leaves this process.
//
// itsme® wants the client assertion's "aud" to be the token endpoint, while openid-client 6
// puts the issuer there; the documented hook PrivateKeyJwt(key, { [modifyAssertion] }) sets it.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { webcrypto } from 'node:crypto';

import * as client from 'openid-client';

const CONTENT_ENCRYPTIONS = ['A128CBC-HS256', 'A256CBC-HS512', 'A128GCM', 'A256GCM'];

function say(kind, text) {
  process.stdout.write(`${kind} ${text}\n`);
}

// One line: the error's name, code and message, then each cause's (and an OAuth error body's).
function describe(err) {
  const parts = [];
  for (let cur = err, depth = 0; cur && depth < 5; cur = cur.cause, depth += 1) {
    if (!(cur instanceof Error)) {
      parts.push(typeof cur === 'string' ? cur : JSON.stringify(cur).slice(0, 300));
      break;
    }
    let text = `${cur.name}${cur.code ? ` [${cur.code}]` : ''}: ${cur.message}`;
    if (cur.error) text += ` (${cur.error}: ${cur.error_description ?? ''})`;
    parts.push(text);
  }
  return parts.join(' <- ').replace(/\s+/g, ' ');
}

function b64urlJson(segment) {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

async function importKeys(path) {
  const { keys = [] } = JSON.parse(readFileSync(path, 'utf8'));
  const find = (use) => keys.find((k) => k.kty === 'RSA' && k.use === use && k.d);
  const sig = find('sig');
  const enc = find('enc');
  if (!sig || !enc) throw new Error(`${path} needs a private RSA "sig" key and "enc" key`);
  const { subtle } = webcrypto;
  const strip = ({ kid, use, alg, key_ops, ...rest }) => rest;
  const signing = await subtle.importKey(
    'jwk', strip(sig), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  const encAlg = enc.alg ?? 'RSA-OAEP';
  const hash = { 'RSA-OAEP': 'SHA-1', 'RSA-OAEP-256': 'SHA-256' }[encAlg];
  if (!hash) throw new Error(`unsupported encryption key alg ${encAlg}`);
  const decrypting = await subtle.importKey(
    'jwk', strip(enc), { name: 'RSA-OAEP', hash }, false, ['decrypt']);
  return {
    signing: { key: signing, kid: sig.kid },
    decrypting: { key: decrypting, kid: enc.kid, alg: encAlg },
  };
}

// Resolves with the URL of the first request to the redirect URI's path.
function listen(redirectUri) {
  const target = new URL(redirectUri);
  let deliver;
  const delivered = new Promise((resolve) => { deliver = resolve; });
  const server = createServer((req, res) => {
    const url = new URL(req.url, `${target.protocol}//${target.host}`);
    if (req.method !== 'GET' || url.pathname !== target.pathname) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not the redirect URI\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' })
      .end('Authorization response received; you can close this window.\n');
    deliver(url);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(target.port), target.hostname, () => resolve({ server, delivered }));
  });
}

async function run(cfg, http) {
  const keys = await importKeys(cfg.private_jwks);
  let config;
  const audience = cfg.assertion_audience ?? 'token_endpoint';
  const auth = client.PrivateKeyJwt(keys.signing, {
    [client.modifyAssertion]: (header, payload) => {
      if (audience === 'token_endpoint') payload.aud = config.serverMetadata().token_endpoint;
    },
  });
  const recordingFetch = async (url, options) => {
    const response = await fetch(url, options);
    const { pathname } = new URL(url);
    http.push({
      method: options.method,
      path: pathname,
      status: response.status,
      content_type: response.headers.get('content-type'),
    });
    return response;
  };
  config = await client.discovery(
    new URL(cfg.issuer),
    cfg.client_id,
    { id_token_signed_response_alg: 'RS256', userinfo_signed_response_alg: 'RS256' },
    auth,
    {
      execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
      [client.customFetch]: recordingFetch,
      timeout: 10,
    },
  );
  client.enableDecryptingResponses(config, CONTENT_ENCRYPTIONS, keys.decrypting);

  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const parameters = {
    redirect_uri: cfg.redirect_uri,
    scope: cfg.scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  };
  if (cfg.claims) parameters.claims = JSON.stringify(cfg.claims);

  const { server, delivered } = await listen(cfg.redirect_uri);
  try {
    say('AUTHORIZE', client.buildAuthorizationUrl(config, parameters).href);
    const callback = await delivered;
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    const userinfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
    const segments = tokens.id_token.split('.');
    return {
      authorization_response: [...new Set(callback.searchParams.keys())].sort(),
      token_type: tokens.token_type,
      id_token: {
        segments: segments.length,
        jwe_header: segments.length === 5 ? b64urlJson(segments[0]) : null,
        claims: idClaims,
      },
      userinfo,
      http,
    };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

async function main() {
  const http = [];
  let cfg;
  try {
    cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
  } catch (err) {
    say('ERROR', `usage: node rp.mjs CONFIG.json (${describe(err)})`);
    process.exit(1);
  }
  const seconds = cfg.timeout_seconds ?? 20;
  const timer = setTimeout(() => {
    say('ERROR', `no result within ${seconds} s; HTTP so far: ${JSON.stringify(http)}`);
    process.exit(1);
  }, seconds * 1000);
  try {
    const result = await run(cfg, http);
    say('RESULT', JSON.stringify(result));
    process.exitCode = 0;
  } catch (err) {
    say('ERROR', `${describe(err)}; HTTP so far: ${JSON.stringify(http)}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(timer);
  }
}

await main();
