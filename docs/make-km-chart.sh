#!/usr/bin/env bash
# Regenerates docs/km-chart.png: the standalone offline HTML Kaplan–Meier chart of R's `lung` data by sex, rendered by
# headless Chromium (Debian package `chromium`). The HTML and a ScottPlot PNG of the same chart are left in a temporary
# folder whose path is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { echo "needs Debian's chromium (apt-get install chromium)" >&2; exit 1; }
out=$(mktemp -d -t vptsurv-km-XXXXXX)
dotnet run docs/km-chart.cs -- "$out"
# --virtual-time-budget lets plotly.js finish drawing before the screenshot is taken.
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --hide-scrollbars \
  --window-size=1000,700 --virtual-time-budget=5000 --screenshot="$out/km-chart.png" "file://$out/km-chart.html" 2>/dev/null
test -s "$out/km-chart.png"
mv "$out/km-chart.png" docs/.km-chart.png.tmp && mv docs/.km-chart.png.tmp docs/km-chart.png
echo "docs/km-chart.png written (HTML and ScottPlot PNG in $out)"
