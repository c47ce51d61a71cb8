# Shared by the harness scripts: start a shopd on a free port of 127.0.0.1 with an admin, in a
# scratch folder that is removed (and the process stopped) on exit.
#   start_shopd BINARY        sets $work, $pid, $base, $admin (a login token)

work="$(mktemp -d)"
pid=""
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# Reads JSON on stdin and prints the value at the Python subscript given, e.g. '["token"]'.
json() { python3 -c "import json, sys; print(eval('json.load(sys.stdin)' + sys.argv[1]))" "$1"; }

start_shopd() {
    local port
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    base="http://127.0.0.1:$port"
    DATABASE_URL="${DATABASE_URL:-sqlite://$work/shop.db}" SHOP_ADMIN_EMAIL=admin@example.com \
        SHOP_ADMIN_PASSWORD=admin-password RUST_LOG=warn "$1" serve --demo --addr "127.0.0.1:$port" \
        >"$work/shopd.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do
        curl -fs "$base/readyz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    admin="$(curl -fsS "$base/auth/login" -H 'content-type: application/json' \
        -d '{"email": "admin@example.com", "password": "admin-password"}' | json '["token"]')"
}

# Registers a customer and prints its token.
customer_token() {
    curl -fsS "$base/auth/register" -H 'content-type: application/json' \
        -d '{"name": "'"$1"'", "email": "'"$1"'@example.com", "password": "password123"}' | json '["token"]'
}
