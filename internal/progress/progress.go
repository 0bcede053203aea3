// Package progress reports long work (downloads, compiles, uploads) to a
// person on a terminal, or stays quiet for machines (--json, --no-progress).
//
// Every package that does long work takes a Reporter; tests pass Discard.
package progress

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Reporter starts progress bars and prints one-line notes.
type Reporter interface {
	// Bar starts a unit of work of total units (bytes, objects); total <= 0
	// means unknown.
	Bar(label string, total int64) Bar
	// Notef prints a line for a person (never for --json output).
	Notef(format string, args ...any)
}

// Bar is one unit of long work. Add and Done are safe for concurrent use.
type Bar interface {
	Add(n int64)
	Done()
}

// Discard is a Reporter that prints nothing.
var Discard Reporter = discard{}

type discard struct{}

func (discard) Bar(string, int64) Bar { return nopBar{} }
func (discard) Notef(string, ...any)  {}

type nopBar struct{}

func (nopBar) Add(int64) {}
func (nopBar) Done()     {}

// NewText returns a Reporter writing to w (usually stderr). On a terminal
// bars redraw in place; elsewhere they print a line at most every interval,
// so CI logs show progress without flooding.
func NewText(w io.Writer, terminal bool) Reporter {
	interval := 200 * time.Millisecond
	if !terminal {
		interval = 5 * time.Second
	}
	return &text{w: w, terminal: terminal, interval: interval}
}

type text struct {
	mu       sync.Mutex
	w        io.Writer
	terminal bool
	interval time.Duration
}

func (t *text) Notef(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, format+"\n", args...)
}

func (t *text) Bar(label string, total int64) Bar {
	// The first line comes after one interval: short work prints only its
	// final line.
	now := time.Now()
	return &textBar{t: t, label: label, total: total, start: now, printed: now}
}

type textBar struct {
	t       *text
	label   string
	total   int64
	mu      sync.Mutex
	done    int64
	start   time.Time
	printed time.Time
}

func (b *textBar) Add(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	if time.Since(b.printed) < b.t.interval {
		return
	}
	b.printed = time.Now()
	b.draw(false)
}

func (b *textBar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.draw(true)
}

func (b *textBar) draw(final bool) {
	b.t.mu.Lock()
	defer b.t.mu.Unlock()
	line := b.label + " " + Amount(b.done, b.total)
	if final {
		line += fmt.Sprintf(" in %s", time.Since(b.start).Round(time.Millisecond))
	}
	switch {
	case b.t.terminal && final:
		fmt.Fprintf(b.t.w, "\r\033[K%s\n", line)
	case b.t.terminal:
		fmt.Fprintf(b.t.w, "\r\033[K%s", line)
	default:
		fmt.Fprintln(b.t.w, line)
	}
}

// Amount formats done of total as "3/10" or, when total is unknown, "3".
func Amount(done, total int64) string {
	if total > 0 {
		return fmt.Sprintf("%d/%d (%d%%)", done, total, done*100/total)
	}
	return fmt.Sprintf("%d", done)
}
