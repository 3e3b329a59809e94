package system_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok/adapters/system"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/trials"
)

// chromiumPath finds the browser of the browser tests: $CHROMIUM, or
// Debian's chromium.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestDocsInBrowser opens Swagger UI in a real headless Chromium, selects
// the auction's document, registers a user through "Try it out" and checks
// that the 201 shows on the page. The screenshot is written to the
// directory $HANOK_BROWSER_SHOTS when it is set.
func TestDocsInBrowser(t *testing.T) {
	browser := chromiumPath()
	if browser == "" {
		require.Empty(t, os.Getenv("HANOK_REQUIRE_BROWSER"), "HANOK_REQUIRE_BROWSER is set but no Chromium is installed")
		t.Skip("no Chromium installed (apt-get install chromium, or set CHROMIUM): the Swagger UI browser test needs one")
	}
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	auc, err := auction.New(db.Auction(), db.Media(), auction.Config{})
	require.NoError(t, err)
	cal, err := calendar.New(db.Calendar(), calendar.Config{})
	require.NoError(t, err)
	mail, err := mailing.New(db.Mailing(), mailing.Config{})
	require.NoError(t, err)
	mirror, err := trials.New(db.Trials(), trials.Config{})
	require.NoError(t, err)
	posts := microblog.New(db.Microblog(), authn, microblog.Config{})
	srv := httptest.NewServer(system.Handler(system.Services{Auth: authn, Auction: auc, Calendar: cal, Microblog: posts, Trials: mirror, Mailing: mail}, system.Config{}))
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 2000),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	// Swagger UI names an operation by its tag and operationId.
	const op = `#operations-users-registerUser`
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	var status, titles string
	err = chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/docs/"),
		chromedp.WaitVisible(css(`.topbar select`)),
	)
	if err == nil {
		titles, err = chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('.topbar select option')).map(o => o.textContent).join(',')`))
	}
	// Every document renders: selected in turn, its title shows.
	for _, name := range strings.Split(titles, ",") {
		if err != nil {
			break
		}
		err = chromedp.Do(ctx, selectDoc(name), chromedp.WaitVisible(css(`.information-container .title`)))
		var title string
		for i := 0; err == nil && i < 100 && !strings.Contains(title, "hanok "+name); i++ {
			title, err = chromedp.Run(ctx, chromedp.Text(css(`.information-container .title`)))
			if !strings.Contains(title, "hanok "+name) {
				time.Sleep(50 * time.Millisecond)
			}
		}
		if err == nil {
			assert.Contains(t, title, "hanok "+name, "document %s: the page's title", name)
		}
	}
	if err == nil {
		err = chromedp.Do(ctx,
			// Select the auction's document as a person would: the
			// select's change event.
			selectDoc("auction"),
			chromedp.WaitVisible(css(op)),
			chromedp.Click(css(op+` .opblock-summary-control`)),
			chromedp.WaitVisible(css(op+` .try-out__btn`)),
			chromedp.Click(css(op+` .try-out__btn`)),
			// The body is sent as the document's example prefills it.
			chromedp.WaitVisible(css(op+` textarea.body-param__text`)),
			chromedp.Click(css(op+` .execute`)),
			chromedp.WaitVisible(css(op+` .live-responses-table tr.response .response-col_status`)),
		)
	}
	if err == nil {
		status, err = chromedp.Run(ctx, chromedp.Text(css(op+` .live-responses-table tr.response .response-col_status`)))
	}
	shot, _ := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if dir := os.Getenv("HANOK_BROWSER_SHOTS"); len(shot) > 0 && dir != "" {
		// Kept only where asked: a test writes nothing into the tree.
		if err := os.MkdirAll(dir, 0o755); err == nil {
			os.WriteFile(filepath.Join(dir, "docs-auction-register.png"), shot, 0o644)
		}
	}
	require.NoError(t, err, "driving Swagger UI: %v (documents listed: %q)", err, titles)
	want := "auth,auction,calendar,microblog,trials,mailing"
	assert.Equal(t, want, titles, "documents listed: %q, want %s", titles, want)
	require.Contains(t, status, "201", "the response shown is %q, want 201", status)
	_, err = authn.UserByEmail(context.Background(), "dohyun@example.com")
	require.NoError(t, err, "the user registered through the page is not stored: %v", err)
}

// selectDoc selects the named document in Swagger UI's selector as a person
// would: the select's change event.
func selectDoc(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](fmt.Sprintf(`(() => { const s = document.querySelector('.topbar select');
			s.value = Array.from(s.options).find(o => o.textContent === %q).value;
			s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, name))(ctx, tg)
		return err
	})
}
