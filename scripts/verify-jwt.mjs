// Verifies an access token as an upstream would, with the JOSE library `jose` (npm) and authd's published
// keys, never with authd's code: for the signing-key tests (tests/integration/signing_keys_test.cpp).
//
// Usage: node scripts/verify-jwt.mjs JWKS_URL TOKEN ISSUER [remote|local]
//   remote (default): createRemoteJWKSet(JWKS_URL), as an upstream caches it;
//   local: fetches the document once, createLocalJWKSet.
// Prints one JSON line, {"ok":true,"alg","kid","payload"} or {"ok":false,"code","message"}; exits 0 when
// the token verified, 1 when it did not, 2 on bad usage.
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';

const [url, token, issuer, how = 'remote'] = process.argv.slice(2);
if (!url || !token || !issuer || !['remote', 'local'].includes(how)) {
  console.error('usage: node verify-jwt.mjs JWKS_URL TOKEN ISSUER [remote|local]');
  process.exit(2);
}

try {
  let keys;
  if (how === 'remote') {
    keys = createRemoteJWKSet(new URL(url), { cooldownDuration: 0 });
  } else {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
    keys = createLocalJWKSet(await res.json());
  }
  // Only the asymmetric algorithms authd publishes; HS256 can never verify against a JWKS.
  const { payload, protectedHeader } = await jwtVerify(token, keys, { issuer, algorithms: ['ES256', 'EdDSA'] });
  console.log(JSON.stringify({ ok: true, alg: protectedHeader.alg, kid: protectedHeader.kid, payload }));
  process.exit(0);
} catch (e) {
  let header = null;
  try {
    header = decodeProtectedHeader(token);
  } catch {}
  console.log(JSON.stringify({ ok: false, code: e.code ?? e.name, message: String(e.message), header }));
  process.exit(1);
}
