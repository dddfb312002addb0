-- bench/wrk-open.lua: an open-loop approximation for wrk. Each connection
-- waits an exponential pause (mean MEAN_MS, from the environment) before
-- each request, so C connections offer about C*1000/MEAN_MS requests per
-- second as long as answers are quick compared with the pause. Requests
-- are bench/wrk-chat.lua's: a new conversation each, no cookies. Run it
-- from the repository root:
--   MEAN_MS=200 wrk -t1 -c1800 -d30s --latency -s bench/wrk-open.lua http://127.0.0.1:18080/
dofile("bench/wrk-chat.lua")

local mean = tonumber(os.getenv("MEAN_MS") or "200")
function delay()
  return math.floor(-math.log(1 - math.random()) * mean + 0.5)
end
