#!/usr/bin/env bash
# `make demo`: today it walks through the protocol core on real data (what a
# call's bytes look like at each layer). When riptd and ript land, it starts
# `riptd --dev`, calls the echo destination with a spoken sentence over HTTP/3
# datagrams, records the echo and compares it with what was sent.
set -euo pipefail
cd "$(dirname "$0")/.."
exec build/bin/ript-core-tour
