package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storetest"
)

func TestParseAndHaveScopes(t *testing.T) {
	got, err := auth.ParseScopes("  read write:statuses read ", nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"read", "write:statuses"}, got)
	got, err = auth.ParseScopes("", []string{"read"})
	require.NoError(t, err)
	assert.Equal(t, []string{"read"}, got)
	for _, bad := range []string{"admin", "read:", "write:Statuses", "read:a:b", ":x", "admin:read"} {
		_, err := auth.ParseScopes(bad, nil)
		assert.True(t, errors.Is(err, auth.ErrInvalidScope), "%q: %v", bad, err)
	}

	for _, c := range []struct {
		have []string
		need string
		want bool
	}{
		{[]string{"read"}, "read:statuses", true},
		{[]string{"read:statuses"}, "read:statuses", true},
		{[]string{"read:statuses"}, "read", false},
		{[]string{"read:accounts"}, "read:statuses", false},
		{[]string{"write"}, "read:statuses", false},
		{[]string{"follow"}, "write:follows", true},
		{[]string{"follow"}, "read:follows", true},
		{[]string{"follow"}, "write:statuses", false},
		{nil, "read", false},
	} {
		assert.Equal(t, c.want, auth.HasScope(c.have, c.need), "%v has %s", c.have, c.need)
	}
}

func newOAuth(t *testing.T) (*auth.OAuth, *auth.Service, func(time.Duration)) {
	t.Helper()
	authn, clk, _ := newService(t)
	return auth.NewOAuth(authn, memory.NewOAuthStore(), auth.OAuthConfig{}), authn, clk.Add
}

func TestRegisterAppRules(t *testing.T) {
	o, _, _ := newOAuth(t)
	ctx := context.Background()
	a, secret, err := o.RegisterApp(ctx, auth.AppInput{Name: " toot ", RedirectURIs: auth.OOBRedirect + "\nhttps://a.example/cb com.example.app:/cb"})
	require.NoError(t, err)
	assert.Equal(t, "toot", a.Name)
	assert.Equal(t, []string{auth.OOBRedirect, "https://a.example/cb", "com.example.app:/cb"}, a.RedirectURIs)
	assert.Equal(t, []string{"read"}, a.Scopes)
	assert.NotEmpty(t, secret)
	d := sha256.Sum256([]byte(secret))
	assert.Equal(t, d[:], a.SecretHash, "only the secret's digest is kept")

	for name, in := range map[string]auth.AppInput{
		"no name":         {RedirectURIs: auth.OOBRedirect},
		"long name":       {Name: strings.Repeat("x", auth.MaxAppNameLen+1), RedirectURIs: auth.OOBRedirect},
		"no redirect":     {Name: "x"},
		"relative":        {Name: "x", RedirectURIs: "/cb"},
		"fragment":        {Name: "x", RedirectURIs: "https://a.example/cb#x"},
		"too many":        {Name: "x", RedirectURIs: strings.Repeat("https://a.example/ ", auth.MaxRedirectURIs+1)},
		"unknown scope":   {Name: "x", RedirectURIs: auth.OOBRedirect, Scopes: "read admin:write"},
		"control in name": {Name: "x\x00y", RedirectURIs: auth.OOBRedirect},
	} {
		_, _, err := o.RegisterApp(ctx, in)
		storetest.WantCode(t, err, hanok.Invalid)
		assert.NotEmpty(t, hanok.FieldsOf(err), name)
	}
}

func TestOAuthTokens(t *testing.T) {
	o, authn, advance := newOAuth(t)
	ctx := context.Background()
	sess, err := authn.Register(ctx, auth.RegisterInput{Username: "mina", Password: "password mina"})
	require.NoError(t, err)
	a, secret, err := o.RegisterApp(ctx, auth.AppInput{Name: "app", RedirectURIs: auth.OOBRedirect, Scopes: "read write"})
	require.NoError(t, err)

	tok, err := o.PasswordToken(ctx, auth.PasswordGrant{ClientID: a.ClientID, ClientSecret: secret, Username: "mina", Password: "password mina", Scope: "read"})
	require.NoError(t, err)
	assert.Equal(t, []string{"read"}, tok.Scopes)
	assert.Equal(t, 90*24*time.Hour, tok.Expires.Sub(tok.Created))
	acc, err := o.Verify(ctx, tok.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, sess.User.ID, acc.User.ID)
	assert.Equal(t, a.ClientID, acc.App.ClientID)
	assert.True(t, acc.Can("read:statuses"))
	assert.False(t, acc.Can("write:statuses"))
	// It is also a token of the Service, for the other adapters.
	u, err := authn.Authenticate(ctx, tok.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, sess.User.ID, u.ID)

	// The Service's own token: every scope, no app.
	acc, err = o.Verify(ctx, sess.Token)
	require.NoError(t, err)
	assert.Nil(t, acc.App)
	assert.Equal(t, auth.AllScopes, acc.Scopes)

	// An app's own token acts for nobody, and is no user's token.
	app, err := o.ClientToken(ctx, a.ClientID, secret, "")
	require.NoError(t, err)
	acc, err = o.Verify(ctx, app.AccessToken)
	require.NoError(t, err)
	assert.Nil(t, acc.User)
	_, err = authn.Authenticate(ctx, app.AccessToken)
	storetest.WantCode(t, err, hanok.Unauthenticated)

	// A new password ends the OAuth tokens issued under the old one.
	// (Past the token cache's time: SetPassword does not empty it.)
	require.NoError(t, authn.SetPassword(ctx, sess.User.ID, "another password"))
	advance(6 * time.Second)
	_, err = o.Verify(ctx, tok.AccessToken)
	assert.True(t, errors.Is(err, auth.ErrInvalidToken), "%v", err)

	// Garbage, and a token past its lifetime.
	_, err = o.Verify(ctx, "garbage")
	assert.True(t, errors.Is(err, auth.ErrInvalidToken), "%v", err)
	advance(91 * 24 * time.Hour)
	_, err = o.Verify(ctx, app.AccessToken)
	assert.True(t, errors.Is(err, auth.ErrInvalidToken), "%v", err)
}

func TestOAuthTokenWithoutItsGrant(t *testing.T) {
	authn, _, _ := newService(t)
	ctx := context.Background()
	store := memory.NewOAuthStore()
	o := auth.NewOAuth(authn, store, auth.OAuthConfig{})
	_, err := authn.Register(ctx, auth.RegisterInput{Username: "mina", Password: "password mina"})
	require.NoError(t, err)
	a, secret, err := o.RegisterApp(ctx, auth.AppInput{Name: "app", RedirectURIs: auth.OOBRedirect})
	require.NoError(t, err)
	tok, err := o.PasswordToken(ctx, auth.PasswordGrant{ClientID: a.ClientID, ClientSecret: secret, Username: "mina", Password: "password mina"})
	require.NoError(t, err)
	// The grant gone (pruned as expired, by a clock that ran ahead): the
	// token is refused, not taken for one of auth's own with every scope.
	_, err = store.PruneGrants(ctx, tok.Expires.Add(time.Second))
	require.NoError(t, err)
	_, err = o.Verify(ctx, tok.AccessToken)
	assert.True(t, errors.Is(err, auth.ErrInvalidToken), "%v", err)
}

func TestAuthorizationCodes(t *testing.T) {
	o, authn, advance := newOAuth(t)
	ctx := context.Background()
	_, err := authn.Register(ctx, auth.RegisterInput{Username: "mina", Password: "password mina"})
	require.NoError(t, err)
	a, secret, err := o.RegisterApp(ctx, auth.AppInput{Name: "app", RedirectURIs: auth.OOBRedirect, Scopes: "read write"})
	require.NoError(t, err)
	verifier := strings.Repeat("v", 43)
	d := sha256.Sum256([]byte(verifier))
	req := auth.AuthorizeRequest{ClientID: a.ClientID, ResponseType: "code", Scope: "write",
		CodeChallenge: base64.RawURLEncoding.EncodeToString(d[:])}

	az, err := o.CheckAuthorize(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, auth.OOBRedirect, az.RedirectURI, "the app's only redirect")
	assert.Equal(t, "S256", az.CodeChallengeMethod, "the default method")

	_, _, err = o.Authorize(ctx, auth.Approve{Request: req, Username: "mina", Password: "wrong"})
	storetest.WantCode(t, err, hanok.Unauthenticated)

	code, _, err := o.Authorize(ctx, auth.Approve{Request: req, Username: "mina", Password: "password mina"})
	require.NoError(t, err)
	advance(11 * time.Minute)
	_, err = o.CodeToken(ctx, auth.CodeGrant{ClientID: a.ClientID, Code: code, CodeVerifier: verifier})
	assert.True(t, errors.Is(err, auth.ErrInvalidGrant), "an expired code: %v", err)

	code, _, err = o.Authorize(ctx, auth.Approve{Request: req, Username: "mina", Password: "password mina"})
	require.NoError(t, err)
	_, err = o.CodeToken(ctx, auth.CodeGrant{ClientID: a.ClientID, ClientSecret: "wrong", Code: code, CodeVerifier: verifier})
	assert.True(t, errors.Is(err, auth.ErrInvalidClient), "a wrong secret, even with PKCE: %v", err)

	// A plain challenge.
	req.CodeChallenge, req.CodeChallengeMethod = verifier, "plain"
	code, _, err = o.Authorize(ctx, auth.Approve{Request: req, Username: "mina", Password: "password mina"})
	require.NoError(t, err)
	tok, err := o.CodeToken(ctx, auth.CodeGrant{ClientID: a.ClientID, ClientSecret: secret, Code: code, CodeVerifier: verifier})
	require.NoError(t, err)
	assert.Equal(t, []string{"write"}, tok.Scopes)

	// A challenge too short, a scope beyond the app's, a revoked app.
	_, err = o.CheckAuthorize(ctx, auth.AuthorizeRequest{ClientID: a.ClientID, ResponseType: "code", CodeChallenge: "short"})
	assert.True(t, errors.Is(err, auth.ErrInvalidRequest), "%v", err)
	_, err = o.CheckAuthorize(ctx, auth.AuthorizeRequest{ClientID: a.ClientID, ResponseType: "code", Scope: "follow"})
	assert.True(t, errors.Is(err, auth.ErrInvalidScope), "%v", err)
	require.NoError(t, o.RevokeApp(ctx, a.ClientID))
	_, err = o.CheckAuthorize(ctx, auth.AuthorizeRequest{ClientID: a.ClientID, ResponseType: "code"})
	assert.True(t, errors.Is(err, auth.ErrInvalidClient), "%v", err)
	_, err = o.Verify(ctx, tok.AccessToken)
	assert.True(t, errors.Is(err, auth.ErrRevokedToken), "%v", err)
	err = o.RevokeApp(ctx, "nobody")
	storetest.WantCode(t, err, hanok.NotFound)
}
