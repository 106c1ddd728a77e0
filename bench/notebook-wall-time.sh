#!/usr/bin/env bash
# Wall time of the full Cpu-preset Table 1 notebook (notebooks/02-main-results.ipynb), before and after issue 13, on
# this machine, then bench/results/notebook-02-wall-time.json (bench `notebook-wall-time`).
#
#   before  the notebook as the first wave left it (commit VPTSURV_BEFORE_COMMIT, default 3622744: one seed, 5 epochs,
#           two cohorts, no reference rows), run by that commit's own .ci/notebooks in a clone, with cold tile and feature
#           caches. It trains every run itself, so its wall time is the whole job.
#   after   this checkout's notebook (5 seeds, 20 epochs, three cohorts, reference rows), with cold tile and feature
#           caches, over the run store VPTSURV_RUNS. Its wall time is everything but the training of the runs the store
#           already holds; each stored run carries the wall time it took to train (measured around its training by the
#           library, StoredRun.Seconds), and the bench adds those of the runs this notebook read. Without VPTSURV_RUNS
#           the notebook trains every run itself (about 8.5 hours on this machine).
#
# Usage (from the repository root):  VPTSURV_RUNS=<store> bash bench/notebook-wall-time.sh [before] [after]
#   (both phases when none is named; "summary" only writes the JSON again; a phase's parts are kept in VPTSURV_NB_PARTS, default
#   <temp>/vptsurv-notebook-wall-time, so the phases can run at different times; the JSON is written after each call.)
# One libtorch thread (OMP_NUM_THREADS=1), as .ci/notebooks sets. Nothing is written inside the repository except the
# results file.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
parts=${VPTSURV_NB_PARTS:-${TMPDIR:-/tmp}/vptsurv-notebook-wall-time}
before_commit=${VPTSURV_BEFORE_COMMIT:-3622744}
mkdir -p "$parts"
[ -x /usr/bin/time ] || { echo "bench/notebook-wall-time.sh needs GNU time (apt-get install time)" >&2; exit 1; }
phases=("$@"); [ ${#phases[@]} -gt 0 ] || phases=(before after)

run_phase() { # name, checkout folder, store (may be empty)
  local name=$1 checkout=$2 store=$3 work
  work=$(mktemp -d -t vptsurv-nb-wall-work-XXXXXX)
  rm -rf "${parts:?}/$name"; mkdir -p "$parts/$name"
  git -C "$checkout" rev-parse HEAD > "$parts/$name/commit.txt"
  date -u +%FT%TZ > "$parts/$name/started.txt"
  # The machine's load while the notebook runs (one line a minute: UTC time, then /proc/loadavg).
  (while sleep 60; do echo "$(date -u +%T) $(cat /proc/loadavg)"; done) > "$parts/$name/load.txt" & local monitor=$!
  (cd "$checkout" && env VPTSURV_PRESET=cpu VPTSURV_WORK="$work" ${store:+VPTSURV_RUNS="$store"} \
     VPTSURV_NOTEBOOK_OUT="$parts/$name/notebook" VPTSURV_NOTEBOOK_TIMEOUT=${VPTSURV_NOTEBOOK_TIMEOUT:-36000} \
     /usr/bin/time -v -o "$parts/$name/time.txt" bash .ci/notebooks notebooks/02-main-results.ipynb) \
     > "$parts/$name/notebooks.out" 2>&1 || { echo "$name: the notebook failed (see $parts/$name)" >&2; kill $monitor; rm -rf "$work"; return 1; }
  kill $monitor
  date -u +%FT%TZ > "$parts/$name/finished.txt"
  [ -n "$store" ] && echo "$store" > "$parts/$name/store.txt"
  rm -rf "$work"
  tail -1 "$parts/$name/notebooks.out"
}

for phase in "${phases[@]}"; do
  case $phase in
    before)
      clone=$(mktemp -d -t vptsurv-nb-wall-before-XXXXXX)
      trap 'rm -rf "$clone"' EXIT
      git clone -q "$root" "$clone/repo" && git -C "$clone/repo" checkout -q "$before_commit"
      run_phase before "$clone/repo" ""
      rm -rf "$clone"; trap - EXIT ;;
    after)
      run_phase after "$root" "${VPTSURV_RUNS:-}" ;;
    summary) ;; # only the JSON, from the parts already there
    *) echo "unknown phase '$phase' (before, after, summary)" >&2; exit 2 ;;
  esac
done

dotnet build bench/VPTSurv.Bench -c Release -v q -nologo >/dev/null
VPTSURV_NB_PARTS="$parts" dotnet bench/VPTSurv.Bench/bin/Release/net10.0/VPTSurv.Bench.dll notebook-wall-time \
  --out bench/results/notebook-02-wall-time.json
