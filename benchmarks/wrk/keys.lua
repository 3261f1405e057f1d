-- Sends one API key per request from the file in $BENCH_KEYS (one key per line,
-- first column). $BENCH_HOT (default: all) keys form the hot set that gets
-- $BENCH_HOT_SHARE percent of requests; the rest go uniformly to the long tail.
-- $BENCH_HEADER: "x-api-key" (default) or "bearer".
-- Requests are formatted once at start: wrk shares the CPUs with what it measures.
local requests = {}
local hot, hotShare

function init(args)
  local header = os.getenv("BENCH_HEADER") or "x-api-key"
  for line in io.lines(os.getenv("BENCH_KEYS")) do
    local key = line:match("^(%S+)")
    local headers = { ["Connection"] = "keep-alive" }
    if header == "bearer" then
      headers["Authorization"] = "Bearer " .. key
    else
      headers["x-api-key"] = key
    end
    requests[#requests + 1] = wrk.format("GET", nil, headers)
  end
  hot = tonumber(os.getenv("BENCH_HOT") or "0")
  if hot == 0 or hot > #requests then hot = #requests end
  hotShare = tonumber(os.getenv("BENCH_HOT_SHARE") or "100")
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 100000)
end

function request()
  if hot == #requests or math.random(100) <= hotShare then
    return requests[math.random(hot)]
  end
  return requests[hot + math.random(#requests - hot)]
end
