package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/contentstore"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// Draft is an edit of one FAQ entry or flow step saved in the browser. It
// does not serve until a publisher publishes it.
type Draft struct {
	Item  string       `json:"item"` // "faq:<id>" or "step:<flow>/<step>"
	File  string       `json:"file"` // the content file that holds it
	New   bool         `json:"new,omitempty"`
	Entry *EntryFields `json:"entry,omitempty"`
	Step  *StepFields  `json:"step,omitempty"`
	Rev   int64        `json:"rev"`  // unique among all drafts ever saved: the version check
	Base  int64        `json:"base"` // the published version it was edited from (0: built-in)
	By    string       `json:"by"`
	Time  time.Time    `json:"time"`
	Note  string       `json:"note,omitempty"`
}

// Audit is one line of the editor's audit log.
type Audit struct {
	Time    time.Time `json:"time"`
	By      string    `json:"by"`     // "name (id)"
	Action  string    `json:"action"` // save, discard, publish, rollback
	Item    string    `json:"item,omitempty"`
	Version int64     `json:"version,omitempty"`
	Note    string    `json:"note,omitempty"`
}

// auditCap is how many audit lines are kept.
const auditCap = 5000

// drafts keeps drafts and the audit log in Redis, next to the published
// versions under the {content} hash tag:
//
//	<prefix>:{content}:drafts     hash item → Draft as JSON
//	<prefix>:{content}:draftseq   the last draft revision handed out
//	<prefix>:{content}:audit      list of Audit as JSON, newest first
//	<prefix>:{content}:publishing lease held while a publish runs (the publisher's name, then the owner)
type drafts struct {
	st                               *store.Store
	rdb                              redis.UniversalClient
	hash, seq, audit, publishingLock string
	versions                         *contentstore.Store
	builtin                          fs.FS // what serves when nothing is published
	now                              func() time.Time
}

func newDrafts(st *store.Store, versions *contentstore.Store, builtin fs.FS, now func() time.Time) *drafts {
	key := st.ContentKey
	return &drafts{st: st, rdb: st.Client(), hash: key("drafts"), seq: key("draftseq"), audit: key("audit"),
		publishingLock: key("publishing"), versions: versions, builtin: builtin, now: now}
}

// ErrConflict means someone else saved or published the item since the
// form was opened.
type ErrConflict struct {
	By   string
	Time time.Time
	What string // "draft" or "publish"
}

func (e *ErrConflict) Error() string {
	return fmt.Sprintf("changed by %s at %s (%s)", e.By, e.Time.Format(time.RFC3339), e.What)
}

// base returns the files of the version serving now and its number (0 for
// the built-in content).
func (d *drafts) base(ctx context.Context) (tree, int64, error) {
	cur, err := d.versions.Current(ctx)
	if err != nil {
		return nil, 0, err
	}
	if cur.Version == 0 {
		t, err := readTree(d.builtin)
		return t, 0, err
	}
	_, fsys, err := d.versions.Get(ctx, cur.Version)
	if err != nil {
		return nil, 0, err
	}
	t, err := readTree(fsys)
	return t, cur.Version, err
}

// get returns the draft of item, or nil.
func (d *drafts) get(ctx context.Context, item string) (*Draft, error) {
	var dr *Draft
	err := store.ReadJSON(d.rdb.HGet(ctx, d.hash, item), &dr, "draft "+item, nil)
	return dr, err
}

// list returns every draft, oldest first.
func (d *drafts) list(ctx context.Context) ([]Draft, error) {
	vals, err := d.rdb.HVals(ctx, d.hash).Result()
	if err != nil {
		return nil, fmt.Errorf("list drafts: %w", err)
	}
	out := store.DecodeEach[Draft](vals)
	sort.Slice(out, func(i, j int) bool { return out[i].Rev < out[j].Rev })
	return out, nil
}

// stamp is what an edit form remembers of the item it opened: the draft's
// revision ("d42"), or, when there was no draft, a hash of the item as
// published ("p" + hash), so that publishing other items does not count as
// a change of this one.
func stamp(dr *Draft, publishedYAML string) string {
	if dr != nil {
		return "d" + strconv.FormatInt(dr.Rev, 10)
	}
	sum := sha256.Sum256([]byte(publishedYAML))
	return "p" + hex.EncodeToString(sum[:8])
}

// itemStamp is the stamp of item as it stands now.
func (d *drafts) itemStamp(ctx context.Context, item, file string) (string, error) {
	dr, err := d.get(ctx, item)
	if err != nil || dr != nil {
		return stamp(dr, ""), err
	}
	t, _, err := d.base(ctx)
	if err != nil {
		return "", err
	}
	return stamp(nil, itemYAML(t, file, item)), nil
}

// save stores dr as the draft of its item when the item is still as the
// form saw it (seen, from stamp; published is the item's stamp in the
// version serving now); otherwise it returns *ErrConflict and changes
// nothing. The check and the write are one transaction.
func (d *drafts) save(ctx context.Context, dr Draft, seen, published string) (Draft, error) {
	var saved Draft
	txf := func(tx *redis.Tx) error {
		var cur *Draft
		b, err := tx.HGet(ctx, d.hash, dr.Item).Bytes()
		switch {
		case errors.Is(err, redis.Nil):
		case err != nil:
			return err
		default:
			cur = &Draft{}
			if err := json.Unmarshal(b, cur); err != nil {
				return err
			}
		}
		pub, err := d.versions.Current(ctx)
		if err != nil {
			return err
		}
		now := published
		if cur != nil {
			now = stamp(cur, "")
		}
		if now != seen {
			if cur != nil {
				return &ErrConflict{By: cur.By, Time: cur.Time, What: "draft"}
			}
			return &ErrConflict{By: pub.By, Time: pub.Time, What: "publish"}
		}
		rev, err := tx.Incr(ctx, d.seq).Result()
		if err != nil {
			return err
		}
		dr.Rev, dr.Base, dr.Time = rev, pub.Version, d.now().UTC().Truncate(time.Second)
		data, err := json.Marshal(dr)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, d.hash, dr.Item, data)
			d.log(ctx, p, Audit{Time: dr.Time, By: dr.By, Action: "save", Item: dr.Item, Note: dr.Note})
			return nil
		})
		saved = dr
		return err
	}
	for range 5 {
		err := d.rdb.Watch(ctx, txf, d.hash)
		if errors.Is(err, redis.TxFailedErr) {
			continue // another draft changed meanwhile: check again
		}
		return saved, err
	}
	return Draft{}, errors.New("drafts: too much contention; try again")
}

// discard deletes the draft of item when its revision is rev.
func (d *drafts) discard(ctx context.Context, item string, rev int64, by string) error {
	cur, err := d.get(ctx, item)
	if err != nil || cur == nil {
		return err
	}
	if cur.Rev != rev {
		return &ErrConflict{By: cur.By, Time: cur.Time, What: "draft"}
	}
	_, err = d.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HDel(ctx, d.hash, item)
		d.log(ctx, p, Audit{Time: d.now().UTC().Truncate(time.Second), By: by, Action: "discard", Item: item})
		return nil
	})
	return err
}

// log queues an audit line on p.
func (d *drafts) log(ctx context.Context, p redis.Pipeliner, a Audit) {
	b, _ := json.Marshal(a)
	p.LPush(ctx, d.audit, b)
	p.LTrim(ctx, d.audit, 0, auditCap-1)
}

// auditLog returns up to n audit lines, newest first; only those about
// item when item is not empty.
func (d *drafts) auditLog(ctx context.Context, n int, item string) ([]Audit, error) {
	vals, err := d.rdb.LRange(ctx, d.audit, 0, auditCap-1).Result()
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	var out []Audit
	for _, v := range vals {
		var a Audit
		if json.Unmarshal([]byte(v), &a) != nil {
			continue
		}
		if item != "" && a.Item != item && !(a.Action == "publish" && strings.Contains(","+a.Item+",", ","+item+",")) {
			continue
		}
		out = append(out, a)
		if len(out) == n {
			break
		}
	}
	return out, nil
}

// applyAll applies drafts to t in order.
func applyAll(t tree, ds []Draft, locales []string) (tree, error) {
	var err error
	for _, dr := range ds {
		if t, err = applyDraft(t, dr, locales); err != nil {
			return nil, fmt.Errorf("%s: %w", dr.Item, err)
		}
	}
	return t, nil
}

// publish applies the drafts of items (at the revisions the publisher saw)
// to the version serving now, publishes the result as a new version with
// note and by, deletes those drafts and logs it. Invalid content returns an
// *contentstore.InvalidError and changes nothing.
func (d *drafts) publish(ctx context.Context, revs map[string]int64, note, by string) (contentstore.Version, error) {
	lease := d.st.NewLeaseFor(d.publishingLock, by, 30*time.Second)
	ok, err := lease.Acquire(ctx)
	if err != nil {
		return contentstore.Version{}, err
	}
	if !ok {
		holder, _ := lease.Holder(ctx)
		return contentstore.Version{}, &ErrConflict{By: holder, Time: d.now(), What: "publishing"}
	}
	defer lease.Release(ctx)

	all, err := d.list(ctx)
	if err != nil {
		return contentstore.Version{}, err
	}
	var chosen []Draft
	for _, dr := range all {
		if rev, ok := revs[dr.Item]; ok {
			if rev != dr.Rev {
				return contentstore.Version{}, &ErrConflict{By: dr.By, Time: dr.Time, What: "draft"}
			}
			chosen = append(chosen, dr)
		}
	}
	if len(chosen) != len(revs) {
		return contentstore.Version{}, &ErrConflict{By: "?", Time: d.now(), What: "draft"}
	}
	t, _, err := d.base(ctx)
	if err != nil {
		return contentstore.Version{}, err
	}
	cat, _ := content.Load(t.fsys(), content.Options{})
	locales := []string{"vi", "en"}
	if cat != nil {
		locales = cat.Meta.Locales
	}
	t, err = applyAll(t, chosen, locales)
	if err != nil {
		return contentstore.Version{}, err
	}
	v, err := d.versions.Publish(ctx, t.fsys(), note, by)
	if err != nil {
		return contentstore.Version{}, err
	}
	items := make([]string, len(chosen))
	for i, dr := range chosen {
		items[i] = dr.Item
	}
	// Delete the published drafts, unless one was saved again meanwhile.
	for _, dr := range chosen {
		_ = d.rdb.Watch(ctx, func(tx *redis.Tx) error {
			cur, err := d.get(ctx, dr.Item)
			if err != nil || cur == nil || cur.Rev != dr.Rev {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HDel(ctx, d.hash, dr.Item)
				return nil
			})
			return err
		}, d.hash)
	}
	_, err = d.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		d.log(ctx, p, Audit{Time: v.Time, By: by, Action: "publish", Item: strings.Join(items, ","), Version: v.Number, Note: note})
		return nil
	})
	return v, err
}

// rollback makes version n current again and logs it.
func (d *drafts) rollback(ctx context.Context, n int64, note, by string) (contentstore.Version, error) {
	v, err := d.versions.Rollback(ctx, n, by)
	if err != nil {
		return v, err
	}
	_, err = d.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		d.log(ctx, p, Audit{Time: d.now().UTC().Truncate(time.Second), By: by, Action: "rollback", Version: n, Note: note})
		return nil
	})
	return v, err
}

// versionTree returns the files of version n (0: the built-in content).
func (d *drafts) versionTree(ctx context.Context, n int64) (tree, error) {
	if n == 0 {
		return readTree(d.builtin)
	}
	_, fsys, err := d.versions.Get(ctx, n)
	if err != nil {
		return nil, err
	}
	return readTree(fsys)
}
