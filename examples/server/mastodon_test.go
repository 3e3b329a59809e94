package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
)

// The Mastodon client API with a real client: Debian's toot, run with its
// own configuration directory against the server on loopback.

// tootBin returns the path of toot. Without it the test is skipped, unless
// HANOK_REQUIRE_TOOT=1 (as .ci/run sets), where it fails.
func tootBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("toot")
	if err != nil {
		if os.Getenv("HANOK_REQUIRE_TOOT") == "1" {
			t.Fatalf("toot is not installed (apt-get install toot) and HANOK_REQUIRE_TOOT=1: %v", err)
		}
		t.Skip("toot (Debian's Mastodon client: apt-get install toot) is not installed; skipping the test with a real client")
	}
	return p
}

func TestTootSQLite(t *testing.T) {
	bin := tootBin(t)
	dir := t.TempDir()
	s := start(t, nil, "-db", filepath.Join(dir, "hanok.db"), "-media", filepath.Join(dir, "media"), "-mail-out", filepath.Join(dir, "mail"))
	runToot(t, bin, s)
}

func TestTootPostgres(t *testing.T) {
	bin := tootBin(t)
	dsn := pgtest.DSN(t)
	dir := t.TempDir()
	s := start(t, nil, "-db", dsn, "-media", filepath.Join(dir, "media"), "-mail-out", filepath.Join(dir, "mail"))
	runToot(t, bin, s)
}

var postedRE = regexp.MustCompile(`Toot posted: (http://\S+/@alice/([0-9]+))`)

// seedTweets reads the public timeline of the seed's routes, by id.
func seedTweets(t *testing.T, s *server) map[string]map[string]any {
	t.Helper()
	r := testkit.Do(t, nil, testkit.Request{URL: s.url + "/microblog/tweet/?limit=100"}).Want(t, 200)
	var body struct {
		Data []map[string]any `json:"data"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &body))
	out := map[string]map[string]any{}
	for _, tw := range body.Data {
		out[tw["content_id"].(string)] = tw
	}
	return out
}

func runToot(t *testing.T, bin string, s *server) {
	home := t.TempDir()
	host := strings.TrimPrefix(s.url, "http://")
	toot := func(stdin string, args ...string) (string, error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "PATH=" + os.Getenv("PATH"),
			"LANG=C.UTF-8", "PYTHONIOENCODING=utf-8", "NO_COLOR=1", "no_proxy=*"}
		cmd.Stdin = strings.NewReader(stdin)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	must := func(stdin string, args ...string) string {
		t.Helper()
		out, err := toot(stdin, args...)
		require.NoError(t, err, "toot %s:\n%s", strings.Join(args, " "), out)
		return out
	}

	// alice has an email; bob signed up through the seed's routes.
	code, body := s.do(t, "POST", "/auth/register", "", `{"username":"alice","password":"alice-password","email":"alice@example.com"}`)
	require.Equal(t, 201, code, "%v", body)
	code, body = s.do(t, "POST", "/microblog/signup/", "", `{"user_id":"bob","user_name":"Bob","user_password":"bob-password","user_profile":"hi"}`)
	require.Equal(t, 201, code, "%v", body)
	_, body = s.do(t, "POST", "/microblog/login/", "", `{"user_id":"bob","user_password":"bob-password"}`)
	bob := body["token"].(string)

	out := must("alice-password\n", "login_cli", "--disable-https", "-i", host, "-e", "alice@example.com")
	assert.Contains(t, out, "Successfully logged in")
	out = must("", "whoami")
	assert.Contains(t, out, "@alice")
	assert.Contains(t, out, "Statuses: 0")

	// A post and a reply, seen by the seed's routes.
	m := postedRE.FindStringSubmatch(must("", "post", "hello from toot"))
	require.NotNil(t, m, "no status URL in toot's output")
	first := m[2]
	m = postedRE.FindStringSubmatch(must("", "post", "--reply-to", first, "a reply from toot"))
	require.NotNil(t, m)
	reply := m[2]
	seed := seedTweets(t, s)
	require.Contains(t, seed, first)
	assert.Equal(t, "hello from toot", seed[first]["user_content"])
	require.Contains(t, seed, reply)
	assert.Equal(t, first, seed[reply]["in_reply_to"])

	// A tweet of the seed's routes, seen by toot at once.
	code, body = s.do(t, "POST", "/microblog/tweet/", bob, `{"user_content":"bob via the seed"}`)
	require.Equal(t, 201, code, "%v", body)
	bobs := body["content_id"].(string)

	out = must("", "timeline", "--once")
	assert.Contains(t, out, "hello from toot")
	assert.Contains(t, out, "a reply from toot")
	assert.NotContains(t, out, "bob via the seed", "home before following bob")
	out = must("", "timeline", "--public", "--once")
	assert.Contains(t, out, "bob via the seed")
	assert.Contains(t, out, "hello from toot")

	out = must("", "thread", first)
	assert.Less(t, strings.Index(out, "hello from toot"), strings.Index(out, "a reply from toot"), out)

	out = must("", "follow", "bob")
	assert.Contains(t, out, "You are now following bob")
	r := testkit.Do(t, nil, testkit.Request{URL: s.url + "/microblog/users/bob/followers/"}).Want(t, 200)
	assert.Contains(t, string(r.Body), `"user_id":"alice"`)
	out = must("", "timeline", "--once")
	assert.Contains(t, out, "bob via the seed", "home after following bob")

	out = must("", "favourite", bobs)
	assert.Contains(t, out, "Status favourited")
	assert.EqualValues(t, 1, seedTweets(t, s)[bobs]["like_count"])

	out = must("", "delete", reply)
	assert.Contains(t, out, "Status deleted")
	assert.NotContains(t, seedTweets(t, s), reply)
	// Another's status is refused.
	out, err := toot("", "delete", bobs)
	assert.Error(t, err, "deleting bob's status: %s", out)
	assert.Contains(t, seedTweets(t, s), bobs)

	out = must("", "whoami")
	assert.Contains(t, out, "Statuses: 1")
	assert.Contains(t, out, "Following: 1")

	// bob logs in with the authorization code flow, as `toot login` asks:
	// the page at the URL toot shows, its form, and the code pasted back.
	cfg, err := os.ReadFile(filepath.Join(home, "config", "toot", "config.json"))
	require.NoError(t, err)
	var conf struct {
		Apps map[string]struct {
			ClientID string `json:"client_id"`
		} `json:"apps"`
	}
	require.NoError(t, json.Unmarshal(cfg, &conf))
	clientID := conf.Apps[host].ClientID
	require.NotEmpty(t, clientID, "toot saved no app: %s", cfg)
	q := url.Values{"response_type": {"code"}, "redirect_uri": {"urn:ietf:wg:oauth:2.0:oob"}, "scope": {"read write follow"}, "client_id": {clientID}}
	r = testkit.Do(t, nil, testkit.Request{URL: s.url + "/oauth/authorize/?" + q.Encode()}).Want(t, 200)
	assert.Contains(t, string(r.Body), "toot")
	q.Set("username", "bob")
	q.Set("password", "bob-password")
	q.Set("decision", "authorize")
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: s.url + "/oauth/authorize", Body: q.Encode(),
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}).Want(t, 200)
	m = regexp.MustCompile(`<code id="code">([^<]+)</code>`).FindStringSubmatch(string(r.Body))
	require.NotNil(t, m, "no code on the page: %s", r.Body)
	out = must("n\n"+m[1]+"\n", "login", "--disable-https", "-i", host)
	assert.Contains(t, out, "Successfully logged in")
	out = must("", "whoami")
	assert.Contains(t, out, "@bob")
	out, err = toot("", "delete", first)
	assert.Error(t, err, "bob deleting alice's status: %s", out)
	assert.Contains(t, seedTweets(t, s), first)
}
