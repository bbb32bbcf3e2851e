# Sourced (not run) by the scripts that need the local emulators outside
# pytest: scripts/demo.sh, bench/cli.sh, wasm/test.sh.
#
#   new_work_dir               sets $work to a new temporary directory that is
#                              removed, after stopping the stack, when the
#                              script exits (this sets the EXIT trap)
#   start_emulator_stack DIR   starts `python -m emulators.stack` (STS on moto,
#                              IMDS, container endpoint, issuer, registry) in
#                              the background, its state in DIR/state.json, and
#                              waits until it has written it (exit 1 with the
#                              stack's log if it does not start)
#   stop_emulator_stack        stops it (call it from the caller's EXIT trap)
#   state KEY                  a value of the state (JSON text if not a string)
#
# Expects to run from the repository root, with the project venv in .venv.

emulator_stack_pid=""
emulator_stack_dir=""

new_work_dir() {
  work=$(mktemp -d)
  trap 'stop_emulator_stack; rm -rf "$work"' EXIT
}

start_emulator_stack() {
  emulator_stack_dir=$1
  PYTHONPATH=tests .venv/bin/python -m emulators.stack --state "$emulator_stack_dir/state.json" \
    2>"$emulator_stack_dir/stack.log" &
  emulator_stack_pid=$!
  for _ in $(seq 300); do [ -s "$emulator_stack_dir/state.json" ] && return 0; sleep 0.1; done
  echo "$0: the emulator stack did not start:" >&2
  cat "$emulator_stack_dir/stack.log" >&2
  exit 1
}

stop_emulator_stack() {
  if [ -n "$emulator_stack_pid" ]; then
    kill "$emulator_stack_pid" 2>/dev/null || true
    wait "$emulator_stack_pid" 2>/dev/null || true
    emulator_stack_pid=""
  fi
}

state() {
  .venv/bin/python -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(v if isinstance(v, str) else json.dumps(v))' \
    "$emulator_stack_dir/state.json" "$1"
}
