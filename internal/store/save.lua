-- Save a session only if nobody else saved since it was loaded, mark the
-- message as handled, and keep its replies in the chat's outbox until they
-- are delivered: all in one atomic step.
-- KEYS[1] session hash {v = version, d = data}
-- KEYS[2] dedup key of the message
-- KEYS[3] outbox stream of the chat
-- ARGV[1] expected version   ARGV[2] session data   ARGV[3] session TTL ms
-- ARGV[4] dedup TTL ms       ARGV[5] message id ('' = no dedup, no outbox)
-- ARGV[6] replies ('' = keep none)   ARGV[7] outbox TTL ms
-- ARGV[8] '1' = inline: the replies are kept as the dedup mark's value, for
--         the outbox TTL, instead of in the outbox stream (replies answered
--         at once, kept only for a retried request)
-- Returns {new version, outbox entry id}, {-1, ''} on a version conflict,
-- {-2, ''} when the message was handled meanwhile.
local v = redis.call('HGET', KEYS[1], 'v')
if not v then v = '0' end
if v ~= ARGV[1] then return {-1, ''} end
local inline = ARGV[8] == '1'
if ARGV[5] ~= '' then
  local mark, ttl = '1', ARGV[4]
  if inline and ARGV[6] ~= '' then mark, ttl = ARGV[6], ARGV[7] end
  if not redis.call('SET', KEYS[2], mark, 'NX', 'PX', ttl) then return {-2, ''} end
end
local nv = tonumber(v) + 1
redis.call('HSET', KEYS[1], 'v', nv, 'd', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local id = ''
if ARGV[5] ~= '' and ARGV[6] ~= '' and not inline then
  id = redis.call('XADD', KEYS[3], '*', 'm', ARGV[5], 'r', ARGV[6])
  redis.call('PEXPIRE', KEYS[3], ARGV[7])
end
return {nv, id}
