-- bench/wrk-open.lua: an open-loop approximation for wrk. Each connection
-- waits an exponential pause (mean MEAN_MS, from the environment) before
-- each request, so C connections offer about C*1000/MEAN_MS requests per
-- second as long as answers are quick compared with the pause. Requests
-- are bench/wrk-chat.lua's: a new conversation each, no cookies.
--   MEAN_MS=200 wrk -t1 -c1800 -d30s --latency -s bench/wrk-open.lua http://127.0.0.1:18080/
local texts = {"ko nhan dc otp", "quen mat khau", "kich hoat tai khoan", "dang ky muc 2 o dau", "1", "2"}
local mean = tonumber(os.getenv("MEAN_MS") or "200")
local n = 0
function delay()
  return math.floor(-math.log(1 - math.random()) * mean + 0.5)
end
request = function()
  n = n + 1
  local body = string.format('{"user":"u%d_%d","id":"m%d","text":"%s"}',
    math.random(1, 1000000000), n, n, texts[(n % #texts) + 1])
  return wrk.format("POST", "/api/chat", {["Content-Type"] = "application/json"}, body)
end
