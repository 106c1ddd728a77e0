#!/usr/bin/env bash
# Renders a standalone offline Kaplan–Meier chart (a km-*.html written by `vptsurv demo`, `vptsurv km` or
# KaplanMeierChart.SaveHtml) to a PNG with headless Chromium (Debian package `chromium`), the way a browser shows it.
# Usage: bash docs/screenshot-km.sh <chart.html> <out.png>
# Example (the README's picture): bash docs/screenshot-km.sh out/demo/km-end-to-end.html docs/km-demo-cpu.png
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 <chart.html> <out.png>" >&2; exit 2; }
html=$(realpath "$1"); png=$2
[ -f "$html" ] || { echo "no such chart: $1" >&2; exit 2; }
command -v chromium >/dev/null || { echo "needs Debian's chromium (apt-get install chromium)" >&2; exit 1; }
tmp=$(mktemp -d -t vptsurv-shot-XXXXXX)
# --virtual-time-budget lets plotly.js finish drawing before the screenshot is taken; no network is used (offline HTML).
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --hide-scrollbars \
  --window-size=1000,700 --virtual-time-budget=5000 --screenshot="$tmp/shot.png" "file://$html" 2>/dev/null
test -s "$tmp/shot.png" || { echo "chromium wrote no screenshot of $html" >&2; exit 1; }
mv "$tmp/shot.png" "$png.tmp" && mv "$png.tmp" "$png"
rm -rf "$tmp"
echo "$png written from $html"
