#!/usr/bin/env bash
# Package registries on loopback for the release checks, as a team's own registries would be:
#   npm    Verdaccio 6.8.0 (from npm, installed in .ci-work/verdaccio with node-fetch overridden to 2.7.0, which
#          Verdaccio 6.8.0 needs on Node 20), publishing only for a user it registers;
#   PyPI   pypiserver (from PyPI, in .venv, pinned in requirements-dev.txt), uploads with twine;
#   Maven  a file repository that `mvn deploy:deploy-file` writes;
#   Go     a GOPROXY folder (the module proxy protocol over file://).
# `bash scripts/ci/registries.sh start` starts the two servers on free ports of 127.0.0.1, waits at most 60 s for
# each, and writes their addresses to .ci-work/registries/env (sourced by the publish and consumer scripts);
# `bash scripts/ci/registries.sh stop` stops them (scripts/test.sh does it in its EXIT trap). Every start begins
# with empty registries.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$PWD/.ci-work/registries

stop() {
  for name in verdaccio pypiserver; do
    pidfile=$dir/$name.pid
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
      echo "registries: stopped $name (pid $pid)"
    fi
    rm -f "$pidfile"
  done
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

wait_for() { # name url pid log
  for _ in $(seq 120); do
    curl -fsS -o /dev/null "$2" 2>/dev/null && { echo "registries: $1 is up at $2"; return 0; }
    kill -0 "$3" 2>/dev/null || { echo "registries: $1 exited; its log:" >&2; cat "$4" >&2; return 1; }
    sleep 0.5
  done
  echo "registries: $1 did not answer at $2 within 60 s; its log:" >&2; cat "$4" >&2; return 1
}

start() {
  stop
  rm -rf "$dir"
  mkdir -p "$dir/verdaccio/storage" "$dir/pypi" "$dir/maven" "$dir/goproxy"

  # Verdaccio: installed outside the project's dependencies (its own package.json and lock in .ci-work/).
  local v=.ci-work/verdaccio
  if [ "$(node -p "try { require('./$v/node_modules/verdaccio/package.json').version } catch { '' }")" != 6.8.0 ]; then
    mkdir -p "$v"
    cat > "$v/package.json" <<'JSON'
{ "name": "ci-verdaccio", "private": true, "dependencies": { "verdaccio": "6.8.0" }, "overrides": { "node-fetch": "2.7.0" } }
JSON
    echo "registries: npm install verdaccio@6.8.0 (node-fetch 2.7.0) into $v"
    npm install --prefix "$v" --no-audit --no-fund --loglevel=error > /dev/null
  fi
  local npm_port
  npm_port=$(free_port)
  # No uplinks: the registry holds only what is published to it; consumers get other packages from their own registry.
  cat > "$dir/verdaccio/config.yaml" <<YAML
storage: $dir/verdaccio/storage
auth:
  htpasswd:
    file: $dir/verdaccio/htpasswd
uplinks: {}
packages:
  '@sanders/*':
    access: \$all
    publish: \$authenticated
    unpublish: \$authenticated
  '**':
    access: \$all
    publish: \$authenticated
log: { type: stdout, format: pretty, level: warn }
YAML
  "$v/node_modules/.bin/verdaccio" --config "$dir/verdaccio/config.yaml" --listen "127.0.0.1:$npm_port" \
    > "$dir/verdaccio.log" 2>&1 &
  echo $! > "$dir/verdaccio.pid"

  [ -x .venv/bin/pypi-server ] || bash scripts/ci/python-venv.sh
  local pypi_port
  pypi_port=$(free_port)
  # -a . -P .: uploads without a password (loopback only); --disable-fallback: a name it does not hold is a 404,
  # not a redirect to pypi.org, so an install shows which index it came from.
  .venv/bin/pypi-server run --host 127.0.0.1 --port "$pypi_port" -a . -P . --disable-fallback "$dir/pypi" \
    > "$dir/pypiserver.log" 2>&1 &
  echo $! > "$dir/pypiserver.pid"

  wait_for Verdaccio "http://127.0.0.1:$npm_port/-/ping" "$(cat "$dir/verdaccio.pid")" "$dir/verdaccio.log"
  wait_for pypiserver "http://127.0.0.1:$pypi_port/health" "$(cat "$dir/pypiserver.pid")" "$dir/pypiserver.log"

  # A publishing user for Verdaccio (CouchDB's user API, as `npm adduser` uses it) and a .npmrc for this run only.
  local token
  token=$(curl -fsS -X PUT -H 'content-type: application/json' \
    -d '{"name":"sanders-ci","password":"loopback-only"}' \
    "http://127.0.0.1:$npm_port/-/user/org.couchdb.user:sanders-ci" | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')
  cat > "$dir/npmrc" <<NPMRC
@sanders:registry=http://127.0.0.1:$npm_port/
//127.0.0.1:$npm_port/:_authToken=$token
NPMRC
  cat > "$dir/env" <<ENV
export SANDERS_NPM_REGISTRY=http://127.0.0.1:$npm_port/
export SANDERS_NPMRC=$dir/npmrc
export SANDERS_PYPI_URL=http://127.0.0.1:$pypi_port/
export SANDERS_PYPI_INDEX=http://127.0.0.1:$pypi_port/simple/
export SANDERS_MAVEN_REPO=$dir/maven
export SANDERS_GOPROXY_DIR=$dir/goproxy
ENV
  echo "registries: addresses in $dir/env"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
