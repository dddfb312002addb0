-- Save a session only if nobody else saved since it was loaded, and mark the
-- message as handled in the same atomic step.
-- KEYS[1] session hash {v = version, d = data}; KEYS[2] (optional) dedup key
-- ARGV[1] expected version, ARGV[2] data, ARGV[3] session TTL ms, ARGV[4] dedup TTL ms
-- Returns the new version, -1 on a version conflict, -2 on a duplicate message.
local v = redis.call('HGET', KEYS[1], 'v')
if not v then v = '0' end
if v ~= ARGV[1] then return -1 end
if #KEYS == 2 then
  if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[4]) then return -2 end
end
local nv = tonumber(v) + 1
redis.call('HSET', KEYS[1], 'v', nv, 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return nv
