// Keys and access tokens made with the jose library (npm), which no one
// here wrote, for tests/integration/riptd_oauth.sh:
//   node mint.mjs keys DIR
//       an ES256 and an RS256 key pair: DIR/jwks.json (public, kids
//       "jose-es" and "jose-rs") and DIR/es256.json, DIR/rs256.json
//       (private JWKs)
//   node mint.mjs token DIR ALG ISS AUD CUSTOMER [SCOPE [EXP_OFFSET]]
//       prints an RFC 9068 access token signed with DIR's ALG key
//       (ES256 or RS256), typ "at+jwt", customer in "ript_customer",
//       expiring EXP_OFFSET seconds from now (default 600; negative: past)
import { writeFileSync, readFileSync } from "node:fs";
import { exportJWK, generateKeyPair, importJWK, SignJWT } from "jose";

const [cmd, dir, ...rest] = process.argv.slice(2);
const kids = { ES256: "jose-es", RS256: "jose-rs" };
const files = { ES256: "es256.json", RS256: "rs256.json" };

async function keys() {
  const pub = [];
  for (const alg of ["ES256", "RS256"]) {
    const { publicKey, privateKey } = await generateKeyPair(alg, {
      extractable: true,
      modulusLength: 2048,
    });
    const jwk = await exportJWK(publicKey);
    pub.push({ ...jwk, kid: kids[alg], use: "sig", alg });
    writeFileSync(`${dir}/${files[alg]}`, JSON.stringify(await exportJWK(privateKey)));
  }
  writeFileSync(`${dir}/jwks.json`, JSON.stringify({ keys: pub }, null, 2));
}

async function token() {
  const [alg, iss, aud, customer, scope = "ript ript-admin", exp = "600"] = rest;
  const key = await importJWK(JSON.parse(readFileSync(`${dir}/${files[alg]}`)), alg);
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({ scope, client_id: "jose-client", ript_customer: customer })
    .setProtectedHeader({ alg, kid: kids[alg], typ: "at+jwt" })
    .setIssuer(iss)
    .setAudience(aud)
    .setSubject("jose-client")
    .setJti(`jti-${now}-${Math.random()}`)
    .setIssuedAt(Number(exp) < 0 ? now + Number(exp) - 600 : now)
    .setExpirationTime(now + Number(exp))
    .sign(key);
  process.stdout.write(jwt + "\n");
}

if (cmd === "keys") await keys();
else if (cmd === "token") await token();
else {
  process.stderr.write("usage: node mint.mjs keys DIR | token DIR ALG ISS AUD CUSTOMER [SCOPE [EXP_OFFSET]]\n");
  process.exit(2);
}
