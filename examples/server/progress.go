package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// isTerminal reports whether f is a terminal (a character device).
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	st, err := file.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress shows how far long work has come: a bar redrawn in place on a
// terminal, else a plain line at each step (for logs and pipes).
type progress struct {
	out   io.Writer
	term  bool
	label string
	total int
}

func newProgress(out io.Writer, label string, total int) *progress {
	p := &progress{out: out, term: isTerminal(out), label: label, total: total}
	if p.term {
		p.set(0)
	}
	return p
}

const barWidth = 30

// set shows that done of total are done.
func (p *progress) set(done int) { p.show(done, p.total, "") }

// show shows that done of total are done (work whose total is learnt on
// the way changes it), with a note after the count.
func (p *progress) show(done, total int, note string) {
	p.total = total
	pct := 100
	if p.total > 0 {
		pct = min(100, done*100/p.total)
	}
	if note != "" {
		note = ", " + note
	}
	if !p.term {
		fmt.Fprintf(p.out, "%s: %d/%d (%d%%)%s\n", p.label, done, p.total, pct, note)
		return
	}
	filled := barWidth * pct / 100
	if note != "" {
		note += " " // a shorter note than the last leaves no stray character
	}
	fmt.Fprintf(p.out, "\r%s [%s%s] %d/%d %3d%%%s", p.label, strings.Repeat("#", filled), strings.Repeat(" ", barWidth-filled), done, p.total, pct, note)
}

// finish ends the bar's line.
func (p *progress) finish() {
	if p.term {
		fmt.Fprintln(p.out)
	}
}

// abort ends the bar's line before an error is shown.
func (p *progress) abort() { p.finish() }
