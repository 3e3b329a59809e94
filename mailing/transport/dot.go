package transport

import (
	"bufio"
	"bytes"
)

// dotStuffer writes a message's data as SMTP's DATA carries it (RFC 5321
// §4.5.2), as net/textproto's DotWriter does: a line that starts with a
// dot gets another, a bare LF becomes CRLF, and end adds the final dot
// line. Unlike DotWriter it writes a line at a time rather than a byte,
// and end leaves the buffer to the caller, so that the final dot can
// share a write with what follows it.
type dotStuffer struct {
	w     *bufio.Writer
	state dotState
}

// dotState is where in a line the data written so far ends.
type dotState int

const (
	dotBegin     dotState = iota // nothing written yet
	dotLineStart                 // after a line's CRLF
	dotCR                        // after a CR within a line
	dotInLine                    // within a line
)

// Write writes p, stuffed.
func (d *dotStuffer) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if (d.state == dotBegin || d.state == dotLineStart) && p[0] == '.' {
			if err := d.w.WriteByte('.'); err != nil {
				return n - len(p), err
			}
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if _, err := d.w.Write(p); err != nil {
				return n - len(p), err
			}
			if p[len(p)-1] == '\r' {
				d.state = dotCR
			} else {
				d.state = dotInLine
			}
			return n, nil
		}
		crlf := i > 0 && p[i-1] == '\r' || i == 0 && d.state == dotCR
		if _, err := d.w.Write(p[:i]); err != nil {
			return n - len(p), err
		}
		if !crlf {
			if err := d.w.WriteByte('\r'); err != nil {
				return n - len(p), err
			}
		}
		if err := d.w.WriteByte('\n'); err != nil {
			return n - len(p), err
		}
		d.state = dotLineStart
		p = p[i+1:]
	}
	return n, nil
}

// end writes the end of the data: a CRLF if the last line has none, and
// the final dot line.
func (d *dotStuffer) end() error {
	var err error
	switch d.state {
	case dotLineStart:
		_, err = d.w.WriteString(".\r\n")
	case dotCR:
		_, err = d.w.WriteString("\n.\r\n")
	default:
		_, err = d.w.WriteString("\r\n.\r\n")
	}
	return err
}
