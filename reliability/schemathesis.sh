#!/usr/bin/env bash
# Hostile input: schemathesis generates requests from shopd's own /openapi.json and sends them
# to a running shopd, once as an admin and once as a customer. It fails on any 5xx and on any
# reply that breaks the published schema (status, content type, headers, body).
#
#   reliability/schemathesis.sh            # examples per operation: ST_EXAMPLES (default 30)
#
# Needs a built shopd (SHOPD_BIN, default target/debug/shopd) and installs schemathesis from
# PyPI if it is missing. Talks to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${SHOPD_BIN:-target/debug/shopd}"
EXAMPLES="${ST_EXAMPLES:-30}"
if ! command -v schemathesis >/dev/null 2>&1; then
    python3 -m pip install --quiet 'schemathesis>=4.32,<5'
fi

. reliability/lib.sh
start_shopd "$BIN"
customer="$(customer_token fuzz)"

status=0
for who in customer admin; do
    echo "== schemathesis as $who, $EXAMPLES examples per operation"
    # From the scratch folder, so that schemathesis's own cache stays out of the repository.
    (cd "$work" && schemathesis --no-color run "$base/openapi.json" \
        --header "Authorization: Bearer ${!who}" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
        --phases examples,coverage,fuzzing --max-examples "$EXAMPLES" --seed 6 --workers 2 \
        --request-timeout 20 --warnings off) || status=1
done
if grep -q "internal error" "$work/shopd.log"; then
    echo "shopd logged internal errors:" >&2
    grep "internal error" "$work/shopd.log" | head -20 >&2
    status=1
fi
exit "$status"
