#!/usr/bin/env bash
# Regenerates docs/km-chart.png: the standalone offline HTML Kaplan–Meier chart of R's `lung` data by sex, rendered by
# headless Chromium (Debian package `chromium`). The HTML and a ScottPlot PNG of the same chart are left in a temporary
# folder whose path is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d -t vptsurv-km-XXXXXX)
dotnet run docs/km-chart.cs -- "$out"
bash docs/screenshot-km.sh "$out/km-chart.html" docs/km-chart.png
echo "HTML and ScottPlot PNG in $out"
