-- Half API keys (x-api-key), half JWTs (Authorization: Bearer), alternating.
-- $BENCH_KEYS: file of keys (first column); $BENCH_JWT: one access token.
local keys = {}
local jwt
local n = 0

function init(args)
  for line in io.lines(os.getenv("BENCH_KEYS")) do
    keys[#keys + 1] = line:match("^(%S+)")
  end
  jwt = os.getenv("BENCH_JWT")
end

function request()
  n = n + 1
  if n % 2 == 0 then
    return wrk.format("GET", nil, { ["Connection"] = "keep-alive", ["Authorization"] = "Bearer " .. jwt })
  end
  return wrk.format("GET", nil, { ["Connection"] = "keep-alive", ["x-api-key"] = keys[math.random(#keys)] })
end
