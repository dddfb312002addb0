// Package inchat gives the conversation engine its volunteer features
// (flows.Volunteers): citizens' own share links, volunteers' numbers,
// typed referral codes and the reminders opt-out, over the volunteer
// registry and the statistics.
package inchat

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/volunteer"
)

// Service implements flows.Volunteers.
type Service struct {
	Registry *volunteer.Registry
	Stats    *stats.Reader
	Links    volunteer.Links
	// OptOut opts a chat out of reminders; nil makes "/tatnhacnho" a
	// harmless no-op (reminders are off).
	OptOut func(ctx context.Context, chat string) error
	// Now is the clock (time.Now when nil).
	Now func() time.Time

	mu   sync.Mutex
	snap networkSnap // every code and count, for the network numbers
}

// networkTTL is how long one read of every code and every referral count
// serves the network numbers. Read at each "/thongke", they let anyone who
// had minted many share codes stall Redis for every replica (security
// review T1); a volunteer's network a few minutes old is as good.
const networkTTL = 5 * time.Minute

// networkSnap is one read of the registry's codes and their started counts.
type networkSnap struct {
	at      time.Time
	all     map[string]volunteer.Volunteer
	started map[string]int64
}

var _ flows.Volunteers = (*Service)(nil)

// Share returns the links of chat's own code, creating it on first use.
func (s *Service) Share(ctx context.Context, chat, ref string) (flows.ShareLinks, error) {
	set := s.Links.For("x")
	if !set.Any() {
		return flows.ShareLinks{}, errors.New("inchat: no public link is configured (PUBLIC_URL, TELEGRAM_BOT_USERNAME or ZALO_OA_URL)")
	}
	v, err := s.Registry.ForCitizen(ctx, chat, ref)
	if err != nil {
		return flows.ShareLinks{}, err
	}
	set = s.Links.For(v.Code)
	return flows.ShareLinks{Code: v.Code, Telegram: set.Telegram, Web: set.Web, Zalo: set.Zalo}, nil
}

// Numbers returns the all-time counts of the code chat owns or is linked to.
func (s *Service) Numbers(ctx context.Context, chat string) (flows.VolunteerNumbers, bool, error) {
	v, ok, err := s.Registry.OfChat(ctx, chat)
	if err != nil || !ok {
		return flows.VolunteerNumbers{}, false, err
	}
	n, err := s.numbers(ctx, v)
	return n, err == nil, err
}

// Claim links chat to the volunteer whose claim key is key.
func (s *Service) Claim(ctx context.Context, chat, key string) (flows.VolunteerNumbers, bool, error) {
	v, err := s.Registry.Claim(ctx, chat, key)
	if errors.Is(err, volunteer.ErrNotFound) {
		return flows.VolunteerNumbers{}, false, nil
	}
	if err != nil {
		return flows.VolunteerNumbers{}, false, err
	}
	n, err := s.numbers(ctx, v)
	return n, err == nil, err
}

// Known reports whether code exists and whether chat owns it.
func (s *Service) Known(ctx context.Context, chat, code string) (exists, own bool, err error) {
	v, err := s.Registry.Get(ctx, code)
	if errors.Is(err, volunteer.ErrNotFound) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	return true, v.Chat == chat, nil
}

// CanShare reports whether any public link is configured.
func (s *Service) CanShare() bool {
	return s.Links.TelegramBot != "" || s.Links.WebURL != "" || s.Links.ZaloOA != ""
}

// StopReminders opts chat out of reminders.
func (s *Service) StopReminders(ctx context.Context, chat string) error {
	if s.OptOut == nil {
		return nil
	}
	return s.OptOut(ctx, chat)
}

// numbers are v's all-time counts; the network walks the codes whose chain
// passes through v.
func (s *Service) numbers(ctx context.Context, v volunteer.Volunteer) (flows.VolunteerNumbers, error) {
	n := flows.VolunteerNumbers{Code: v.Code, Name: v.Name}
	var err error
	n.Started, n.Completed, err = s.Stats.RefTotals(ctx, v.Ref())
	if err != nil {
		return n, err
	}
	all, started, err := s.network(ctx)
	if err != nil {
		return n, err
	}
	for code, d := range all {
		if code == v.Code {
			continue
		}
		seen := map[string]bool{code: true}
		for p := d.Parent; p != "" && !seen[p] && len(seen) <= 10; p = all[p].Parent {
			seen[p] = true
			if p == v.Code {
				n.Network += started[volunteer.RefPrefix+code]
				break
			}
		}
	}
	return n, nil
}

// network returns every code and every referral's started count, read at
// most once per networkTTL by all the chats of this replica together.
func (s *Service) network(ctx context.Context) (map[string]volunteer.Volunteer, map[string]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	if s.snap.all != nil && now.Sub(s.snap.at) < networkTTL {
		return s.snap.all, s.snap.started, nil
	}
	all, err := s.Registry.All(ctx)
	if err != nil {
		return nil, nil, err
	}
	started, err := s.Stats.AllRefStarted(ctx)
	if err != nil {
		return nil, nil, err
	}
	s.snap = networkSnap{at: now, all: all, started: started}
	return all, started, nil
}

// ExpireShareCodes deletes the share codes citizens made that brought nobody
// in volunteer.ShareCodeLife (security review R9).
func (s *Service) ExpireShareCodes(ctx context.Context, now time.Time) (int, error) {
	started, err := s.Stats.AllRefStarted(ctx)
	if err != nil {
		return 0, err
	}
	return s.Registry.ExpireUnused(ctx, now.Add(-volunteer.ShareCodeLife), started)
}

// RunExpiry expires unused share codes now and then every interval until
// ctx ends. Replicas may all run it: a round is idempotent.
func (s *Service) RunExpiry(ctx context.Context, every time.Duration, log *slog.Logger) error {
	for {
		if n, err := s.ExpireShareCodes(ctx, time.Now()); err != nil {
			log.Warn("expire share codes", "err", err)
		} else if n > 0 {
			log.Info("expired unused share codes", "count", n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(every):
		}
	}
}
