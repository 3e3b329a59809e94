package odcloud

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hanok-dev/hanok/trials"
)

// fastPage reads a page in the shape the upstream writes (an object of
// numbers and a "data" array of objects of strings) without reflection.
// On anything else it says !ok, and DecodePage goes the way of
// encoding/json, which decides; FuzzFastPage checks that the two agree
// whenever fastPage answers.
func fastPage(body []byte) (*trials.Page, bool) {
	d := scanner{b: body}
	if !d.byte('{') {
		return nil, false
	}
	p := &trials.Page{}
	var seenData, seenTotal bool
	var page, perPage int
	for first := true; ; first = false {
		if d.byte('}') {
			break
		}
		if !first && !d.byte(',') {
			return nil, false
		}
		key, ok := d.str()
		if !ok || !d.byte(':') {
			return nil, false
		}
		switch key {
		case "page", "perPage", "totalCount", "currentCount", "matchCount":
			n, ok := d.int()
			if !ok {
				return nil, false
			}
			switch key {
			case "page":
				page = n
			case "perPage":
				perPage = n
			case "totalCount":
				p.Total, seenTotal = n, true
			}
		case "data":
			if seenData {
				return nil, false
			}
			recs, ok := d.records()
			if !ok {
				return nil, false
			}
			p.Records, seenData = recs, true
		default:
			// encoding/json matches field names regardless of case.
			for _, k := range []string{"page", "perPage", "totalCount", "data"} {
				if strings.EqualFold(key, k) {
					return nil, false
				}
			}
			if _, ok := d.str(); !ok {
				return nil, false
			}
		}
	}
	d.ws()
	if d.i != len(d.b) || !seenData || !seenTotal || p.Total < 0 {
		return nil, false
	}
	p.Number, p.PerPage = page, perPage
	return p, true
}

type scanner struct {
	b []byte
	i int
}

func (d *scanner) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// byte consumes c (after white space) if it is next.
func (d *scanner) byte(c byte) bool {
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// str reads a string; one with escapes or bytes that are not UTF-8 is
// decoded by encoding/json, as the slow path would.
func (d *scanner) str() (string, bool) {
	d.ws()
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return "", false
	}
	start := d.i
	escaped := false
	for j := d.i + 1; j < len(d.b); j++ {
		switch c := d.b[j]; {
		case c == '\\':
			escaped = true
			j++
		case c < 0x20:
			return "", false
		case c == '"':
			d.i = j + 1
			raw := d.b[start+1 : j]
			if !escaped && utf8.Valid(raw) {
				return string(raw), true
			}
			var s string
			if json.Unmarshal(d.b[start:j+1], &s) != nil {
				return "", false
			}
			return s, true
		}
	}
	return "", false
}

// int reads a whole number that fits an int.
func (d *scanner) int() (int, bool) {
	d.ws()
	j := d.i
	if j < len(d.b) && d.b[j] == '-' {
		j++
	}
	digits := j
	for j < len(d.b) && d.b[j] >= '0' && d.b[j] <= '9' {
		j++
	}
	if j == digits || (d.b[digits] == '0' && j > digits+1) {
		return 0, false
	}
	if j < len(d.b) && (d.b[j] == '.' || d.b[j] == 'e' || d.b[j] == 'E') {
		return 0, false
	}
	n, err := strconv.Atoi(string(d.b[d.i:j]))
	if err != nil {
		return 0, false
	}
	d.i = j
	return n, true
}

// records reads the data array.
func (d *scanner) records() ([]trials.Record, bool) {
	if !d.byte('[') {
		return nil, false
	}
	out := make([]trials.Record, 0, 100)
	for first := true; ; first = false {
		if d.byte(']') {
			return out, true
		}
		if !first && !d.byte(',') {
			return nil, false
		}
		if !d.byte('{') {
			return nil, false
		}
		var r trials.Record
		for firstField := true; ; firstField = false {
			if d.byte('}') {
				break
			}
			if !firstField && !d.byte(',') {
				return nil, false
			}
			key, ok := d.str()
			if !ok || !d.byte(':') {
				return nil, false
			}
			v, ok := d.str()
			if !ok {
				return nil, false
			}
			switch key {
			case "과제번호":
				r.Number = v
			case "과제명":
				r.Title = v
			case "진료과":
				r.Department = v
			case "연구책임기관":
				r.Institute = v
			case "전체목표연구대상자수":
				r.TargetSize = v
			case "연구기간":
				r.Duration = v
			case "연구종류":
				r.StudyType = v
			case "임상시험단계(연구모형)":
				r.Phase = v
			case "연구범위":
				r.Scope = v
			}
			// Another field is ignored: Hangul has no case, so
			// encoding/json would not take it for one of these.
		}
		out = append(out, r)
	}
}
