package stats

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/volunteer"
)

// Report is what "vneidbot stats --json" prints and the dashboard shows.
// Unique-user numbers come from HyperLogLogs: exact for small numbers,
// within about 1% beyond.
type Report struct {
	Since     string           `json:"since"`
	Until     string           `json:"until"`
	Ref       string           `json:"ref,omitempty"`
	Users     int64            `json:"users"`      // distinct users active in the period
	NewUsers  int64            `json:"new_users"`  // first contacts in the period
	ByChannel map[string]int64 `json:"by_channel"` // distinct users per channel
	Funnel    []FunnelStep     `json:"funnel"`
	Flows     []FlowTotal      `json:"flows"`
	Completed map[string]int64 `json:"completed"` // distinct users who completed each flow
	Stuck     []StuckPoint     `json:"stuck"`
	FAQ       FAQStats         `json:"faq"`
	Referrals []Referral       `json:"referrals"`
	Daily     []DayTotal       `json:"daily"`
	Shared    int64            `json:"shared"`  // share links handed out
	Blocked   int64            `json:"blocked"` // sends that found a chat blocked or unreachable
}

// FunnelStep is one step of a flow: how many users reached it, how many of
// those went on to a following step of the flow, and how many stopped there.
// Steps are listed flow by flow, each flow from its start, breadth first.
type FunnelStep struct {
	Flow  string `json:"flow"`
	Step  string `json:"step"`
	Title string `json:"title,omitempty"`
	Users int64  `json:"users"`
	Next  int64  `json:"next"`
	Left  int64  `json:"left"` // users − next; 0 on a final step (reaching it is success)
	End   bool   `json:"end,omitempty"`
}

// FlowTotal is the activation funnel's bar for one flow.
type FlowTotal struct {
	Flow      string `json:"flow"`
	Title     string `json:"title,omitempty"`
	Started   int64  `json:"started"`
	Completed int64  `json:"completed"`
}

// StuckPoint is a step where users pressed "Tôi bị kẹt".
type StuckPoint struct {
	Flow  string `json:"flow"`
	Step  string `json:"step"`
	Title string `json:"title,omitempty"`
	Users int64  `json:"users"`
}

// FAQStats counts free-text questions.
type FAQStats struct {
	Answered int64      `json:"answered"`
	Missed   int64      `json:"missed"`
	Unsure   int64      `json:"unsure"`
	Top      []FAQEntry `json:"top"`
}

// FAQEntry is a FAQ entry with how often it was shown and rated.
type FAQEntry struct {
	Entry      string `json:"entry"`
	Title      string `json:"title,omitempty"`
	Count      int64  `json:"count"`
	Helpful    int64  `json:"helpful"`
	NotHelpful int64  `json:"not_helpful"`
}

// Referral is one code's numbers in the period: users it brought (first
// touch) and how many of them completed a flow. Network adds the users
// brought by everyone further down its chain.
type Referral struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Area      string `json:"area,omitempty"`
	Kind      string `json:"kind,omitempty"`
	Via       string `json:"via,omitempty"` // the code that referred this code's owner
	Started   int64  `json:"started"`
	Completed int64  `json:"completed"`
	Network   int64  `json:"network"`
}

// DayTotal is one day: distinct active users and new users per channel.
type DayTotal struct {
	Date  string           `json:"date"`
	Users int64            `json:"users"`
	New   map[string]int64 `json:"new"`
}

// Filter chooses the period (whole days in Vietnam, both ends included)
// and, optionally, one referral's users.
type Filter struct {
	Since, Until time.Time
	Ref          string // "v_<code>" or the bare code; empty for everyone
}

// Reader answers questions about the statistics.
type Reader struct {
	st        *store.Store
	retention time.Duration
}

// NewReader returns a Reader of the statistics in st. retention must match
// the Recorder's (DefaultRetention when zero): older days are gone.
func NewReader(st *store.Store, retention time.Duration) *Reader {
	if retention <= 0 {
		retention = DefaultRetention
	}
	return &Reader{st: st, retention: retention}
}

// MaxDays bounds a report's period.
const MaxDays = 400

// Report computes the statistics for f, in two pipelined round trips. cat
// orders the funnel and names steps and entries (ids only when nil); vols
// names the referral codes (every registered volunteer is listed, with
// zeros when they brought nobody).
func (rd *Reader) Report(ctx context.Context, f Filter, cat *content.Catalog, vols map[string]volunteer.Volunteer) (*Report, error) {
	days, err := period(f)
	if err != nil {
		return nil, err
	}
	scope := scopeAll
	ref := ""
	if f.Ref != "" {
		ref = volunteer.RefPrefix + strings.TrimPrefix(strings.ToLower(f.Ref), volunteer.RefPrefix)
		if !volunteer.ValidRef(ref) {
			return nil, fmt.Errorf("stats: %q is not a referral code", f.Ref)
		}
		scope = refScope(ref)
	}
	rdb := rd.st.Client()
	key := func(day string, parts ...string) string { return dayKey(rd.st, day, scope, parts...) }

	// Round trip 1: each day's counters, index and active users; the
	// all-scope counters too, for the referral table.
	type dayCmds struct {
		c, all *redis.MapStringStringCmd
		idx    *redis.StringSliceCmd
		users  *redis.IntCmd
	}
	dc := make([]dayCmds, len(days))
	_, err = rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, d := range days {
			dc[i].c = p.HGetAll(ctx, key(d, "c"))
			dc[i].idx = p.SMembers(ctx, key(d, "i"))
			dc[i].users = p.PFCount(ctx, key(d, "u"))
			if scope != scopeAll {
				dc[i].all = p.HGetAll(ctx, dayKey(rd.st, d, scopeAll, "c"))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stats: read days: %w", err)
	}
	rep := &Report{
		Since: days[0], Until: days[len(days)-1], Ref: ref,
		ByChannel: map[string]int64{}, Completed: map[string]int64{},
		Funnel: []FunnelStep{}, Flows: []FlowTotal{}, Stuck: []StuckPoint{},
		FAQ: FAQStats{Top: []FAQEntry{}}, Referrals: []Referral{}, Daily: []DayTotal{},
	}
	counters := map[string]int64{}
	refStarted := map[string]int64{}
	steps, stuck, done, channels := map[[2]string]bool{}, map[[2]string]bool{}, map[string]bool{}, map[string]bool{}
	for i, d := range days {
		c := dc[i].c.Val()
		dt := DayTotal{Date: d, Users: dc[i].users.Val(), New: map[string]int64{}}
		for field, v := range c {
			n, _ := strconv.ParseInt(v, 10, 64)
			counters[field] += n
			if ch, ok := strings.CutPrefix(field, "new|"); ok {
				dt.New[ch] += n
			}
		}
		all := c
		if dc[i].all != nil {
			all = dc[i].all.Val()
		}
		for field, v := range all {
			if r, ok := strings.CutPrefix(field, "ref|"); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				refStarted[r] += n
			}
		}
		rep.Daily = append(rep.Daily, dt)
		for _, m := range dc[i].idx.Val() {
			parts := strings.Split(m, "|")
			switch {
			case len(parts) == 3 && parts[0] == "s":
				steps[[2]string{parts[1], parts[2]}] = true
			case len(parts) == 3 && parts[0] == "k":
				stuck[[2]string{parts[1], parts[2]}] = true
			case len(parts) == 2 && parts[0] == "d":
				done[parts[1]] = true
			case len(parts) == 2 && parts[0] == "ch":
				channels[parts[1]] = true
			}
		}
	}
	rep.NewUsers = counters["new"]
	rep.FAQ.Answered, rep.FAQ.Missed, rep.FAQ.Unsure = counters["faq_answered"], counters["faq_missed"], counters["faq_unsure"]
	rep.Shared, rep.Blocked = counters["shared"], counters["blocked"]

	// The funnel's shape: content order when known, then anything else seen.
	order := funnelOrder(cat, steps)

	// Round trip 2: unique users over the whole period.
	keysOf := func(parts ...string) []string {
		ks := make([]string, len(days))
		for i, d := range days {
			ks[i] = key(d, parts...)
		}
		return ks
	}
	refs := referralCodes(refStarted, vols, ref)
	var (
		users     *redis.IntCmd
		byChannel = map[string]*redis.IntCmd{}
		stepCount = map[[2]string]*redis.IntCmd{}
		nextCount = map[[2]string][2]*redis.IntCmd{} // |C|, |S ∪ C|
		stuckCnt  = map[[2]string]*redis.IntCmd{}
		doneCount = map[string]*redis.IntCmd{}
		refDone   = map[string]*redis.IntCmd{}
	)
	_, err = rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		u := rd.unioner(ctx, p)
		users = u.count(keysOf("u"))
		for ch := range channels {
			byChannel[ch] = u.count(keysOf("u", ch))
		}
		for _, s := range order {
			id := [2]string{s.Flow, s.Step}
			stepCount[id] = u.count(keysOf("s", s.Flow, s.Step))
			if len(s.children) > 0 {
				// Users who reached the step and one of its children:
				// |S ∩ C| = |S| + |C| − |S ∪ C|.
				var ks []string
				for _, c := range s.children {
					ks = append(ks, keysOf("s", s.Flow, c)...)
				}
				nextCount[id] = [2]*redis.IntCmd{u.count(ks), u.count(append(keysOf("s", s.Flow, s.Step), ks...))}
			}
		}
		for id := range stuck {
			stuckCnt[id] = u.count(keysOf("k", id[0], id[1]))
		}
		for fl := range done {
			doneCount[fl] = u.count(keysOf("d", fl))
		}
		for _, r := range refs {
			ks := make([]string, len(days))
			for i, d := range days {
				ks[i] = dayKey(rd.st, d, refScope(r), "d")
			}
			refDone[r] = u.count(ks)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("stats: count users: %w", err)
	}
	rep.Users = users.Val()
	for ch, c := range byChannel {
		rep.ByChannel[ch] = c.Val()
	}
	for fl, c := range doneCount {
		rep.Completed[fl] = c.Val()
	}

	// Funnel rows. Next is computed from estimates, so it is kept within
	// [0, Users] and Left is never negative.
	starts := map[string]int64{}
	for _, s := range order {
		id := [2]string{s.Flow, s.Step}
		fs := FunnelStep{Flow: s.Flow, Step: s.Step, Title: s.title, Users: stepCount[id].Val(), End: s.end}
		if c, ok := nextCount[id]; ok {
			fs.Next = max(0, min(fs.Users+c[0].Val()-c[1].Val(), fs.Users))
		}
		if !fs.End {
			fs.Left = fs.Users - fs.Next
		}
		if s.start {
			starts[s.Flow] = fs.Users
		}
		rep.Funnel = append(rep.Funnel, fs)
	}
	for _, fl := range flowOrder(cat, order, done) {
		rep.Flows = append(rep.Flows, FlowTotal{Flow: fl.id, Title: fl.title, Started: starts[fl.id], Completed: rep.Completed[fl.id]})
	}
	for id, c := range stuckCnt {
		rep.Stuck = append(rep.Stuck, StuckPoint{Flow: id[0], Step: id[1], Title: stepTitle(cat, id[0], id[1]), Users: c.Val()})
	}
	sort.Slice(rep.Stuck, func(i, j int) bool {
		a, b := rep.Stuck[i], rep.Stuck[j]
		if a.Users != b.Users {
			return a.Users > b.Users
		}
		return a.Flow+"/"+a.Step < b.Flow+"/"+b.Step
	})
	rep.FAQ.Top = topFAQ(counters, cat, 10)

	// Referrals, with each code's network: everyone further down its chain.
	byRef := map[string]*Referral{}
	for _, r := range refs {
		code := strings.TrimPrefix(r, volunteer.RefPrefix)
		v := vols[code]
		ref := Referral{Code: code, Name: v.Name, Area: v.Area, Kind: v.Kind, Via: v.Parent, Started: refStarted[r], Completed: refDone[r].Val()}
		if ref.Name == "" && v.Kind == volunteer.KindCitizen {
			ref.Name = "(" + v.Chat + ")"
		}
		byRef[code] = &ref
	}
	for code, rf := range byRef {
		seen := map[string]bool{code: true}
		for p := vols[code].Parent; p != "" && !seen[p] && len(seen) <= 10; p = vols[p].Parent {
			seen[p] = true
			if up, ok := byRef[p]; ok {
				up.Network += rf.Started
			}
		}
	}
	for _, r := range refs {
		rep.Referrals = append(rep.Referrals, *byRef[strings.TrimPrefix(r, volunteer.RefPrefix)])
	}
	sort.SliceStable(rep.Referrals, func(i, j int) bool {
		a, b := rep.Referrals[i], rep.Referrals[j]
		if a.Started+a.Network != b.Started+b.Network {
			return a.Started+a.Network > b.Started+b.Network
		}
		return a.Code < b.Code
	})
	return rep, nil
}

// unioner counts the distinct members of several HyperLogLogs in a
// pipeline. One key is a PFCOUNT; several are merged into a scratch key
// first (PFMERGE, PFCOUNT, DEL), which gives the same number as a multi-key
// PFCOUNT and is also right on miniredis, whose multi-key PFCOUNT adds the
// counts up instead of uniting the sets.
type unioner struct {
	ctx     context.Context
	p       redis.Pipeliner
	scratch string
}

func (rd *Reader) unioner(ctx context.Context, p redis.Pipeliner) *unioner {
	return &unioner{ctx: ctx, p: p, scratch: rd.st.StatsKey("tmp", randomHex(8))}
}

func (u *unioner) count(keys []string) *redis.IntCmd {
	if len(keys) == 1 {
		return u.p.PFCount(u.ctx, keys[0])
	}
	u.p.Del(u.ctx, u.scratch)
	u.p.PFMerge(u.ctx, u.scratch, keys...)
	c := u.p.PFCount(u.ctx, u.scratch)
	u.p.Del(u.ctx, u.scratch)
	return c
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// period lists the days of f, oldest first.
func period(f Filter) ([]string, error) {
	until := f.Until
	if until.IsZero() {
		until = time.Now()
	}
	since := f.Since
	if since.IsZero() {
		since = until.AddDate(0, 0, -29)
	}
	s, u := dayStart(since), dayStart(until)
	if s.After(u) {
		return nil, fmt.Errorf("stats: --since %s is after --until %s", Day(s), Day(u))
	}
	var days []string
	for d := s; !d.After(u); d = d.AddDate(0, 0, 1) {
		days = append(days, Day(d))
		if len(days) > MaxDays {
			return nil, fmt.Errorf("stats: the period is longer than %d days", MaxDays)
		}
	}
	return days, nil
}

func dayStart(t time.Time) time.Time {
	t = t.In(Zone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, Zone)
}

// ParseDay reads a YYYY-MM-DD date as that day in Vietnam.
func ParseDay(s string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, Zone)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date like 2025-07-01", s)
	}
	return t, nil
}

// referralCodes lists the refs to report: every registered volunteer and
// every code that brought someone in the period; only want when set.
func referralCodes(started map[string]int64, vols map[string]volunteer.Volunteer, want string) []string {
	set := map[string]bool{}
	for r, n := range started {
		if n > 0 && volunteer.ValidRef(r) {
			set[r] = true
		}
	}
	for code, v := range vols {
		if v.Kind == volunteer.KindVolunteer {
			set[volunteer.RefPrefix+code] = true
		}
	}
	if want != "" {
		set = map[string]bool{want: true}
	}
	out := make([]string, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// funnelStep is a step's place in the funnel.
type funnelStep struct {
	Flow, Step string
	title      string
	start, end bool
	children   []string // steps of the same flow its choices lead to
}

// funnelOrder lists the steps to report: each flow of the content (menu
// flows first) breadth first from its start, when any of its steps was
// reached; then steps seen that the content no longer has.
func funnelOrder(cat *content.Catalog, seen map[[2]string]bool) []funnelStep {
	var out []funnelStep
	listed := map[[2]string]bool{}
	touched := map[string]bool{}
	for id := range seen {
		touched[id[0]] = true
	}
	if cat != nil {
		for _, f := range orderedFlows(cat) {
			if !touched[f.ID] {
				continue
			}
			queue := []string{f.Start}
			visited := map[string]bool{f.Start: true}
			var order []string
			for len(queue) > 0 {
				id := queue[0]
				queue = queue[1:]
				order = append(order, id)
				if s := f.Step(id); s != nil {
					for _, ch := range s.Choices {
						if f.Step(ch.Next) != nil && !visited[ch.Next] {
							visited[ch.Next] = true
							queue = append(queue, ch.Next)
						}
					}
				}
			}
			for _, s := range f.Steps { // steps no choice leads to, in file order
				if !visited[s.ID] {
					order = append(order, s.ID)
				}
			}
			for _, id := range order {
				s := f.Step(id)
				if s == nil {
					continue
				}
				fs := funnelStep{Flow: f.ID, Step: id, title: stepTitle(cat, f.ID, id), start: id == f.Start, end: s.End}
				kids := map[string]bool{}
				for _, ch := range s.Choices {
					if f.Step(ch.Next) != nil && ch.Next != id && !kids[ch.Next] {
						kids[ch.Next] = true
						fs.children = append(fs.children, ch.Next)
					}
				}
				out = append(out, fs)
				listed[[2]string{f.ID, id}] = true
			}
		}
	}
	var rest [][2]string
	for id := range seen {
		if !listed[id] {
			rest = append(rest, id)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i][0]+"/"+rest[i][1] < rest[j][0]+"/"+rest[j][1] })
	for _, id := range rest {
		out = append(out, funnelStep{Flow: id[0], Step: id[1]})
	}
	return out
}

// orderedFlows is the content's flows, those of the main menu first in menu order.
func orderedFlows(cat *content.Catalog) []*content.Flow {
	var out []*content.Flow
	seen := map[string]bool{}
	for _, it := range cat.Meta.Menu {
		if id, ok := strings.CutPrefix(it.Target, "flow:"); ok && cat.Flow(id) != nil && !seen[id] {
			seen[id] = true
			out = append(out, cat.Flow(id))
		}
	}
	for _, f := range cat.Flows {
		if !seen[f.ID] {
			seen[f.ID] = true
			out = append(out, f)
		}
	}
	return out
}

type flowName struct{ id, title string }

// flowOrder lists the flows that were started or completed, menu flows first.
func flowOrder(cat *content.Catalog, order []funnelStep, done map[string]bool) []flowName {
	used := map[string]bool{}
	for _, s := range order {
		used[s.Flow] = true
	}
	for f := range done {
		used[f] = true
	}
	var out []flowName
	if cat != nil {
		for _, f := range orderedFlows(cat) {
			if used[f.ID] {
				out = append(out, flowName{f.ID, f.Title.Get(cat.DefaultLocale(), cat.DefaultLocale())})
				delete(used, f.ID)
			}
		}
	}
	var rest []string
	for f := range used {
		rest = append(rest, f)
	}
	sort.Strings(rest)
	for _, f := range rest {
		out = append(out, flowName{id: f})
	}
	return out
}

func stepTitle(cat *content.Catalog, flow, step string) string {
	if cat == nil || cat.Flow(flow) == nil || cat.Flow(flow).Step(step) == nil {
		return ""
	}
	loc := cat.DefaultLocale()
	f := cat.Flow(flow)
	if t := f.Step(step).Title; t != nil {
		return f.Title.Get(loc, loc) + ": " + t.Get(loc, loc)
	}
	return f.Title.Get(loc, loc)
}

// topFAQ returns the n most shown entries with their ratings.
func topFAQ(counters map[string]int64, cat *content.Catalog, n int) []FAQEntry {
	out := []FAQEntry{}
	for field, c := range counters {
		id, ok := strings.CutPrefix(field, "e|")
		if !ok {
			continue
		}
		e := FAQEntry{Entry: id, Count: c, Helpful: counters["y|"+id], NotHelpful: counters["n|"+id]}
		if cat != nil && cat.Entry(id) != nil {
			e.Title = cat.Entry(id).Title.Get(cat.DefaultLocale(), cat.DefaultLocale())
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Entry < out[j].Entry
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
