-- lab_predict.lua — wrk script for chapter 13's load bench (bench/lab_load.sh): POSTs one
-- MNIST test digit (784 values, the body file in LAB_BODY) to /api/predict and prints one
-- machine-readable RESULT line with the rate, the latency percentiles and every kind of error.
local f = assert(io.open(os.getenv("LAB_BODY"), "r"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d rps=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
