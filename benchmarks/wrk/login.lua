-- POST /auth/login with the benchmark user's credentials ($BENCH_EMAIL, $BENCH_PASSWORD).
function init(args)
  body = string.format('{"email":"%s","password":"%s"}', os.getenv("BENCH_EMAIL"), os.getenv("BENCH_PASSWORD"))
end

function request()
  return wrk.format("POST", "/auth/login",
    { ["Connection"] = "keep-alive", ["Content-Type"] = "application/json" }, body)
end
