// Command skipcheck reads the output of go test -json on its standard
// input and fails (exit status 1) when a test failed or skipped for a
// reason other than a missing PostgreSQL or Chromium: the check .ci/run
// makes of a fresh clone, where only those two may be absent.
//
//	go test -json ./... | go run ./internal/ci/skipcheck
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

// allowed is what the message of a test that may skip names.
var allowed = regexp.MustCompile(`PostgreSQL|HANOK_TEST_POSTGRES|Chromium`)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// report is what check found.
type report struct {
	passed, allowedSkips int
	// badSkips and failed are "package test: output" lines.
	badSkips, failed []string
}

func check(r io.Reader) (*report, error) {
	out := map[string]*strings.Builder{}
	rep := &report{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// go test writes build errors as plain lines.
			rep.failed = append(rep.failed, "not a test event: "+sc.Text())
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			if out[key] == nil {
				out[key] = &strings.Builder{}
			}
			out[key].WriteString(e.Output)
		case "pass":
			if e.Test != "" {
				rep.passed++
			}
		case "skip":
			if e.Test == "" {
				continue // a package without tests
			}
			text := ""
			if b := out[key]; b != nil {
				text = b.String()
			}
			if allowed.MatchString(text) {
				rep.allowedSkips++
			} else {
				rep.badSkips = append(rep.badSkips, key+": "+strings.TrimSpace(text))
			}
		case "fail":
			text := ""
			if b := out[key]; b != nil {
				text = b.String()
			}
			rep.failed = append(rep.failed, key+":\n"+text)
		}
	}
	sort.Strings(rep.badSkips)
	return rep, sc.Err()
}

func main() {
	rep, err := check(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "skipcheck:", err)
		os.Exit(1)
	}
	fmt.Printf("%d passed, %d skipped for want of PostgreSQL or Chromium, %d skipped otherwise, %d failed\n",
		rep.passed, rep.allowedSkips, len(rep.badSkips), len(rep.failed))
	for _, s := range rep.badSkips {
		fmt.Println("SKIP (not allowed):", s)
	}
	for _, s := range rep.failed {
		fmt.Println("FAIL:", s)
	}
	if len(rep.badSkips) > 0 || len(rep.failed) > 0 {
		os.Exit(1)
	}
}
