// Node peer of the differential corpus: panva/jose (pinned in package.json / package-lock.json).
//
// Every token of tests/vectors/differential.json is verified with jwtVerify and the STRICTEST
// options equivalent to the component's configuration (the case's profile): `algorithms` =
// the allow-list, `typ` required (jose compares it by RFC 7515 §4.1.9, as the component does),
// `issuer`, `audience`, `requiredClaims`, `currentDate` pinned at the profile's `now` (a suite
// case with its own clock) or else the corpus `now`, `clockTolerance` = the leeway, `maxTokenAge` (ID-JAG: the maximum assertion lifetime, which
// our rules imply — a token we accept is never older than max_lifetime + leeway; access
// token: a century, only to turn on jose's "iat in the future" check, which the component
// applies too), and the key from the JWK Set by createLocalJWKSet (kid, kty/crv from alg,
// use/key_ops/alg of the JWK; exactly one candidate).
//
//   node peers.mjs --corpus tests/vectors/differential.json --out jose.json
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createLocalJWKSet, jwtVerify } from 'jose';

const CENTURY = 100 * 365 * 24 * 3600;

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= process.argv.length) {
    console.error(`usage: node peers.mjs --corpus FILE --out FILE (missing --${name})`);
    process.exit(2);
  }
  return process.argv[i + 1];
}

const corpus = JSON.parse(readFileSync(arg('corpus'), 'utf8'));
if (corpus.format !== 'xaa-differential/1') {
  console.error('not an xaa-differential/1 corpus');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const version = require('jose/package.json').version;

const options = {};
const keySets = {};
for (const [name, profile] of Object.entries(corpus.profiles)) {
  keySets[name] = createLocalJWKSet(profile.jwks);
  options[name] = {
    algorithms: profile.algorithms,
    typ: profile.typ,
    issuer: profile.issuer,
    audience: profile.audience,
    requiredClaims: profile.required_claims,
    currentDate: new Date((profile.now ?? corpus.now) * 1000),
    clockTolerance: profile.leeway,
    maxTokenAge: profile.max_token_age ?? CENTURY,
  };
}

const verdicts = {};
let accepted = 0;
for (const c of corpus.cases) {
  try {
    await jwtVerify(c.token, keySets[c.profile], options[c.profile]);
    verdicts[c.id] = { verdict: 'accept', reason: '' };
    accepted += 1;
  } catch (error) {
    const reason = `${error.code ?? error.name}: ${error.message}`;
    verdicts[c.id] = { verdict: 'reject', reason: reason.slice(0, 200) };
  }
}

writeFileSync(
  arg('out'),
  JSON.stringify(
    {
      peer: 'jose',
      library: 'jose',
      version,
      runtime: `Node ${process.versions.node}`,
      options: {
        jwtVerify:
          'algorithms, typ, issuer, audience, requiredClaims = profile; currentDate = profile now or corpus now; clockTolerance = leeway; maxTokenAge = profile max_token_age (ID-JAG) or a century (access token: enables the iat-in-the-future check)',
        key: 'createLocalJWKSet(profile jwks)',
      },
      verdicts,
    },
    null,
    1,
  ) + '\n',
);
console.log(`jose ${version}: ${accepted}/${corpus.cases.length} accepted`);
