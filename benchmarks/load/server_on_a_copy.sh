# Sourced by the load scripts that measure calls while the server does something long (a bulk
# load, a re-embedding): each step runs a server on a fresh copy of a store.
# The caller sets: store (the store directory, never changed), out (where logs go), scratch (a
# temporary directory), server_bin, cli and address; `pid` is the running server's.

# start NAME [LOG_LEVEL]: a server on a new copy of $store, once it answers GetStats; its log in
# $out/server-NAME.log.
start() {
  rm -rf "$scratch/data"
  cp -a "$store" "$scratch/data"
  "$server_bin" --listen "$address" --data-dir "$scratch/data" --log-level "${2:-warn}" \
    >"$out/server-$1.log" 2>&1 &
  pid=$!
  until "$cli" --server "$address" stats >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "server exited; see $out/server-$1.log" >&2; exit 1; }
    sleep 0.1
  done
}

stop() { kill -TERM "$pid"; wait "$pid" || true; }

# seconds_of STDOUT_FILE STDERR_FILE COMMAND...: runs the command with its output in those files
# and prints its wall time in seconds.
seconds_of() {
  local t0 t1 stdout_file=$1 stderr_file=$2
  shift 2
  t0=$(date +%s.%N)
  "$@" >"$stdout_file" 2>"$stderr_file"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'
}
