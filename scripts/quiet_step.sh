# Sourced by the hardening jobs: `quiet_step LOG DESCRIPTION COMMAND...` runs the command with its
# output in LOG, prints one line with the time it took, and on failure the log's last 150 lines.
quiet_step() {
  local log=$1 what=$2
  shift 2
  local start=$SECONDS
  if "$@" >"$log" 2>&1; then
    echo "$what: ok ($((SECONDS - start)) s)"
  else
    local rc=$?
    echo "$what: FAILED (exit $rc after $((SECONDS - start)) s); the end of $log:"
    tail -n 150 "$log"
    return "$rc"
  fi
}
