package admin

import (
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vneid-guide/vneidbot/internal/stats"
)

// Tables lists the CSV exports: /admin/export/<name>.csv.
var Tables = []string{"funnel", "flows", "stuck", "faq", "unanswered", "volunteers", "daily"}

// export writes one table of the period as CSV (UTF-8 with a byte order
// mark, so that Excel shows Vietnamese right).
func (h *Handler) export(w http.ResponseWriter, r *http.Request, table string) {
	q, err := h.parse(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var rows [][]string
	switch table {
	case "unanswered":
		missed, err := h.o.Stats.RecentMissed(r.Context(), stats.MissedCap)
		if err != nil {
			http.Error(w, "Không đọc được số liệu.", http.StatusServiceUnavailable)
			return
		}
		rows = append(rows, []string{"time", "channel", "kind", "text"})
		for _, m := range missed {
			rows = append(rows, []string{m.Time.In(stats.Zone).Format(time.RFC3339), m.Channel, m.Kind, m.Text})
		}
	default:
		if !known(table) {
			http.NotFound(w, r)
			return
		}
		rep, err := h.report(r, q)
		if err != nil {
			h.log.Error("admin: report", "err", err)
			http.Error(w, "Không đọc được số liệu.", http.StatusServiceUnavailable)
			return
		}
		rows = tableRows(rep, table)
	}
	name := "vneid-" + table + "-" + q.Since + "_" + q.Until
	if q.Ref != "" {
		name += "-v_" + q.Ref
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.Write([]byte("\ufeff"))
	writeCSV(w, rows)
}

// writeCSV writes rows with every field quoted and defused, so that a
// spreadsheet reads the same cells whatever list separator it splits on
// (',' by default, ';' on Vietnamese Windows, tab), and never runs a cell
// as a formula.
func writeCSV(w io.Writer, rows [][]string) {
	var b strings.Builder
	for _, row := range rows {
		b.Reset()
		for i, cell := range row {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('"')
			b.WriteString(strings.ReplaceAll(defuse(cell), `"`, `""`))
			b.WriteByte('"')
		}
		b.WriteString("\r\n")
		io.WriteString(w, b.String())
	}
}

func known(table string) bool {
	for _, t := range Tables {
		if t == table {
			return true
		}
	}
	return false
}

// tableRows is one table of rep, header first.
func tableRows(rep *stats.Report, table string) [][]string {
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	var rows [][]string
	switch table {
	case "funnel":
		rows = append(rows, []string{"flow", "step", "title", "users", "next", "left", "end"})
		for _, s := range rep.Funnel {
			rows = append(rows, []string{s.Flow, s.Step, s.Title, n(s.Users), n(s.Next), n(s.Left), strconv.FormatBool(s.End)})
		}
	case "flows":
		rows = append(rows, []string{"flow", "title", "started", "completed"})
		for _, f := range rep.Flows {
			rows = append(rows, []string{f.Flow, f.Title, n(f.Started), n(f.Completed)})
		}
	case "stuck":
		rows = append(rows, []string{"flow", "step", "title", "users"})
		for _, s := range rep.Stuck {
			rows = append(rows, []string{s.Flow, s.Step, s.Title, n(s.Users)})
		}
	case "faq":
		rows = append(rows, []string{"entry", "title", "count", "helpful", "not_helpful"})
		for _, e := range rep.FAQ.Top {
			rows = append(rows, []string{e.Entry, e.Title, n(e.Count), n(e.Helpful), n(e.NotHelpful)})
		}
	case "volunteers":
		rows = append(rows, []string{"code", "name", "area", "kind", "via", "started", "completed", "network"})
		for _, v := range rep.Referrals {
			rows = append(rows, []string{v.Code, v.Name, v.Area, v.Kind, v.Via, n(v.Started), n(v.Completed), n(v.Network)})
		}
	case "daily":
		chans := map[string]bool{}
		for _, d := range rep.Daily {
			for ch := range d.New {
				chans[ch] = true
			}
		}
		var names []string
		for ch := range chans {
			names = append(names, ch)
		}
		sort.Strings(names)
		head := []string{"date", "users"}
		for _, ch := range names {
			head = append(head, "new_"+ch)
		}
		rows = append(rows, head)
		for _, d := range rep.Daily {
			row := []string{d.Date, n(d.Users)}
			for _, ch := range names {
				row = append(row, n(d.New[ch]))
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// defuse stops a spreadsheet from running a cell as a formula: citizens'
// questions are in these tables. A formula may start the cell, or start a
// piece of it that a spreadsheet splitting on another separator (';',
// tab, '|') or ignoring the quotes takes for a cell of its own. So an
// apostrophe (which makes a spreadsheet cell text) goes before = + - @
// (and tab and CR) at the start and after any separator or line break,
// spaces between them skipped. Bidirectional and zero-width controls are
// made visible too (see plain).
func defuse(s string) string {
	s = plain(s)
	var b strings.Builder
	atStart := true // at the start of the cell or of a piece after a separator
	for _, r := range s {
		if atStart && strings.ContainsRune("=+-@\t\r", r) {
			b.WriteByte('\'')
		}
		if !atStart || r != ' ' {
			atStart = strings.ContainsRune(",;\t|\n\r\"", r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
