#!/usr/bin/env bash
# Checks convgrad against PyTorch on configurations it has never seen: generates fresh fixtures with
# a new seed (Debian's python3-torch, /usr/bin/python3) and runs the test suite on them.
#   scripts/verify-torch.sh [SEED] [CASES]
set -euo pipefail
seed=${1:-$RANDOM$RANDOM}
cases=${2:-150}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 "$(dirname "$0")/gen_fixtures.py" --seed "$seed" --cases "$cases" --out "$dir"
echo "fresh PyTorch fixtures, seed $seed, in $dir"
npx tsc -p tsconfig.test.json
CONVGRAD_FIXTURES="$dir" node --test build/test/conv.test.js build/test/format.test.js build/test/errors.test.js build/test/nn.test.js build/test/explain.test.js build/test/random.test.js build/test/ops.test.js build/test/train.test.js
