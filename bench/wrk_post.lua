-- wrk script for bench/run.sh: POST /v1/GetRateLimits with one item per request, the key drawn
-- at random from KEYS (default 10,000) distinct keys, and a one-line key=value summary at the end.
-- Usage: wrk -s bench/wrk_post.lua http://127.0.0.1:1050/v1/GetRateLimits
local keys = tonumber(os.getenv("KEYS") or "10000")
local template = '{"requests":[{"name":"bench","unique_key":"key_%d","hits":"1",' ..
                 '"limit":"1000000000","duration":"3600000"}]}'
local headers = {["Content-Type"] = "application/json"}

function init(args)
  math.randomseed(tonumber(os.getenv("SEED") or "1") + os.time())
end

function request()
  return wrk.format("POST", nil, headers, string.format(template, math.random(0, keys - 1)))
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read +
              summary.errors.write + summary.errors.timeout
  io.write(string.format("WRK rps=%.1f p50_us=%d p99_us=%d requests=%d errors=%d\n",
                         summary.requests / seconds, latency:percentile(50),
                         latency:percentile(99), summary.requests, bad))
end
