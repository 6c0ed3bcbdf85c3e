#!/usr/bin/env bash
# Installs everything ript needs to build and test, from Debian bookworm and
# bookworm-backports only. Idempotent and quick when nothing is missing, so
# `make demo` and `make test` can call it every time.
set -euo pipefail

# ngtcp2 >= 1.11 and nghttp3 >= 1.8 exist only in bookworm-backports; the
# plain bookworm versions (0.12 / 0.8) have a different API.
BACKPORTS=(libngtcp2-dev libngtcp2-crypto-gnutls-dev libnghttp3-dev ngtcp2-client ngtcp2-server)
PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  libgnutls28-dev libnghttp2-dev libuv1-dev libjansson-dev libopus-dev
  libsqlite3-dev libtasn1-6-dev libtasn1-bin libcmocka-dev libspeexdsp-dev
  clang libclang-rt-14-dev valgrind
  openssl curl jq nodejs espeak-ng sox nghttp2-client nghttp2-server
)

# Debian's nodejs ships npm separately; some machines have a nodejs that
# bundles it (and conflicts with Debian's npm package), so ask only if absent.
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}" "${BACKPORTS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
# The jose library (npm) that mints tokens for the OAuth interop test,
# pinned by tests/interop/jose/package-lock.json.
install_jose() {
  local dir
  dir=$(cd "$(dirname "$0")/../tests/interop/jose" && pwd)
  [ -f "$dir/node_modules/jose/package.json" ] && return 0
  echo "install-deps: npm ci in $dir" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

if [ ${#missing[@]} -eq 0 ]; then
  install_jose
  exit 0
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}" >&2

if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  $SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports \
  "${BACKPORTS[@]}" >/dev/null
install_jose
