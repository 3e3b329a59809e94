package mastodonhttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auth"
)

// chromium finds the browser of the browser test: $CHROMIUM, or Debian's
// chromium. Without one the test is skipped, unless HANOK_REQUIRE_BROWSER
// is set (as .ci/run does).
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("HANOK_REQUIRE_BROWSER") != "" {
		t.Fatal("HANOK_REQUIRE_BROWSER is set but no Chromium is installed")
	}
	t.Skip("no Chromium installed (apt-get install chromium, or set CHROMIUM): the authorization page's browser test needs one")
	return ""
}

// TestAuthorizationInBrowser drives the authorization page in a real
// headless Chromium: the login and consent page, a wrong password, then
// the code shown for an out-of-band app (exchanged with its PKCE
// verifier), and the code sent to a web app's redirect URI with its state.
func TestAuthorizationInBrowser(t *testing.T) {
	browser := chromium(t)
	e := newEnv(t)
	e.user(t, "alice")

	// The web app's callback records what the browser brings it.
	got := make(chan url.Values, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.URL.Query():
		default:
		}
		w.Write([]byte("<!doctype html><title>callback</title><p id=done>done</p>"))
	}))
	t.Cleanup(cb.Close)
	r := e.do(t, "POST", "/api/v1/apps", "", map[string]any{
		"client_name": "Browser App", "redirect_uris": auth.OOBRedirect + " " + cb.URL + "/cb", "scopes": "read write",
	}).Want(t, http.StatusOK)
	a := app{id: r.Map(t)["client_id"].(string), secret: r.Map(t)["client_secret"].(string)}
	verifier, challenge := pkce("browser")

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }

	// Out of band: the page, a wrong password, then the code.
	q := url.Values{"client_id": {a.id}, "redirect_uri": {auth.OOBRedirect}, "response_type": {"code"}, "scope": {"read write"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/oauth/authorize?"+q.Encode()),
		chromedp.WaitVisible(css(`#username`)),
	))
	appName, err := chromedp.Run(ctx, chromedp.Text(css(`#app`)))
	require.NoError(t, err)
	assert.Equal(t, "Browser App", appName)
	scopes, err := chromedp.Run(ctx, chromedp.Text(css(`#scopes`)))
	require.NoError(t, err)
	assert.Contains(t, scopes, "write")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(css(`#username`), "alice"),
		chromedp.SendKeys(css(`#password`), "not her password"),
		chromedp.Click(css(`#authorize`)),
		chromedp.WaitVisible(css(`#error`)),
	))
	msg, err := chromedp.Run(ctx, chromedp.Text(css(`#error`)))
	require.NoError(t, err)
	assert.Contains(t, msg, "wrong username or password")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(css(`#password`), "password alice"),
		chromedp.Click(css(`#authorize`)),
		chromedp.WaitVisible(css(`#code`)),
	))
	code, err := chromedp.Run(ctx, chromedp.Text(css(`#code`)))
	require.NoError(t, err)
	r = e.form(t, "POST", "/oauth/token", "", url.Values{"grant_type": {"authorization_code"}, "client_id": {a.id},
		"code": {strings.TrimSpace(code)}, "redirect_uri": {auth.OOBRedirect}, "code_verifier": {verifier}}).Want(t, http.StatusOK)
	tok := r.Map(t)["access_token"].(string)
	assert.Equal(t, "alice", e.do(t, "GET", "/api/v1/accounts/verify_credentials", tok, nil).Want(t, http.StatusOK).Map(t)["username"])

	// A web app: the browser lands on its redirect URI with the code and
	// the state.
	q = url.Values{"client_id": {a.id}, "redirect_uri": {cb.URL + "/cb"}, "response_type": {"code"}, "scope": {"read"}, "state": {"st-42"}}
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/oauth/authorize?"+q.Encode()),
		chromedp.WaitVisible(css(`#username`)),
		chromedp.SendKeys(css(`#username`), "alice@example.com"),
		chromedp.SendKeys(css(`#password`), "password alice"),
		chromedp.Click(css(`#authorize`)),
		chromedp.WaitVisible(css(`#done`)),
	))
	var back url.Values
	select {
	case back = <-got:
	case <-ctx.Done():
		t.Fatal("the callback was not called")
	}
	assert.Equal(t, "st-42", back.Get("state"))
	require.NotEmpty(t, back.Get("code"))
	r = e.form(t, "POST", "/oauth/token", "", url.Values{"grant_type": {"authorization_code"}, "client_id": {a.id}, "client_secret": {a.secret},
		"code": {back.Get("code")}, "redirect_uri": {cb.URL + "/cb"}}).Want(t, http.StatusOK)
	assert.Equal(t, "read", r.Map(t)["scope"])
}
