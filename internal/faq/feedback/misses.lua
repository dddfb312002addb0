-- Record one unanswered question.
-- KEYS[1] counts (sorted set: folded text -> times asked)
-- KEYS[2] details (hash: folded text -> JSON of the latest wording)
-- KEYS[3] recent (list of JSON, newest first)
-- ARGV[1] folded text, ARGV[2] detail JSON, ARGV[3] recent JSON,
-- ARGV[4] most distinct questions kept, ARGV[5] most recent questions kept
local n = redis.call('ZINCRBY', KEYS[1], 1, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('LPUSH', KEYS[3], ARGV[3])
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[5]) - 1)
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
if over > 0 then
  -- drop the least asked questions, never the one just recorded
  local removed = 0
  for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, over)) do
    if removed < over and m ~= ARGV[1] then
      redis.call('ZREM', KEYS[1], m)
      redis.call('HDEL', KEYS[2], m)
      removed = removed + 1
    end
  end
end
return n
