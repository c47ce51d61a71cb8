-- wrk script of the shopd benchmark: plays the requests listed in the file named by
-- BENCH_REQUESTS, one chosen at random each time. A line is
--   METHOD <tab> PATH <tab> BEARER-TOKEN (or empty) <tab> JSON BODY (or empty)
-- so a mixed load is a file with its lines in the wanted proportions.
-- At the end it prints one line, "BENCH key=value …", that run.sh reads.

local requests = {}

function init(args)
    for line in io.lines(os.getenv("BENCH_REQUESTS")) do
        local method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
        if method == nil then
            error("bad request line: " .. line)
        end
        local headers = {}
        if token ~= "" then
            headers["Authorization"] = "Bearer " .. token
        end
        if body ~= "" then
            headers["Content-Type"] = "application/json"
        else
            body = nil
        end
        requests[#requests + 1] = wrk.format(method, path, headers, body)
    end
    math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16))
end

function request()
    return requests[math.random(#requests)]
end

function done(summary, latency, _)
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d duration_us=%d status_errors=%d socket_errors=%d p50_us=%d p99_us=%d\n",
        summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
        latency:percentile(50), latency:percentile(99)))
end
