-- wrk script of bench/bench.py. With BENCH_BODY_FILE set, every request is a POST of
-- that file's bytes (Autodiscover); otherwise the URL's GET. done() prints one line that
-- bench.py parses: requests, seconds, errors and latency percentiles in microseconds.
local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
    local f = assert(io.open(body_file, "rb"))
    wrk.method = "POST"
    wrk.body = f:read("*a")
    f:close()
    wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
end
wrk.headers["Host"] = "autoconfig.example.com"

done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d us=%d errors=%d p50=%d p99=%d\n",
        summary.requests, summary.duration,
        e.connect + e.read + e.write + e.status + e.timeout,
        latency:percentile(50), latency:percentile(99)))
end
