-- bench/wrk-chat.lua: web chat requests for wrk, as a load generator that
-- keeps no cookies sends them: every request is a new citizen (the bot
-- issues a new conversation each time) with its own user and message id,
-- and one of a few typical first messages.
--   wrk -t1 -c200 -d10s -s bench/wrk-chat.lua http://127.0.0.1:18080/
local texts = {"ko nhan dc otp", "quen mat khau", "kich hoat tai khoan", "dang ky muc 2 o dau", "1", "2"}
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"user":"u%d_%d","id":"m%d","text":"%s"}',
    math.random(1, 1000000000), n, n, texts[(n % #texts) + 1])
  return wrk.format("POST", "/api/chat", {["Content-Type"] = "application/json"}, body)
end
