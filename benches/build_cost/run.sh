#!/usr/bin/env bash
# Times a clean `cargo build` (default features, dev profile) of the same one-fn crate with
# wait-or-die and with backon, alternating, and prints the CPU time (user + sys) of each.
# Usage: benches/build_cost/run.sh [runs]   (the crates keep their own target dirs and lock files)
set -euo pipefail
cd "$(dirname "$0")"
for run in $(seq "${1:-3}"); do
  for crate in backon wait-or-die; do
    (cd "$crate" && rm -rf target && /usr/bin/time -f "run $run $crate: user %U s, sys %S s, wall %e s" cargo build -q 2>&1 | tail -n 1)
  done
done
