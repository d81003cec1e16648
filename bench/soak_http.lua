-- wrk script for bench/soak.sh: paced POSTs (DELAY_MS between requests per connection, default
-- 2) alternating a Gubernator /v1/GetRateLimits item and an Envoy /json descriptor, keys drawn
-- from KEYS (default 200,000) so they churn past the cache; every 50th request is bad input
-- (malformed JSON, a 5000-byte key), answered with a 400 or a per-item error.
local keys = tonumber(os.getenv("KEYS") or "200000")
local delay_ms = tonumber(os.getenv("DELAY_MS") or "2")
local n = 0
local gub = '{"requests":[{"name":"soak","unique_key":"k%d","hits":"1","limit":"1000000000",' ..
            '"duration":"3600000"}]}'
local envoy = '{"domain":"bench","descriptors":[{"entries":[{"key":"user","value":"v%d"}]}]}'
local headers = {["Content-Type"] = "application/json"}

function request()
  n = n + 1
  local k = math.random(0, keys - 1)
  if n % 50 == 0 then
    return wrk.format("POST", "/v1/GetRateLimits", headers, '{"requests":[[[[')
  elseif n % 50 == 25 then
    return wrk.format("POST", "/v1/GetRateLimits", headers, string.format(gub, k):gsub(
        '"k%d+"', '"' .. string.rep("x", 5000) .. '"'))
  elseif n % 2 == 0 then
    return wrk.format("POST", "/json", headers, string.format(envoy, k))
  end
  return wrk.format("POST", "/v1/GetRateLimits", headers, string.format(gub, k))
end

function delay()
  return delay_ms
end

function done(summary, latency, requests)
  io.write(string.format("SOAK_HTTP requests=%d socket_errors=%d\n", summary.requests,
                         summary.errors.connect + summary.errors.read + summary.errors.write +
                         summary.errors.timeout))
end
