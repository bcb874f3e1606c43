#!/usr/bin/env bash
# Run test files N times in a row while two busy processes keep the CPU loaded, to find tests
# that depend on timing. Usage: scripts/stress_tests.sh N LOGFILE TEST_FILE...
# Each run's full output goes to stress-out/run-K.txt; LOGFILE gets one line per run.
set -u
N=$1; LOG=$2; shift 2
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
PY=${PYTHON:-.venv/bin/python}
"$PY" -c "while True: pass" & A=$!
"$PY" -c "while True: pass" & B=$!
trap 'kill $A $B 2>/dev/null' EXIT
mkdir -p stress-out
for i in $(seq 1 "$N"); do
  "$PY" -m pytest -q -p no:cacheprovider -m "not slow" --timeout 300 "$@" > "stress-out/run-$i.txt" 2>&1
  echo "run $i: $(tail -1 "stress-out/run-$i.txt")" >> "$LOG"
  grep -E "^(FAILED|ERROR)" "stress-out/run-$i.txt" >> "$LOG"
done
echo DONE >> "$LOG"
