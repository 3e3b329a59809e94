package main

import (
	"bytes"
	"context"
	"io"
	"mime"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		// Mail that leaves the machine needs a real sender and public links.
		{[]string{"-smtp", "127.0.0.1:25", "-public-url", "https://hanok.example"}, nil, `-mail-from "mailing@localhost"`},
		{[]string{"-smtp", "127.0.0.1:25", "-public-url", "https://hanok.example", "-mail-from", "news@localhost"}, nil, "-mail-from"},
		{[]string{"-smtp", "127.0.0.1:25", "-public-url", "https://hanok.example", "-mail-from", "news@hanok.example", "-mail-return-path", "b@127.0.0.1"}, nil, "-mail-return-path"},
		{[]string{"-smtp", "127.0.0.1:25", "-mail-from", "news@hanok.example"}, nil, "-public-url"},
		{[]string{"-smtp", "127.0.0.1:25", "-mail-from", "news@hanok.example", "-public-url", "http://127.0.0.1:8080"}, nil, "-public-url"},
		{[]string{"-smtp", "127.0.0.1:25", "-mail-from", "news@hanok.example", "-public-url", "http://localhost"}, nil, "-public-url"},
		{[]string{"-smtp", "127.0.0.1:25", "-mail-from", "news@hanok.example", "-public-url", "http://[::1]:8080"}, nil, "-public-url"},
		{[]string{"-mail-from", "Name <a@example.com>"}, nil, "-mail-from"},
		{[]string{"-mail-reply-to", "nope"}, nil, "-mail-reply-to"},
		{[]string{"-mail-rate", "fast"}, nil, "-mail-rate"},
		{[]string{"-mail-rate", "5/d"}, nil, "-mail-rate"},
		{[]string{"-mail-rate", "-1/s"}, nil, "-mail-rate"},
		{[]string{"-mail-domain-rate", "naver.com"}, nil, "-mail-domain-rate"},
		{[]string{"-mail-domain-rate", "naver.com=5/s,naver.com=1/s"}, nil, "-mail-domain-rate"},
		{nil, map[string]string{"HANOK_MAIL_DOMAIN_RATE": "=5"}, "-mail-domain-rate"},
		{[]string{"-bounce-addr", "nohost"}, nil, "-bounce-addr"},
		{[]string{"-bounce-domain", "a b"}, nil, "-bounce-domain"},
		{[]string{"-smtp", "127.0.0.1:25", "-public-url", "https://hanok.example", "-mail-from", "news@hanok.example", "-bounce-domain", "localhost"}, nil, "-bounce-domain"},
		{[]string{"-mail-soft-bounce-limit", "0"}, nil, "-mail-soft-bounce-limit"},
		{[]string{"-mail-soft-bounce-window", "a week"}, nil, "-mail-soft-bounce-window"},
		{[]string{"-mailing-confirm", "maybe"}, nil, "-mailing-confirm"},
		{[]string{"-mailing-confirm-ttl", "0s"}, nil, "-mailing-confirm-ttl"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), c.args, func(k string) string { return c.env[k] }, &out)
		if err == nil || !strings.Contains(err.Error()+out.String(), c.want) {
			t.Errorf("run(%q, %v) = %v, want an error naming %q", c.args, c.env, err, c.want)
		}
	}
}

func TestMailingRates(t *testing.T) {
	r, err := parseRates("600/m", "naver.com=5/s, Gmail.com=7200/h,*=2")
	require.NoError(t, err)
	assert.Equal(t, mailRates{global: 10, domain: 2, domainRates: map[string]float64{"naver.com": 5, "gmail.com": 2}}, r)
	r, err = parseRates("", "")
	require.NoError(t, err)
	assert.Equal(t, mailRates{}, r, "unlimited by default")
}

// With -smtp, the sender flags make the message: From with its name,
// Reply-To, the envelope sender, and unsubscribe links under
// -public-url; the SMTP password may come from the environment; the
// rate flags reach the dispatcher.
func TestMailingSenderFlags(t *testing.T) {
	sk := newSink(t)
	got := make(chan struct{}, 1)
	sk.setOnMessage(func(string, int, int) { got <- struct{}{} })
	c, err := parseConfig([]string{"-smtp", sk.addr, "-smtp-user", "u"}, func(k string) string {
		return map[string]string{"HANOK_SMTP_PASSWORD": "from-env", "HANOK_MAIL_FROM": "news@hanok.example", "HANOK_PUBLIC_URL": "https://hanok.example"}[k]
	}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, "from-env", c.mailing.smtpPassword)

	s := start(t, nil, "-db", "memory", "-mailing-token", "admin", "-smtp", sk.addr, "-smtp-tls", "off",
		"-mail-from", "news@hanok.example", "-mail-from-name", "한옥 소식", "-mail-reply-to", "help@hanok.example",
		"-mail-return-path", "bounces@hanok.example", "-public-url", "https://lists.hanok.example/",
		"-mail-rate", "100/s", "-mail-domain-rate", "example.org=50/s,*=20/s")
	code, m := s.do(t, "POST", "/mailing/subscribe", "", `{"email":"kim@example.org","name":"김철수"}`)
	require.Equal(t, 201, code, "%v", m)
	code, m = s.do(t, "POST", "/mailing/subscribe/send-mail", "admin", `{"subject":"한옥 소식: 12월의 행사 안내와 겨울 방학 특별 프로그램","content":"안녕하세요"}`)
	require.Equal(t, 203, code, "%v", m)
	select {
	case <-got:
	case <-time.After(time.Minute):
		t.Fatal("no message within a minute")
	}
	from, h := sk.last()
	assert.Equal(t, "bounces@hanok.example", from)
	dec := new(mime.WordDecoder)
	for k, want := range map[string]string{
		"From": "한옥 소식 <news@hanok.example>", "To": "김철수 <kim@example.org>",
		"Reply-To": "<help@hanok.example>", "Subject": "한옥 소식: 12월의 행사 안내와 겨울 방학 특별 프로그램",
	} {
		v, err := dec.DecodeHeader(h.Get(k))
		require.NoError(t, err)
		assert.Equal(t, want, v, k)
	}
	assert.Regexp(t, `^<https://lists\.hanok\.example/mailing/unsubscribe/[0-9a-f-]{36}>$`, h.Get("List-Unsubscribe"))
}

// The bounce listener of -bounce-addr: a campaign's message goes out
// with a VERP envelope sender on -bounce-domain; Postfix's report of an
// unknown user, sent back to that address, marks the subscriber bounced,
// and the next campaign skips it. A report to a forged address is
// refused.
func TestMailingBounceListener(t *testing.T) {
	sk := newSink(t)
	got := make(chan struct{}, 1)
	sk.setOnMessage(func(string, int, int) { got <- struct{}{} })
	s := start(t, nil, "-db", "memory", "-mailing-token", "admin", "-smtp", sk.addr, "-smtp-tls", "off",
		"-mail-from", "news@hanok.example", "-public-url", "https://lists.hanok.example",
		"-bounce-addr", "127.0.0.1:0", "-bounce-domain", "lists.hanok.example")
	m := regexp.MustCompile(`mailing bounce listener.* addr=(\S+)`).FindStringSubmatch(s.out.String())
	require.NotNil(t, m, "the listener's address is logged:\n%s", s.out.String())
	bounceAddr := m[1]
	code, body := s.do(t, "POST", "/mailing/subscribe", "", `{"email":"nobody@example.org","name":"Nobody"}`)
	require.Equal(t, 201, code, "%v", body)
	code, body = s.do(t, "POST", "/mailing/subscribe/send-mail", "admin", `{"subject":"News","content":"Hello"}`)
	require.Equal(t, 203, code, "%v", body)
	select {
	case <-got:
	case <-time.After(time.Minute):
		t.Fatal("no message within a minute")
	}
	verp, _ := sk.last()
	require.Regexp(t, `^bounces\+c1s1-[0-9a-f]{20}@lists\.hanok\.example$`, verp)

	dsn, err := os.ReadFile(testkit.ModuleFile(t, "mailing/bounce/testdata/postfix-5.1.1.eml"))
	require.NoError(t, err)
	send := func(to string) error {
		c, err := smtp.Dial(bounceAddr)
		require.NoError(t, err)
		defer c.Close()
		return c.SendMail("", []string{to}, bytes.NewReader(dsn))
	}
	require.Error(t, send(strings.Replace(verp, "c1s1-", "c1s1-0", 1)), "a forged VERP address")
	code, body = s.do(t, "GET", "/mailing/subscribe/1", "admin", "")
	require.Equal(t, 200, code)
	assert.Equal(t, "active", body["data"].(map[string]any)["status"])

	require.NoError(t, send(verp))
	code, body = s.do(t, "GET", "/mailing/subscribe/1", "admin", "")
	require.Equal(t, 200, code)
	assert.Equal(t, "bounced", body["data"].(map[string]any)["status"])
	code, body = s.do(t, "GET", "/mailing/subscribe/send-mail/1", "admin", "")
	require.Equal(t, 200, code)
	assert.Equal(t, float64(1), body["bounced"])
	code, body = s.do(t, "POST", "/mailing/subscribe/send-mail", "admin", `{"subject":"Later","content":"Hello"}`)
	require.Equal(t, 203, code)
	assert.Equal(t, float64(0), body["deliveries"])
}

// With -mailing-confirm, POST /subscribe still answers 201, the
// subscriber is pending, and the one mail it gets is the confirmation
// whose link, POSTed, makes it active; only then does it get campaigns.
func TestMailingConfirmFlag(t *testing.T) {
	out := filepath.Join(t.TempDir(), "mail")
	s := start(t, nil, "-db", "memory", "-mail-out", out, "-mailing-token", "admin", "-mailing-confirm", "true")
	code, body := s.do(t, "POST", "/mailing/subscribe", "", `{"email":"mirim@example.com","name":"Mirim"}`)
	require.Equal(t, 201, code, "%v", body)
	assert.Equal(t, "pending", body["data"].(map[string]any)["status"])
	files, err := filepath.Glob(filepath.Join(out, "*.eml"))
	require.NoError(t, err)
	require.Len(t, files, 1, "the confirmation mail is written before the answer")
	data, err := os.ReadFile(files[0])
	require.NoError(t, err)
	link := regexp.MustCompile(regexp.QuoteMeta(s.url) + `/mailing/confirm/[0-9a-f-]{36}`).FindString(strings.ReplaceAll(string(data), "=\r\n", ""))
	require.NotEmpty(t, link, "no confirmation link in:\n%s", data)
	code, body = s.do(t, "POST", "/mailing/subscribe/send-mail", "admin", `{"subject":"News","content":"Hello"}`)
	require.Equal(t, 203, code)
	assert.Equal(t, float64(0), body["deliveries"])
	code, body = s.do(t, "POST", strings.TrimPrefix(link, s.url), "", "")
	require.Equal(t, 200, code, "%v", body)
	assert.Equal(t, true, body["subscribed"])
	code, body = s.do(t, "POST", "/mailing/subscribe/send-mail", "admin", `{"subject":"News","content":"Hello"}`)
	require.Equal(t, 203, code)
	assert.Equal(t, float64(1), body["deliveries"])
}

// A scheduled campaign waits for its time; pause, resume and cancel
// answer; a test send writes the one message to -mail-out.
func TestMailingScheduleAndTest(t *testing.T) {
	out := filepath.Join(t.TempDir(), "mail")
	s := start(t, nil, "-db", "memory", "-mail-out", out, "-mailing-token", "admin")
	code, body := s.do(t, "POST", "/mailing/subscribe", "", `{"email":"mirim@example.com","name":"Mirim"}`)
	require.Equal(t, 201, code, "%v", body)
	later := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	code, body = s.do(t, "POST", "/mailing/subscribe/send-mail", "admin", `{"subject":"Later","content":"Hello","send_at":"`+later+`"}`)
	require.Equal(t, 203, code, "%v", body)
	assert.Equal(t, later, body["send_at"])
	code, body = s.do(t, "POST", "/mailing/subscribe/send-mail/1/test", "admin", `{"email":"editor@example.com"}`)
	require.Equal(t, 200, code, "%v", body)
	files, err := filepath.Glob(filepath.Join(out, "*.eml"))
	require.NoError(t, err)
	require.Len(t, files, 1, "the test message, and not the scheduled campaign")
	data, err := os.ReadFile(files[0])
	require.NoError(t, err)
	assert.Contains(t, string(data), "To: <editor@example.com>")
	for _, step := range []struct{ action, want string }{{"pause", "paused"}, {"resume", "queued"}, {"cancel", "cancelled"}} {
		code, body = s.do(t, "POST", "/mailing/subscribe/send-mail/1/"+step.action, "admin", "")
		require.Equal(t, 200, code, "%v", body)
		assert.Equal(t, step.want, body["status"])
	}
	code, body = s.do(t, "GET", "/mailing/subscribe/send-mail/1", "admin", "")
	require.Equal(t, 200, code)
	assert.Equal(t, float64(1), body["cancelled"])
}
