import { createHash, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';

// The key Security Event Tokens are signed with (EVENTS_SIGNING_KEY): ES256 on P-256 or EdDSA on
// Ed25519, published as a JWK set so that receivers verify without sharing any secret.

export interface SigningKey {
  alg: 'ES256' | 'EdDSA';
  kid: string;
  /** The public half as a JWK (with kid, alg and use), for /.well-known/jwks.json. */
  jwk: Record<string, string>;
  /** A compact JWS of `payload` with `header` added to alg and kid. */
  signJws(header: Record<string, unknown>, payload: Record<string, unknown>): string;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** RFC 7638 thumbprint: the hash of the required members in lexicographic order. */
function thumbprint(jwk: Record<string, string>): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

export function loadSigningKey(pem: string): SigningKey {
  const privateKey: KeyObject = createPrivateKey(pem);
  const alg = privateKey.asymmetricKeyType === 'ed25519' ? 'EdDSA' : 'ES256';
  const exported = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, string>;
  const kid = thumbprint(exported);
  const jwk = { ...exported, kid, alg, use: 'sig' };
  return {
    alg,
    kid,
    jwk,
    signJws(header, payload) {
      const input = `${b64url(JSON.stringify({ ...header, alg, kid }))}.${b64url(JSON.stringify(payload))}`;
      // JWS wants the raw r||s form of an ECDSA signature, not DER.
      const signature =
        alg === 'EdDSA'
          ? sign(null, Buffer.from(input), privateKey)
          : sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
      return `${input}.${b64url(signature)}`;
    },
  };
}
