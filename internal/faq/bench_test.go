package faq

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content"
)

// synthetic returns a catalog of n made-up entries shaped like the real
// ones (a title, 3 keywords, 8 Vietnamese and 5 English variants of 4 to 12
// words), drawn from the real content's accented vocabulary so that folding
// costs what it costs in production. Each entry has a topic of 3 rare words
// that its variants share; the rest is common words, Zipf-distributed.
func synthetic(real *content.Catalog, n int) *content.Catalog {
	return syntheticShaped(real, n, 8, 5)
}

// syntheticShaped is synthetic with vi and en variants per entry.
func syntheticShaped(real *content.Catalog, n, vi, en int) *content.Catalog {
	vocab := map[string]bool{}
	for _, e := range real.FAQ {
		for _, q := range e.Questions["vi"] {
			for _, w := range strings.Fields(q) {
				vocab[strings.Trim(w, "?,.!:;\"()")] = true
			}
		}
	}
	words := make([]string, 0, len(vocab))
	for w := range vocab {
		if w != "" {
			words = append(words, w)
		}
	}
	slices.Sort(words)
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(3, 4)), 1.1, 1, uint64(len(words)-1))
	sentence := func(topic []string) string {
		k := 4 + rng.IntN(9)
		s := make([]string, 0, k)
		for len(s) < k {
			if rng.IntN(3) == 0 {
				s = append(s, topic[rng.IntN(len(topic))])
			} else {
				s = append(s, words[zipf.Uint64()])
			}
		}
		return strings.Join(s, " ")
	}
	c := &content.Catalog{Meta: real.Meta, Vocab: real.Vocab}
	for i := range n {
		topic := []string{words[rng.IntN(len(words))], words[rng.IntN(len(words))], words[rng.IntN(len(words))]}
		e := &content.Entry{
			ID:        fmt.Sprintf("e%05d", i),
			Title:     content.Text{"vi": sentence(topic), "en": sentence(topic)},
			Keywords:  []string{topic[0] + " " + topic[1], topic[2], topic[1]},
			Questions: map[string][]string{},
		}
		for range vi {
			e.Questions["vi"] = append(e.Questions["vi"], sentence(topic))
		}
		for range en {
			e.Questions["en"] = append(e.Questions["en"], sentence(topic))
		}
		c.FAQ = append(c.FAQ, e)
	}
	return c
}

// benchQuestions are typical citizen questions, clean and messy.
var benchQuestions = []string{
	"ko nhan dc ma otp",
	"Quên mật khẩu đăng nhập VNeID thì làm thế nào ạ?",
	"chau chao co a, me chau 70 tuoi ko co dien thoai thong minh thi kich hoat vneid the nao a",
	"dt ko co nfc thi lam muc 2 dc ko",
	"gia vang hom nay bao nhieu",
	"alo",
	"tk bi khoa r phai lm sao",
	"doi sdt trong vneid",
	"vneid co mat phi khong",
	"I forgot my passcode, what should I do?",
}

// searchTimes runs each question against ix and returns the wall-clock and
// thread CPU durations of single searches, sorted.
func searchTimes(ix *Index, questions []string) (wall, cpu []time.Duration) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, q := range questions {
		start, startCPU := time.Now(), threadCPU()
		ix.Search(q, "vi")
		cpu = append(cpu, threadCPU()-startCPU)
		wall = append(wall, time.Since(start))
	}
	return wall, cpu
}

func percentile(d []time.Duration, p float64) time.Duration {
	return d[min(len(d)-1, int(p*float64(len(d))))]
}

// BenchmarkSearch times searches on the real content and on synthetic
// FAQs, and reports p50 and p99 of single searches.
func BenchmarkSearch(b *testing.B) {
	real := mustLoad(b)
	for _, n := range []int{0, 1000, 10000} {
		name, cat := "real", real
		if n > 0 {
			name, cat = fmt.Sprintf("synthetic-%d", n), synthetic(real, n)
		}
		ix := New(cat)
		questions := append([]string{}, benchQuestions...)
		for i := range 20 { // and variants of synthetic entries, with a word dropped
			e := cat.FAQ[(i*7919)%len(cat.FAQ)]
			w := strings.Fields(e.Questions["vi"][i%len(e.Questions["vi"])])
			questions = append(questions, strings.Join(w[1:], " "))
		}
		b.Run(name, func(b *testing.B) {
			var wall, cpu []time.Duration
			for b.Loop() {
				w, c := searchTimes(ix, questions)
				wall, cpu = append(wall, w...), append(cpu, c...)
			}
			slices.Sort(wall)
			slices.Sort(cpu)
			b.ReportMetric(float64(percentile(wall, 0.50).Microseconds()), "p50-µs")
			b.ReportMetric(float64(percentile(wall, 0.99).Microseconds()), "p99-µs")
			b.ReportMetric(float64(percentile(cpu, 0.50).Microseconds()), "p50-cpu-µs")
			b.ReportMetric(float64(percentile(cpu, 0.99).Microseconds()), "p99-cpu-µs")
		})
	}
}

// BenchmarkBuild times building the index.
func BenchmarkBuild(b *testing.B) {
	real := mustLoad(b)
	for _, n := range []int{0, 10000} {
		name, cat := "real", real
		if n > 0 {
			name, cat = fmt.Sprintf("synthetic-%d", n), synthetic(real, n)
		}
		b.Run(name, func(b *testing.B) {
			start := processCPU()
			for b.Loop() {
				New(cat)
			}
			b.ReportMetric(float64((processCPU()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

var benchReport = flag.Bool("faq.bench", false, "print the benchmark table of docs/benchmarks.md")

// TestBenchReport prints the figures of docs/benchmarks.md: p50 and p99 of
// single searches (wall clock and thread CPU time) and build times, on the
// real content and on synthetic FAQs. Run with -faq.bench -v.
func TestBenchReport(t *testing.T) {
	if !*benchReport {
		t.Skip("-faq.bench not set")
	}
	real := mustLoad(t)
	cases := []struct {
		name string
		cat  *content.Catalog
	}{
		{fmt.Sprintf("real content (%d entries)", len(real.FAQ)), real},
		{"synthetic, 1,000 entries × 18 texts", synthetic(real, 1000)},
		{"synthetic, 10,000 entries × 18 texts", synthetic(real, 10000)},
		{"synthetic, 10,000 entries × 8 texts", syntheticShaped(real, 10000, 2, 1)},
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
	us := func(d time.Duration) string { return fmt.Sprintf("%d µs", d.Microseconds()) }
	t.Log("| index | build (wall, median of 7) | build (CPU) | search p50 (wall / CPU) | search p99 (wall / CPU) |")
	t.Log("|---|---|---|---|---|")
	for _, c := range cases {
		var walls, cpus []time.Duration
		var ix *Index
		for range 7 {
			runtime.GC()
			start, startCPU := time.Now(), processCPU()
			ix = New(c.cat)
			walls, cpus = append(walls, time.Since(start)), append(cpus, processCPU()-startCPU)
		}
		slices.Sort(walls)
		slices.Sort(cpus)
		questions := append([]string{}, benchQuestions...)
		for i := range 40 {
			e := c.cat.FAQ[(i*7919)%len(c.cat.FAQ)]
			w := strings.Fields(e.Questions["vi"][i%len(e.Questions["vi"])])
			questions = append(questions, strings.Join(w[1:], " "))
		}
		var wall, cpu []time.Duration
		for range 40 {
			w, c := searchTimes(ix, questions)
			wall, cpu = append(wall, w...), append(cpu, c...)
		}
		slices.Sort(wall)
		slices.Sort(cpu)
		t.Logf("| %s | %s | %s | %s / %s | %s / %s |", c.name, ms(walls[3]), ms(cpus[3]),
			us(percentile(wall, 0.5)), us(percentile(cpu, 0.5)), us(percentile(wall, 0.99)), us(percentile(cpu, 0.99)))
	}
}
