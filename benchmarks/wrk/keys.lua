-- Sends one API key per request from the file in $BENCH_KEYS (one key per line,
-- first column). $BENCH_HOT (default: all) keys form the hot set that gets
-- $BENCH_HOT_SHARE percent of requests; the rest go uniformly to the long tail.
-- $BENCH_HEADER: "x-api-key" (default) or "bearer".
local keys = {}
local hot, hotShare, header

function init(args)
  for line in io.lines(os.getenv("BENCH_KEYS")) do
    keys[#keys + 1] = line:match("^(%S+)")
  end
  hot = tonumber(os.getenv("BENCH_HOT") or "0")
  if hot == 0 or hot > #keys then hot = #keys end
  hotShare = tonumber(os.getenv("BENCH_HOT_SHARE") or "100")
  header = os.getenv("BENCH_HEADER") or "x-api-key"
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0) % 100000)
end

function request()
  local key
  if hot == #keys or math.random(100) <= hotShare then
    key = keys[math.random(hot)]
  else
    key = keys[hot + math.random(#keys - hot)]
  end
  local headers = { ["Connection"] = "keep-alive" }
  if header == "bearer" then
    headers["Authorization"] = "Bearer " .. key
  else
    headers["x-api-key"] = key
  end
  return wrk.format("GET", nil, headers)
end
