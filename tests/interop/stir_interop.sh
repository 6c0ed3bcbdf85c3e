#!/usr/bin/env bash
# Interop for libript's STIR code (run by ctest as interop.stir_interop, with
# RIPT_BIN_DIR, RIPT_BUILD_DIR and RIPT_SOURCE_DIR set).
#
# stir_tool (our code) makes a CA, a CSR and the certificate issued from it
# for +14085551000, and a PASSporT to +14089529999. Verifiers we did not
# write then check them:
#   1. OpenSSL: the certificate shows the TNAuthList extension with the DER
#      we expect, its chain verifies, our CSR's self-signature verifies, and
#      CSRs OpenSSL makes are accepted/refused by our parser as they should;
#   2. panva/jose (npm, pinned in tests/interop/node/package-lock.json):
#      importX509 + compactVerify accept our PASSporT and refuse tampered
#      copies; a token jose signs with our key passes our verifier, one it
#      signs with another key does not;
#   3. openssl dgst: the signing input verifies against the public key with
#      the JWS r||s signature converted to DER.
# Exit 0 = pass; anything else fails with a message (never a skip).
set -euo pipefail

fail() {
  echo "stir_interop: FAIL: $*" >&2
  exit 1
}
step() { echo "stir_interop: $*"; }

: "${RIPT_BIN_DIR:?RIPT_BIN_DIR must name the directory holding stir_tool}"
: "${RIPT_BUILD_DIR:?RIPT_BUILD_DIR must name the build directory}"
: "${RIPT_SOURCE_DIR:?RIPT_SOURCE_DIR must name the source directory}"

for prog in openssl node npm; do
  command -v "$prog" >/dev/null ||
    fail "'$prog' is not installed (scripts/install-deps.sh should provide it)"
done
TOOL="$RIPT_BIN_DIR/stir_tool"
[ -x "$TOOL" ] || fail "$TOOL not built"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ORIG=+14085551000
DEST=+14089529999
NOW=$(date +%s) # the tool, not the library, reads the clock
X5U=https://ript.example/certs/leaf.pem

"$TOOL" make "$WORK" "$ORIG" "$DEST" "$NOW" || fail "stir_tool make"
cd "$WORK"

# --- 1. OpenSSL on our certificates and CSR ---------------------------------
step "openssl x509 -text shows the TNAuthList extension"
text=$(openssl x509 -in leaf.pem -noout -text) || fail "openssl cannot read leaf.pem"
# OpenSSL 3.0 has no name for id-pe-TNAuthList and prints the bare OID;
# later versions print TNAuthList / TNAuthorizationList.
grep -Eq 'TNAuthorizationList|TNAuthList|1\.3\.6\.1\.5\.5\.7\.1\.26' <<<"$text" ||
  fail "openssl x509 -text does not show the TNAuthList extension:
$text"
grep -q 'CA:FALSE' <<<"$text" || fail "leaf lacks basicConstraints CA:FALSE"
grep -q 'Digital Signature' <<<"$text" || fail "leaf lacks keyUsage digitalSignature"
grep -q 'Subject: CN = "+14085551000"' <<<"$text" || fail "leaf subject is not CN=+14085551000"

step "the extension holds TNAuthorizationList { one [2] \"14085551000\" }"
ext_hex=$(openssl asn1parse -in leaf.pem | grep -A1 ':1.3.6.1.5.5.7.1.26$' |
  sed -n 's/.*\[HEX DUMP\]://p')
[ "$ext_hex" = "300FA20D160B3134303835353531303030" ] ||
  fail "TNAuthList extension value is '$ext_hex'"

step "openssl verify -CAfile ca.pem leaf.pem"
openssl verify -CAfile ca.pem leaf.pem || fail "openssl does not accept our chain"
openssl x509 -in ca.pem -noout -text | grep -q 'CA:TRUE' || fail "CA lacks CA:TRUE"

step "openssl req -verify accepts our CSR"
openssl req -verify -in leaf.csr -noout || fail "openssl does not accept our CSR"
openssl req -in leaf.csr -noout -text | grep -q '1.3.6.1.5.5.7.1.26' ||
  fail "our CSR requests no TNAuthList"

step "our CSR parser on CSRs OpenSSL made"
openssl req -new -key leaf.key -subj '/CN=\+14085551000' \
  -addext '1.3.6.1.5.5.7.1.26=DER:300FA20D160B3134303835353531303030' \
  -out openssl-one.csr || fail "openssl req -new"
"$TOOL" csr openssl-one.csr | grep -qx 'csr for 14085551000' ||
  fail "our parser refused OpenSSL's CSR for one number"
openssl req -new -key leaf.key -subj '/CN=\+14085551000' \
  -addext '1.3.6.1.5.5.7.1.26=DER:3014A1123010160B3134303835353531303030020164' \
  -out openssl-range.csr || fail "openssl req -new"
if "$TOOL" csr openssl-range.csr 2>/dev/null; then
  fail "our parser accepted a CSR asking for a range"
fi

# --- 3. openssl dgst on the JWS signature -----------------------------------
step "openssl dgst -verify on the signing input and the DER signature"
openssl dgst -sha256 -verify pub.pem -signature sig.der input.txt ||
  fail "openssl dgst does not verify the PASSporT signature"
printf 'x' >>input.txt
if openssl dgst -sha256 -verify pub.pem -signature sig.der input.txt >/dev/null 2>&1; then
  fail "openssl dgst verified a changed signing input"
fi

# --- 2. jose -----------------------------------------------------------------
NODE_DIR="$RIPT_BUILD_DIR/node"
SRC_NODE="$RIPT_SOURCE_DIR/tests/interop/node"
mkdir -p "$NODE_DIR"
if ! cmp -s "$SRC_NODE/package-lock.json" "$NODE_DIR/package-lock.json" ||
  [ ! -f "$NODE_DIR/node_modules/jose/package.json" ]; then
  step "npm ci (jose) into $NODE_DIR"
  cp "$SRC_NODE/package.json" "$SRC_NODE/package-lock.json" "$NODE_DIR/"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) ||
    fail "npm ci of tests/interop/node failed (is the npm registry reachable?)"
fi

cat >"$NODE_DIR/stir_verify.mjs" <<'JS'
// Independent checks of a RIPT PASSporT with panva/jose.
import { readFileSync, writeFileSync } from 'node:fs';
import * as jose from 'jose';

const [dir, now, x5u] = process.argv.slice(2);
const fail = (msg) => { console.error(`jose: ${msg}`); process.exit(1); };
const read = (name) => readFileSync(`${dir}/${name}`, 'utf8');

const cert = await jose.importX509(read('leaf.pem'), 'ES256');
const jws = read('passport.jws').trim();

let result;
try {
  result = await jose.compactVerify(jws, cert, { algorithms: ['ES256'] });
} catch (e) {
  fail(`compactVerify refused our PASSporT: ${e}`);
}
const h = result.protectedHeader;
if (h.alg !== 'ES256' || h.typ !== 'passport' || h.x5u !== x5u)
  fail(`unexpected header ${JSON.stringify(h)}`);
const text = new TextDecoder().decode(result.payload);
const want = `{"dest":{"tn":["14089529999"]},"iat":${now},"orig":{"tn":"14085551000"}}`;
if (text !== want) fail(`payload ${text}, expected ${want}`);
console.log('jose: compactVerify accepts our PASSporT');

// One changed character in each part must break the signature.
const flip = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
const parts = jws.split('.');
for (const [part, name] of [[0, 'header'], [1, 'payload'], [2, 'signature']]) {
  const t = parts.slice();
  t[part] = flip(t[part], Math.floor(t[part].length / 2));
  const ok = await jose.compactVerify(t.join('.'), cert).then(() => true, () => false);
  if (ok) fail(`compactVerify accepted a PASSporT with a tampered ${name}`);
}
console.log('jose: tampered PASSporTs are refused');

// The other direction: jose signs, our verifier checks.
const claims = new TextEncoder().encode(JSON.stringify({
  orig: { tn: '14085551000' }, dest: { tn: ['14089529999'] }, iat: Number(now),
}));
const header = { alg: 'ES256', typ: 'passport', x5u };
const ours = await jose.importPKCS8(read('leaf.key'), 'ES256');
writeFileSync(`${dir}/jose.jws`,
  await new jose.CompactSign(claims).setProtectedHeader(header).sign(ours));
const other = await jose.generateKeyPair('ES256');
writeFileSync(`${dir}/jose-otherkey.jws`,
  await new jose.CompactSign(claims).setProtectedHeader(header).sign(other.privateKey));
JS

step "jose verifies our PASSporT and signs two of its own"
node "$NODE_DIR/stir_verify.mjs" "$WORK" "$NOW" "$X5U" || fail "jose checks"

step "our verifier accepts jose's PASSporT signed with the certificate's key"
"$TOOL" verify ca.pem leaf.pem jose.jws "$DEST" "$NOW" ||
  fail "our verifier refused a PASSporT jose signed"
step "our verifier refuses jose's PASSporT signed with another key"
if out=$("$TOOL" verify ca.pem leaf.pem jose-otherkey.jws "$DEST" "$NOW" 2>&1); then
  fail "our verifier accepted a PASSporT signed with another key"
fi
grep -q 'signature does not verify' <<<"$out" ||
  fail "wrong error for a foreign signature: $out"

echo "stir_interop: all checks passed"
