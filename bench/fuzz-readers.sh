#!/usr/bin/env bash
# Fuzzes the four readers of user files one after another (one process at a time, OMP_NUM_THREADS=1), each under
# coverlet's branch instrumentation (bench/VPTSurv.Bench/FuzzCoverage.targets), then writes
# bench/results/fuzz-readers.json: per reader executions/s, crashes and the branches of its classes covered.
# Usage (from the repository root): bash bench/fuzz-readers.sh [seconds per reader, default 600]
set -euo pipefail
seconds="${1:-600}"
export OMP_NUM_THREADS=1
dotnet build bench/VPTSurv.Bench -c Release
for reader in safetensors pth manifest config; do
  dotnet msbuild bench/VPTSurv.Bench -nologo -t:FuzzCoverage -p:Configuration=Release -p:FuzzReader="$reader" -p:FuzzSeconds="$seconds"
done
VPTSURV_FUZZ_COMMAND="bash bench/fuzz-readers.sh $seconds" \
  dotnet bench/VPTSurv.Bench/bin/Release/net10.0/VPTSurv.Bench.dll fuzz-readers --out bench/results/fuzz-readers.json
