// An independent, OpenID-Certified provider (panva's oidc-provider) configured like itsme®,
// for the end-to-end tests. Run by tests/e2e/conftest.py:
//
//   node provider.mjs CONFIG.json
//
// CONFIG.json (written by the test fixture):
//   { "port": 0, "jwks": {private JWKS of the provider}, "cookieKeys": ["..."],
//     "serviceCodes": ["TEST_code"], "clients": [client metadata, as in dynamic registration] }
//
// It listens on 127.0.0.1 only (port 0 picks a free one; the issuer is built from the port it
// got), prints one line "READY <issuer>" on stdout once it accepts connections, and exits
// cleanly on SIGTERM or SIGINT, or when its standard input closes (the test session is gone).
//
// Like itsme: code flow only, PKCE S256 required for every client (oidc-provider 9 supports
// S256 only), the claims parameter, request objects (signed, optionally signed then encrypted
// to the provider's encryption key), ID tokens and UserInfo signed (RS256) and, per client,
// encrypted; token revocation; the scopes openid profile email address phone eid and
// service:<code>; the seed's example user, George Tǎnka. Every login signs in as that user.
// The development login and consent pages (devInteractions) stay on: tests/e2e/browser_bot.py
// fills them in.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import { Provider } from 'oidc-provider';

const ITSME = 'http://itsme.services/v2/claim/';

// The seed's UserInfo example (itsme v2 API reference), trimmed: no device data, a 1x1 photo.
const SUBJECT = 'e3xad7upx64grm14ttpnx4c586ve8gy0gp38';
const VERIFIED = '2023-04-12T15:02:23Z';
const GEORGE = {
  given_name: 'George',
  family_name: 'Tǎnka',
  name: 'George Tǎnka',
  gender: 'male',
  locale: 'FR',
  birthdate: '1978-11-01',
  picture: 'https://idp.e2e.itsme.services/v2/picture',
  email: 'test@itsme.be',
  email_verified: false,
  phone_number: '+32 485694175',
  phone_number_verified: true,
  address: {
    street_address: 'Jekerstraat 39',
    postal_code: '3700',
    locality: 'TONGEREN',
    formatted: 'Jekerstraat 39 3700 TONGEREN',
  },
  [`${ITSME}BENationalNumber`]: '99060427181',
  [`${ITSME}BEeidSn`]: '431522485012',
  [`${ITSME}IDDocumentSN`]: '431522485012',
  [`${ITSME}IDDocumentType`]: 'I',
  [`${ITSME}birthdate_as_string`]: '01.11.1978',
  [`${ITSME}claim_citizenship`]: 'BE',
  [`${ITSME}claim_citizenship_as_iso`]: 'BEL',
  [`${ITSME}place_of_birth`]: { city: 'Brussels', formatted: 'Brussels' },
  [`${ITSME}physical_person_photo`]: {
    format: 'image/png',
    value: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  },
  [`${ITSME}verificationDate`]: {
    given_name: VERIFIED,
    family_name: VERIFIED,
    birthdate: VERIFIED,
    [`${ITSME}BENationalNumber`]: VERIFIED,
  },
  [`${ITSME}IDIssuingCountry`]: {
    given_name: 'BEL',
    family_name: 'BEL',
    birthdate: 'BEL',
    [`${ITSME}BENationalNumber`]: 'BEL',
  },
  [`${ITSME}validityFrom`]: { [`${ITSME}BEeidSn`]: '2018-11-08T00:00:00Z' },
  [`${ITSME}validityTo`]: { [`${ITSME}BEeidSn`]: '2028-11-10T00:00:00Z' },
  [`${ITSME}issuance_locality`]: { [`${ITSME}BEeidSn`]: 'BRUXELLES' },
};

// Scopes and the claims they stand for (itsme v2 API reference, "scope"); claims not under a
// scope can be asked for with the claims parameter only.
const CLAIMS = {
  openid: ['sub'],
  profile: ['family_name', 'given_name', 'name', 'gender', 'locale', 'picture', 'birthdate'],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
  eid: [`${ITSME}BENationalNumber`, `${ITSME}BEeidSn`],
  ...Object.fromEntries(
    Object.keys(GEORGE)
      .filter((claim) => claim.startsWith(ITSME) && !claim.endsWith('BENationalNumber') && !claim.endsWith('BEeidSn'))
      .map((claim) => [claim, null]),
  ),
};

function readConfig(path) {
  if (!path) {
    console.error('usage: node provider.mjs CONFIG.json');
    process.exit(2);
  }
  return JSON.parse(readFileSync(path, 'utf8'));
}

function configuration(cfg) {
  const serviceScopes = (cfg.serviceCodes ?? ['TEST_code']).map((code) => `service:${code}`);
  return {
    clients: cfg.clients,
    jwks: cfg.jwks,
    cookies: { keys: cfg.cookieKeys },
    responseTypes: ['code'],
    pkce: { required: () => true },
    scopes: ['openid', ...serviceScopes],
    claims: CLAIMS,
    conformIdTokenClaims: true,
    clientAuthMethods: ['private_key_jwt', 'client_secret_post', 'client_secret_basic'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
    },
    enabledJWA: {
      clientAuthSigningAlgValues: ['RS256'],
      idTokenSigningAlgValues: ['RS256'],
      userinfoSigningAlgValues: ['RS256'],
      requestObjectSigningAlgValues: ['RS256'],
      idTokenEncryptionAlgValues: ['RSA-OAEP', 'RSA-OAEP-256'],
      userinfoEncryptionAlgValues: ['RSA-OAEP', 'RSA-OAEP-256'],
      requestObjectEncryptionAlgValues: ['RSA-OAEP', 'RSA-OAEP-256'],
      idTokenEncryptionEncValues: ['A128CBC-HS256', 'A256CBC-HS512'],
      userinfoEncryptionEncValues: ['A128CBC-HS256', 'A256CBC-HS512'],
      requestObjectEncryptionEncValues: ['A128CBC-HS256', 'A256CBC-HS512'],
    },
    features: {
      devInteractions: { enabled: true },
      claimsParameter: { enabled: true },
      requestObjects: { enabled: true, requireSignedRequestObject: false },
      encryption: { enabled: true },
      jwtUserinfo: { enabled: true },
      userinfo: { enabled: true },
      revocation: {
        enabled: true,
        allowedPolicy: async (ctx, client, token) => token.clientId === client.clientId,
      },
    },
    // itsme: authorization codes live 3 minutes; the rest as itsme documents or shorter.
    ttl: {
      AuthorizationCode: 180,
      AccessToken: 600,
      IdToken: 600,
      Interaction: 600,
      Session: 600,
      Grant: 600,
    },
    clientBasedCORS: () => false,
    async findAccount(_ctx, accountId) {
      if (accountId !== SUBJECT) return undefined;
      return { accountId, claims: async () => ({ sub: SUBJECT, ...GEORGE }) };
    },
  };
}

function main() {
  const cfg = readConfig(process.argv[2]);
  const server = createServer();
  server.listen(cfg.port ?? 0, '127.0.0.1', () => {
    const issuer = `http://127.0.0.1:${server.address().port}`;
    const provider = new Provider(issuer, configuration(cfg));

    // Every login made on the development login page signs in as the one user.
    const finished = provider.interactionFinished.bind(provider);
    provider.interactionFinished = (req, res, result, options) => {
      const login = result.login ? { ...result.login, accountId: SUBJECT } : undefined;
      return finished(req, res, login ? { ...result, login } : result, options);
    };

    // Refusals on stderr (the fixture shows its tail when something goes wrong).
    for (const event of [
      'authorization.error', 'grant.error', 'userinfo.error', 'revocation.error',
      'backchannel.error', 'jwks.error', 'discovery.error', 'server_error',
    ]) {
      provider.on(event, (_ctx, err) => {
        console.error(`${event}: ${err.error ?? err.name}: ${err.error_description ?? err.message}`);
      });
    }

    server.on('request', provider.callback());
    console.log(`READY ${issuer}`);
  });

  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

main();
