-- Uses every key of $BENCH_KEYS in turn (threads take interleaved slices), so a
-- run touches every key: the lastUsedAt flush scenario.
local keys = {}
local i, step

function setup(thread)
  thread:set("offset", (_G.nextOffset or 0))
  _G.nextOffset = (_G.nextOffset or 0) + 1
end

function init(args)
  for line in io.lines(os.getenv("BENCH_KEYS")) do
    keys[#keys + 1] = line:match("^(%S+)")
  end
  step = tonumber(os.getenv("BENCH_THREADS") or "2")
  i = (offset or 0) + 1
end

function request()
  local key = keys[i]
  i = i + step
  if i > #keys then i = i - #keys end
  -- Formatted per request (not once at start like keys.lua): each key is used once,
  -- and 100,000 preformatted requests per thread would only move the cost.
  return wrk.format("GET", nil, { ["Connection"] = "keep-alive", ["x-api-key"] = key })
end
