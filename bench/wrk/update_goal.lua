-- wrk script: upsert of one business goal through the gateway, the HTTP
-- twin of `grpc_load --method=update_business_goal` (same body, goals drawn
-- at random from bench_goal_1..BENCH_KEYS). The bearer token comes from
-- wrk's -H flag.
local keys = tonumber(os.getenv("BENCH_KEYS") or "1000")
local threads = 0

wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"title":"Close 5 deals this quarter","area":"sales",' ..
           '"status":"in_progress","priority":3,"progress":40}'

function setup(thread)
  thread:set("seed", 7919 * threads + 1)
  threads = threads + 1
end

function init(args)
  math.randomseed(seed)
end

function request()
  local path = "/v1/businessGoals/bench_goal_" .. math.random(1, keys) ..
               "?allowMissing=true"
  return wrk.format(nil, path)
end
