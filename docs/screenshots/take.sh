#!/usr/bin/env bash
# Screenshots of the built site (./dev docs first), taken with Debian's headless Chromium
# (apt-get install chromium-headless-shell): the landing page, one API page, one gallery page.
set -euo pipefail
cd "$(dirname "$0")"
html="$(cd ../_build/html && pwd)"
shot() {  # $1: png name, $2: page, $3: window size
  chromium-headless-shell --no-sandbox --disable-gpu --hide-scrollbars --window-size="$3" \
    --screenshot="$PWD/$1.png" "file://$html/$2"
}
shot landing index.html 1280,1000
shot api-problems api/problems.html 1280,1000
shot gallery-coco auto_examples/coco_comparison.html 1280,1600
shot gallery-glens auto_examples/glens_samples.html 1280,1400
