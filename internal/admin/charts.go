package admin

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"sort"
	"strings"
)

// Charts are inline SVG drawn here, on the server: no script, no CDN, and
// they scale to a phone's width (viewBox with width 100%).

// bar is one row of a bar chart: Value drawn light, Part of it drawn dark.
type bar struct {
	Label  string
	Value  int64
	Part   int64
	Note   string
	Single bool // no part: the note shows the value alone
}

// palette is distinguishable for the common colour blindnesses (Okabe-Ito).
var palette = []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"}

// barChart draws labelled horizontal bars, each with its part, scaled to the
// largest value.
func barChart(id, title string, rows []bar, legend [2]string) template.HTML {
	// A narrow viewBox keeps the text readable when a phone scales it down.
	const width, rowH, labelH, barH = 420, 50, 18, 20
	var max int64 = 1
	for _, r := range rows {
		max = maxInt(max, r.Value)
	}
	height := rowH*len(rows) + 34
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="%s" class="chart" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		html.EscapeString(id), width, height, html.EscapeString(title))
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(title))
	// legend
	fmt.Fprintf(&b, `<rect x="0" y="4" width="14" height="14" fill="#9ecae1"/><text x="20" y="16" font-size="14">%s</text>`, html.EscapeString(legend[0]))
	if legend[1] != "" {
		fmt.Fprintf(&b, `<rect x="150" y="4" width="14" height="14" fill="#08519c"/><text x="170" y="16" font-size="14">%s</text>`, html.EscapeString(legend[1]))
	}
	for i, r := range rows {
		y := 34 + i*rowH
		w := int(float64(width-130) * float64(r.Value) / float64(max))
		p := int(float64(width-130) * float64(r.Part) / float64(max))
		fmt.Fprintf(&b, `<g class="bar" data-label="%s" data-value="%d" data-part="%d">`, html.EscapeString(r.Label), r.Value, r.Part)
		fmt.Fprintf(&b, `<text x="0" y="%d" font-size="14">%s</text>`, y+labelH-4, html.EscapeString(clip(r.Label, 52)))
		fmt.Fprintf(&b, `<rect x="0" y="%d" width="%d" height="%d" fill="#9ecae1"/>`, y+labelH, maxInt(int64(w), 1), barH)
		if r.Part > 0 {
			fmt.Fprintf(&b, `<rect x="0" y="%d" width="%d" height="%d" fill="#08519c"/>`, y+labelH, maxInt(int64(p), 1), barH)
		}
		note := fmt.Sprintf("%d", r.Value)
		if legend[1] != "" && !r.Single {
			note = fmt.Sprintf("%d / %d", r.Value, r.Part)
		}
		if r.Note != "" {
			note += " · " + r.Note
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="14">%s</text>`, maxInt(int64(w), 1)+6, y+labelH+15, html.EscapeString(note))
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// lineChart draws one line per series over the days, with a legend.
func lineChart(id, title string, days []string, series map[string][]int64) template.HTML {
	const width, height, left, right, top, bottom = 420, 240, 34, 22, 30, 34
	names := make([]string, 0, len(series))
	var max int64 = 1
	for n, s := range series {
		names = append(names, n)
		for _, v := range s {
			max = maxInt(max, v)
		}
	}
	sort.Strings(names)
	step := niceStep(max)
	top2 := int64(math.Ceil(float64(max)/float64(step))) * step
	plotW, plotH := float64(width-left-right), float64(height-top-bottom)
	x := func(i int) float64 {
		if len(days) <= 1 {
			return float64(left) + plotW/2
		}
		return float64(left) + plotW*float64(i)/float64(len(days)-1)
	}
	y := func(v int64) float64 { return float64(top) + plotH*(1-float64(v)/float64(top2)) }

	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="%s" class="chart" viewBox="0 0 %d %d" width="100%%" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		html.EscapeString(id), width, height, html.EscapeString(title))
	fmt.Fprintf(&b, `<title>%s</title>`, html.EscapeString(title))
	for v := int64(0); v <= top2; v += step {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" font-size="12" text-anchor="end">%d</text>`,
			left, width-right, y(v), y(v), left-4, y(v)+4, v)
	}
	every := max1(len(days) / 5)
	for i, d := range days {
		if i%every == 0 || i == len(days)-1 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="12" text-anchor="middle">%s</text>`, x(i), height-bottom+18, html.EscapeString(shortDate(d)))
		}
	}
	for k, n := range names {
		color := palette[k%len(palette)]
		pts := make([]string, len(days))
		for i := range days {
			var v int64
			if i < len(series[n]) {
				v = series[n][i]
			}
			pts[i] = fmt.Sprintf("%.1f,%.1f", x(i), y(v))
		}
		fmt.Fprintf(&b, `<polyline class="series" data-series="%s" fill="none" stroke="%s" stroke-width="2" points="%s"/>`, html.EscapeString(n), color, strings.Join(pts, " "))
		if len(days) == 1 {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`, x(0), y(series[n][0]), color)
		}
		lx := left + k*95
		fmt.Fprintf(&b, `<rect x="%d" y="6" width="12" height="12" fill="%s"/><text x="%d" y="16" font-size="13">%s</text>`, lx, color, lx+16, html.EscapeString(n))
	}
	if len(names) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" text-anchor="middle">—</text>`, width/2, height/2)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// niceStep is a round grid step giving about 4 lines up to max.
func niceStep(max int64) int64 {
	raw := float64(max) / 4
	if raw <= 1 {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*mag {
			return int64(m * mag)
		}
	}
	return int64(10 * mag)
}

func shortDate(d string) string {
	if len(d) == 10 {
		return d[8:10] + "/" + d[5:7]
	}
	return d
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}
