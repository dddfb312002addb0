package store

import "strings"

// The bot's Redis key schema. Every key of the bot is built by a function
// in this file, so the whole schema, and which keys share a cluster slot,
// can be read in one place.
//
// On a Redis Cluster a key's slot is the hash of the text inside its first
// {…} (its hash tag), or of the whole key when it has none. A command, a
// script or a MULTI/EXEC that touches several keys works only when they all
// hash to one slot, so every group of keys used together carries one tag:
//
//	tag            keys                                        used together by
//	{<chat>}       session, dedup marks, outbox, delivery       the save script (session, dedup, outbox)
//	               lock, reminder marks
//	{accounts}     officer/operator accounts, tokens, sessions  account create/remove scripts and MULTIs
//	{content}      published versions, drafts, audit            publish, rollback, draft MULTIs
//	{handoff}      tickets, queues, per-area counters           ticket MULTIs and WATCHes
//	{stats}        daily counters, referral totals, scratch     SUNIONSTORE/PFCOUNT over days
//	{vol}          volunteer registry                           volunteer add (one MULTI over four hashes)
//	{misses}       FAQ miss log                                 the miss script
//	{bc:<id>}      one broadcast job: header, queues, states    job creation MULTI, claim script
//
// A key without a tag stands alone: nothing touches it together with
// another key (a lease, a rate-limit counter, an index read on its own).
//
// How to add a key: write a function here named after what the key holds
// (SessionKey, VolunteerKey…), doc it with its Redis type, and build it with
// s.tagged(tag, parts...) when a multi-key command uses it with other keys
// of the same tag, or s.Key(parts...) when it stands alone. Keep an existing
// key's text unchanged when it is already correct, so stored data stays
// valid; when a key must move to a new slot, list the old and new names in
// renames so that Open carries the data over.

// tagged builds a key in the cluster slot of tag: tagged("vol", "code") is
// "vneid:{vol}:code".
func (s *Store) tagged(tag string, parts ...string) string {
	return s.prefix + ":{" + tag + "}" + joinParts(parts)
}

func joinParts(parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	return ":" + strings.Join(parts, ":")
}

// chatKey keeps all of one chat's keys in one cluster slot via the {chat} hash tag.
func (s *Store) chatKey(chat, kind string) string {
	return s.prefix + ":{" + chat + "}:" + kind
}

// SessionKey is a chat's session: a hash {v = version, d = data}.
func (s *Store) SessionKey(chat string) string { return s.chatKey(chat, "s") }

// DedupKey marks msgID of chat as handled (a string with a TTL).
func (s *Store) DedupKey(chat, msgID string) string { return s.chatKey(chat, "m:"+msgID) }

// OutboxKey is a chat's outbox: a stream of replies not yet delivered.
func (s *Store) OutboxKey(chat string) string { return s.chatKey(chat, "out") }

// ChatLockKey is the lease of whoever delivers a chat's outbox.
func (s *Store) ChatLockKey(chat string) string { return s.chatKey(chat, "lock") }

// OutboxPendingKey is the sorted set (chat "\n" message id by time) of
// outbox entries the sweeper may have to deliver. It stands alone: it is
// written in the same pipeline as a chat's keys, never in the same script.
func (s *Store) OutboxPendingKey() string { return s.Key("outbox", "pending") }

// VolunteerKey is one of the volunteer registry's keys, all in slot {vol}:
// "code" (hash code → Volunteer), "list" (zset of codes by creation),
// "chat" (hash chat → code), "claim" (hash claim key → code) and "claimof"
// (hash code → claim key).
func (s *Store) VolunteerKey(part string) string { return s.tagged("vol", part) }

// AccountsKey is one of the officer and operator accounts' keys, all in
// slot {accounts}: "acct" (hash id → Account), "token" (hash token hash →
// id), "s", <hash> (a session → account id, with a TTL) and "sessof", <id>
// (set of one account's session hashes).
func (s *Store) AccountsKey(parts ...string) string { return s.tagged("accounts", parts...) }

// ContentKey is one of the published content's keys, all in slot
// {content}: "seq", "v", <N>, "index", "current", "switch" (a pub/sub
// channel) of the versions, and "drafts", "draftseq", "audit",
// "publishing" of the admin editor.
func (s *Store) ContentKey(parts ...string) string { return s.tagged("content", parts...) }

// HandoffKey is one of the handoff tickets' keys, all in slot {handoff}.
func (s *Store) HandoffKey(parts ...string) string { return s.tagged("handoff", parts...) }

// StatsKey is one of the statistics' keys in slot {stats}: daily counters
// (<day>, <scope>, …), referral totals ("tot", "rdone", <ref>), the missed
// questions ("missed") and scratch keys of a report ("tmp", <id>).
func (s *Store) StatsKey(parts ...string) string { return s.tagged("stats", parts...) }

// StatsChatsKey is the sorted set of chats by their last activity. It
// stands alone.
func (s *Store) StatsChatsKey() string { return s.Key("chats") }

// StatsSegmentKey is the sorted set of the chats of a segment (kind
// "stuck") in flow, by time. It stands alone.
func (s *Store) StatsSegmentKey(kind, flow string) string { return s.Key("seg", kind, flow) }

// MissesKey is one of the FAQ miss log's keys, all in slot {misses}:
// "counts", "details" and "recent".
func (s *Store) MissesKey(part string) string { return s.Key("faq", "{misses}", part) }

// VotesKey is the hash of the FAQ answers' helpful/unhelpful votes.
func (s *Store) VotesKey() string { return s.Key("faq", "votes") }

// BroadcastKey is one of broadcast job id's keys, all in slot {<id>}: the
// job's hash (no parts), "q", <channel> (list of recipients), "st" (hash
// recipient → state) and "lease".
func (s *Store) BroadcastKey(id string, parts ...string) string {
	return s.Key("bc", "{"+id+"}") + joinParts(parts)
}

// OldBroadcastKey is where broadcast job id's keys were before they shared
// the job's slot ("bc:<id>…"); jobs written then are moved when read.
func (s *Store) OldBroadcastKey(id string, parts ...string) string {
	return s.Key("bc", id) + joinParts(parts)
}

// BroadcastJobsKey is the sorted set of broadcast job ids by creation time.
// It stands alone.
func (s *Store) BroadcastJobsKey() string { return s.Key("bc", "jobs") }

// ReminderOptOutKey is the set of chats that turned reminders off.
func (s *Store) ReminderOptOutKey() string { return s.Key("rem", "optout") }

// ReminderDoneKey is the set of flows chat was reminded of, in the chat's
// slot.
func (s *Store) ReminderDoneKey(chat string) string { return s.Key("rem", "{"+chat+"}") }

// ReminderLeaseKey is the lease of the replica making a reminder pass.
func (s *Store) ReminderLeaseKey() string { return s.Key("rem", "lease") }

// AdminFailKey counts the wrong admin tokens from one client address (a
// string with the window as its TTL).
func (s *Store) AdminFailKey(client string) string { return s.Key("admin", "fail", client) }

// AdminSessionKey marks an admin dashboard session as live (a string
// with a TTL).
func (s *Store) AdminSessionKey(sid string) string { return s.Key("admin", "session", sid) }

// WebIDKey holds the key that signs the web chat's conversation ids.
func (s *Store) WebIDKey() string { return s.Key("web", "idkey") }

// WebNewChatsKey is the prefix of the web chat's per-address counters of
// new conversations: <prefix>:<keyed hash of the address>:<window>, each
// a string with a TTL, alone in its slot.
func (s *Store) WebNewChatsKey() string { return s.Key("web", "newchats") }

// IntakeKey is the Redis stream of channel's updates taken in and not yet
// handled ("zalo", "zalobot"): "<channel>:events".
func (s *Store) IntakeKey(channel string) string { return s.Key(channel, "events") }

// TelegramKey is one of bot botID's Telegram keys, each alone in its slot:
// "budget" (the shared send budget), "pause" (a 429's pause), "u", <update
// id> (dedup of an update), "group_notice", <chat>, "webhook_secret" and
// "poller" (the polling lease).
func (s *Store) TelegramKey(botID string, parts ...string) string {
	return s.Key("tg", botID) + joinParts(parts)
}

// TelegramBlockedKey is the set of Telegram chats that blocked the bot.
func (s *Store) TelegramBlockedKey() string { return s.Key("tg", "blocked") }

// ZaloTokensKey is the hash of the Zalo OA token pair.
func (s *Store) ZaloTokensKey() string { return s.Key("zalo", "tokens") }

// ZaloTokensLockKey is the lease of the replica refreshing the OA tokens.
func (s *Store) ZaloTokensLockKey() string { return s.Key("zalo", "tokens", "lock") }

// ZaloUnreachableKey marks a Zalo OA user the bot may not write to now.
func (s *Store) ZaloUnreachableKey(user string) string { return s.Key("zalo", "unreachable", user) }

// ZaloOAuthKey holds the PKCE verifier of one "zalo authorize" state.
func (s *Store) ZaloOAuthKey(state string) string { return s.Key("zalo", "oauth", state) }

// ZaloBotPollerKey is the lease of the replica polling the Zalo Bot
// Platform.
func (s *Store) ZaloBotPollerKey() string { return s.Key("zalobot", "poller") }

// renames lists the keys that moved to a new slot, old name first. Open
// carries each old key's data over (see migrate).
func (s *Store) renames() [][2]string {
	var r [][2]string
	for _, part := range []string{"code", "list", "chat", "claim", "claimof"} {
		r = append(r, [2]string{s.Key("vol", part), s.VolunteerKey(part)})
	}
	return r
}
