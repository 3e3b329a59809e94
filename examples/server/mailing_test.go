package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hanok-dev/hanok/internal/testkit"
)

// The mailing list is served at /mailing: a campaign sent with the admin
// token reaches the -mail-out directory with an unsubscribe link under
// the server's own address.
func TestMailingWritesMailToDirectory(t *testing.T) {
	out := filepath.Join(t.TempDir(), "mail")
	s := start(t, nil, "-db", "memory", "-mail-out", out, "-mailing-token", "secret-admin-token")
	if code, m := s.do(t, "POST", "/mailing/subscribe", "", `{"email":"mirim@example.com","name":"Mirim"}`); code != 201 {
		t.Fatalf("subscribe: %d %v", code, m)
	}
	if code, _ := s.do(t, "POST", "/mailing/subscribe/send-mail", "", `{"subject":"s","content":"c"}`); code != 403 {
		t.Fatalf("send-mail without the token: %d, want 403", code)
	}
	code, m := s.do(t, "POST", "/mailing/subscribe/send-mail", "secret-admin-token", `{"subject":"News","content":"Hello"}`)
	if code != 203 || m["campaign_id"] != float64(1) {
		t.Fatalf("send-mail: %d %v", code, m)
	}
	give := time.Now().Add(time.Minute)
	var files []string
	for len(files) == 0 {
		files, _ = filepath.Glob(filepath.Join(out, "*.eml"))
		if time.Now().After(give) {
			t.Fatalf("no mail written to %s", out)
		}
		time.Sleep(5 * time.Millisecond)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	want := "List-Unsubscribe: <" + s.url + "/mailing/unsubscribe/"
	if !strings.Contains(string(data), want) {
		t.Fatalf("message lacks %q:\n%s", want, data)
	}
	code, m = s.do(t, "GET", "/mailing/subscribe/send-mail/1", "secret-admin-token", "")
	if code != 200 || m["sent"] != float64(1) || m["status"] != "done" {
		t.Fatalf("report: %d %v", code, m)
	}
	// The send is counted in the service's own metrics.
	r := testkit.Do(t, nil, testkit.Request{URL: s.url + "/metrics"}).Want(t, 200)
	if !strings.Contains(string(r.Body), `hanok_mailing_sends_total{result="sent"} 1`) || !strings.Contains(string(r.Body), `hanok_mailing_outbox{status="sent"} 1`) {
		t.Fatalf("/metrics lacks the send:\n%s", r.Body)
	}
}

// Without -mailing-token the token is generated and logged on the first
// start, kept in the database, and not logged again.
func TestMailingTokenGeneratedOnce(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-db", filepath.Join(dir, "h.db"), "-media", filepath.Join(dir, "media"), "-mail-out", filepath.Join(dir, "mail")}
	s := start(t, nil, args...)
	m := regexp.MustCompile(`mailing admin token generated.* token=(\S+)`).FindStringSubmatch(s.out.String())
	if m == nil {
		t.Fatalf("no token logged:\n%s", s.out.String())
	}
	token := m[1]
	if code, _ := s.do(t, "GET", "/mailing/subscribe", token, ""); code != 200 {
		t.Fatalf("GET /mailing/subscribe with the logged token: %d", code)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	s = start(t, nil, args...)
	if strings.Contains(s.out.String(), token) {
		t.Fatal("the kept token was logged again")
	}
	if code, _ := s.do(t, "GET", "/mailing/subscribe", token, ""); code != 200 {
		t.Fatalf("the token changed across a restart: %d", code)
	}
}

func TestMailingFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-smtp-tls", "sometimes"}, nil, "-smtp-tls"},
		{nil, map[string]string{"HANOK_SMTP_TLS": "x"}, "-smtp-tls"},
		{[]string{"-smtp", "nohost"}, nil, "-smtp"},
		{[]string{"-public-url", "ftp://x"}, nil, "-public-url"},
		{[]string{"-smtp-password", "p"}, nil, "-smtp-user"},
		{[]string{"-addr", "127.0.0.1:0", "-db", "memory", "-mail-out", "/dev/null"}, nil, "-mail-out"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), c.args, func(k string) string { return c.env[k] }, &out)
		if err == nil || !strings.Contains(err.Error()+out.String(), c.want) {
			t.Errorf("run(%q, %v) = %v, want an error naming %q", c.args, c.env, err, c.want)
		}
	}
}
