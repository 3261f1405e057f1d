-- Half API keys (x-api-key), half JWTs (Authorization: Bearer), alternating.
-- $BENCH_KEYS: file of keys (first column); $BENCH_JWT: one access token.
-- Requests are formatted once at start: wrk shares the CPUs with what it measures.
local keyRequests = {}
local jwtRequest
local n = 0

function init(args)
  for line in io.lines(os.getenv("BENCH_KEYS")) do
    keyRequests[#keyRequests + 1] =
      wrk.format("GET", nil, { ["Connection"] = "keep-alive", ["x-api-key"] = line:match("^(%S+)") })
  end
  jwtRequest = wrk.format("GET", nil, { ["Connection"] = "keep-alive", ["Authorization"] = "Bearer " .. os.getenv("BENCH_JWT") })
end

function request()
  n = n + 1
  if n % 2 == 0 then return jwtRequest end
  return keyRequests[math.random(#keyRequests)]
end
