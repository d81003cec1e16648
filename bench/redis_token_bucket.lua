-- The Redis baseline of bench/run.sh: Gubernator's token bucket (the bucket refills completely
-- `duration` ms after it was created) as one atomic script, called with redis-benchmark.
-- KEYS[1] = bucket key; ARGV = limit, duration (ms), hits.
-- Returns {status (0 under, 1 over), limit, remaining, reset_time (epoch ms)}.
local limit = tonumber(ARGV[1])
local duration = tonumber(ARGV[2])
local hits = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'remaining', 'reset')
local remaining = tonumber(state[1])
local reset = tonumber(state[2])
if remaining == nil or now >= reset then
  remaining = limit
  reset = now + duration
end
local status = 0
if hits > remaining then
  status = 1
else
  remaining = remaining - hits
end
redis.call('HSET', KEYS[1], 'remaining', remaining, 'reset', reset)
redis.call('PEXPIREAT', KEYS[1], reset)
return {status, limit, remaining, reset}
