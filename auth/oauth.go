package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/hanok-dev/hanok"
)

// OAuth 2 for the apps of other protocols (the Mastodon client API): apps
// registered with a client id and secret, and the grants that give an app
// a token — password, authorization code (with PKCE), client credentials.
// The tokens are this package's tokens, each with a grant stored under its
// id that holds the app and the scopes; revoking the token or its app ends
// it at once.

// The scopes an app may ask for. A scope "read:statuses" is part of
// "read"; "follow" is Mastodon's older name for the follow, block and mute
// parts of read and write.
const (
	ScopeRead   = "read"
	ScopeWrite  = "write"
	ScopeFollow = "follow"
	ScopePush   = "push"
)

// OOBRedirect is the redirect URI of an app that shows the authorization
// code to its user instead of being redirected to.
const OOBRedirect = "urn:ietf:wg:oauth:2.0:oob"

// App is a registered OAuth client.
type App struct {
	ID       int64
	ClientID string
	// SecretHash is the SHA-256 of the client secret; the secret itself
	// is shown once, when the app is registered.
	SecretHash   []byte
	Name         string
	RedirectURIs []string
	Scopes       []string
	Website      string
	Created      time.Time
	// Revoked is when the app was revoked; zero while it is not. The
	// tokens of a revoked app are refused.
	Revoked time.Time
}

// Grant is what an OAuth token was issued for, stored under the token's
// id.
type Grant struct {
	TokenID  string
	ClientID string
	// User is the user the token acts for; 0 for an app's own token
	// (client credentials).
	User    UserID
	Scopes  []string
	Created time.Time
	Expires time.Time
	// Revoked is when the token was revoked; zero while it is not.
	Revoked time.Time
}

// AuthCode is an authorization code waiting to be exchanged for a token,
// stored under the SHA-256 of the code (hex).
type AuthCode struct {
	CodeHash    string
	ClientID    string
	User        UserID
	RedirectURI string
	Scopes      []string
	// Challenge is the PKCE code challenge, "" when none was sent;
	// ChallengeMethod is "S256" or "plain".
	Challenge       string
	ChallengeMethod string
	Expires         time.Time
}

// The errors of an OAuthStore.
var (
	ErrAppNotFound   = &hanok.Error{Code: hanok.NotFound, Message: "app not found"}
	ErrGrantNotFound = &hanok.Error{Code: hanok.NotFound, Message: "token grant not found"}
	ErrCodeNotFound  = &hanok.Error{Code: hanok.NotFound, Message: "authorization code not found"}
	// ErrClientIDTaken, ErrTokenIDTaken and ErrCodeTaken are a new app,
	// grant or code whose random key another one already has.
	ErrClientIDTaken = &hanok.Error{Code: hanok.Conflict, Message: "client id is taken"}
	ErrTokenIDTaken  = &hanok.Error{Code: hanok.Conflict, Message: "token id is taken"}
	ErrCodeTaken     = &hanok.Error{Code: hanok.Conflict, Message: "code is taken"}
)

// OAuthStore is the persistence of apps, grants and authorization codes.
// Scopes and redirect URIs are kept in order.
type OAuthStore interface {
	// CreateApp stores a and sets a.ID. A client id already stored is
	// hanok.Conflict.
	CreateApp(ctx context.Context, a *App) error
	// AppByClientID returns the app with that client id, revoked or not;
	// ErrAppNotFound if none.
	AppByClientID(ctx context.Context, clientID string) (*App, error)
	// RevokeApp records that the app was revoked at the given time (the
	// first time is kept), and its grants with it; it returns the grants
	// it revoked (those not revoked before). ErrAppNotFound if none.
	RevokeApp(ctx context.Context, clientID string, at time.Time) ([]Grant, error)
	// CreateGrant stores g. The app must exist (ErrAppNotFound).
	CreateGrant(ctx context.Context, g *Grant) error
	// GrantByToken returns the grant of a token id; ErrGrantNotFound if
	// none.
	GrantByToken(ctx context.Context, tokenID string) (*Grant, error)
	// RevokeGrant records that the token was revoked at the given time
	// (the first time is kept); ErrGrantNotFound if none.
	RevokeGrant(ctx context.Context, tokenID string, at time.Time) error
	// PruneGrants deletes the grants of tokens that expired before t (no
	// one can use them any more) and returns how many it deleted.
	PruneGrants(ctx context.Context, before time.Time) (int, error)
	// CreateCode stores c. The app must exist (ErrAppNotFound).
	CreateCode(ctx context.Context, c *AuthCode) error
	// TakeCode deletes and returns the code stored under hash, so that a
	// code is exchanged once; ErrCodeNotFound if none.
	TakeCode(ctx context.Context, hash string) (*AuthCode, error)
	// PruneCodes deletes the codes that expired before t and returns how
	// many it deleted.
	PruneCodes(ctx context.Context, before time.Time) (int, error)
}

// The OAuth errors, each with the error code of RFC 6749 (or RFC 6750)
// that OAuthErrorCode gives it.
var (
	ErrInvalidClient        = &hanok.Error{Code: hanok.Unauthenticated, Message: "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."}
	ErrInvalidGrant         = &hanok.Error{Code: hanok.Invalid, Message: "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."}
	ErrInvalidScope         = &hanok.Error{Code: hanok.Invalid, Message: "The requested scope is invalid, unknown, or malformed."}
	ErrUnsupportedGrantType = &hanok.Error{Code: hanok.Invalid, Message: "The authorization grant type is not supported by the authorization server."}
	ErrInvalidRedirectURI   = &hanok.Error{Code: hanok.Invalid, Message: "The redirect uri included is not valid."}
	ErrInvalidRequest       = &hanok.Error{Code: hanok.Invalid, Message: "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed."}
	ErrInvalidToken         = &hanok.Error{Code: hanok.Unauthenticated, Message: "The access token is invalid"}
	ErrRevokedToken         = &hanok.Error{Code: hanok.Unauthenticated, Message: "The access token was revoked"}
	ErrInsufficientScope    = &hanok.Error{Code: hanok.Forbidden, Message: "This action is outside the authorized scopes"}
	// ErrNeedsUser is an app's own token (client credentials) used where
	// a user must act.
	ErrNeedsUser = &hanok.Error{Code: hanok.Forbidden, Message: "This method requires an authenticated user"}
)

// OAuthErrorCode returns the OAuth error code of err ("invalid_grant",
// ...), or "" when err is none of the OAuth errors.
func OAuthErrorCode(err error) string {
	for _, e := range []struct {
		err  error
		code string
	}{
		{ErrInvalidClient, "invalid_client"},
		{ErrInvalidGrant, "invalid_grant"},
		{ErrInvalidScope, "invalid_scope"},
		{ErrUnsupportedGrantType, "unsupported_grant_type"},
		{ErrInvalidRedirectURI, "invalid_redirect_uri"},
		{ErrInvalidRequest, "invalid_request"},
		{ErrInvalidToken, "invalid_token"},
		{ErrRevokedToken, "invalid_token"},
		{ErrInsufficientScope, "insufficient_scope"},
	} {
		if errors.Is(err, e.err) {
			return e.code
		}
	}
	return ""
}

// The limits of an app's registration.
const (
	MaxAppNameLen     = 100
	MaxRedirectURIs   = 10
	MaxRedirectURILen = 2000
	MaxWebsiteLen     = 2000
)

// OAuthConfig configures an OAuth.
type OAuthConfig struct {
	// TokenLifetime is how long an OAuth token is valid. Apps keep their
	// tokens, so the default is long: 90 days.
	TokenLifetime time.Duration
	// CodeLifetime is how long an authorization code may wait to be
	// exchanged. Default 10 minutes.
	CodeLifetime time.Duration
	// Now is the clock. Default: the Service's.
	Now func() time.Time
	// Logger receives app registrations and revocations. Default: the
	// Service's.
	Logger *slog.Logger
}

// OAuth issues and checks the OAuth tokens of registered apps.
type OAuth struct {
	authn *Service
	store OAuthStore
	cfg   OAuthConfig
}

// NewOAuth returns the OAuth of a Service, keeping its apps and grants in
// store.
func NewOAuth(authn *Service, store OAuthStore, cfg OAuthConfig) *OAuth {
	if cfg.TokenLifetime <= 0 {
		cfg.TokenLifetime = 90 * 24 * time.Hour
	}
	if cfg.CodeLifetime <= 0 {
		cfg.CodeLifetime = 10 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = authn.cfg.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = authn.cfg.Logger
	}
	return &OAuth{authn: authn, store: store, cfg: cfg}
}

// Service returns the Service whose users the tokens act for.
func (o *OAuth) Service() *Service { return o.authn }

// ParseScopes splits a space-separated scope list, checks each scope and
// drops repeats. An empty list is def.
func ParseScopes(s string, def []string) ([]string, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return slices.Clone(def), nil
	}
	var out []string
	for _, f := range fields {
		if !validScope(f) {
			return nil, ErrInvalidScope
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
}

func validScope(s string) bool {
	switch s {
	case ScopeRead, ScopeWrite, ScopeFollow, ScopePush, "profile":
		return true
	}
	top, sub, ok := strings.Cut(s, ":")
	if !ok || sub == "" || len(sub) > 40 || (top != ScopeRead && top != ScopeWrite) {
		return false
	}
	for _, r := range sub {
		if (r < 'a' || r > 'z') && r != '_' {
			return false
		}
	}
	return true
}

// HasScope reports whether scopes grant need, a scope such as "read",
// "write:statuses" or "write:follows": a granted "write" covers every
// "write:..."; a granted "follow" covers the follow, block and mute parts
// of read and write.
func HasScope(scopes []string, need string) bool {
	top, sub, _ := strings.Cut(need, ":")
	for _, s := range scopes {
		switch {
		case s == need, s == top:
			return true
		case s == ScopeFollow && (sub == "follows" || sub == "blocks" || sub == "mutes"):
			return true
		}
	}
	return false
}

// covers reports whether every scope of want is granted by have.
func covers(have, want []string) bool {
	for _, w := range want {
		if !HasScope(have, w) {
			return false
		}
	}
	return true
}

// AppInput is what RegisterApp needs.
type AppInput struct {
	Name string
	// RedirectURIs are separated by white space (Mastodon's form);
	// OOBRedirect is one.
	RedirectURIs string
	// Scopes are space-separated; default "read".
	Scopes  string
	Website string
	// ClientAddr is the client's address: registrations of apps are
	// throttled per address like those of users (Config.RegisterAttempts,
	// a budget of their own). Empty: no throttling.
	ClientAddr string
}

// RegisterApp registers an app and returns it with its client secret,
// which is shown this once.
func (o *OAuth) RegisterApp(ctx context.Context, in AppInput) (*App, string, error) {
	name := strings.TrimSpace(in.Name)
	if err := hanok.CheckText("client_name", name, hanok.TextRule{Min: 1, Max: MaxAppNameLen}); err != nil {
		return nil, "", err
	}
	uris := strings.Fields(in.RedirectURIs)
	if len(uris) == 0 {
		return nil, "", hanok.FieldError("redirect_uris", "is required")
	}
	if len(uris) > MaxRedirectURIs {
		return nil, "", hanok.FieldError("redirect_uris", fmt.Sprintf("must be at most %d", MaxRedirectURIs))
	}
	for _, u := range uris {
		if !validRedirect(u) {
			return nil, "", hanok.FieldError("redirect_uris", "must be absolute URIs without a fragment")
		}
	}
	scopes, err := ParseScopes(in.Scopes, []string{ScopeRead})
	if err != nil {
		return nil, "", &hanok.Error{Code: hanok.Invalid, Message: "scopes: " + ErrInvalidScope.Message, Fields: map[string]string{"scopes": "are invalid"}, Err: ErrInvalidScope}
	}
	website := strings.TrimSpace(in.Website)
	if err := hanok.CheckText("website", website, hanok.TextRule{Max: MaxWebsiteLen}); err != nil {
		return nil, "", err
	}
	if in.ClientAddr != "" {
		// Each app is a stored row: an address may not register them
		// without end.
		wait, end, err := o.authn.beginRegistration(ctx, o.cfg.Now(), []string{"app:" + in.ClientAddr})
		if err != nil {
			return nil, "", err
		}
		if wait > 0 {
			o.cfg.Logger.WarnContext(ctx, "app registration throttled", "addr", in.ClientAddr)
			return nil, "", &hanok.Error{Code: hanok.RateLimited, Message: "too many apps registered from this address; try again later", RetryAfter: wait}
		}
		defer end(true)
	}
	secret := randomToken()
	a := &App{
		ClientID:     randomToken(),
		SecretHash:   digest(secret),
		Name:         name,
		RedirectURIs: uris,
		Scopes:       scopes,
		Website:      website,
		Created:      o.cfg.Now().UTC(),
	}
	if err := o.store.CreateApp(ctx, a); err != nil {
		return nil, "", fmt.Errorf("auth: register app: %w", err)
	}
	o.cfg.Logger.InfoContext(ctx, "oauth app registered", "app_id", a.ID, "name", a.Name)
	return a, secret, nil
}

// validRedirect reports whether u may be a redirect URI: OOBRedirect, or
// an absolute URI without a fragment (an app's own scheme is fine).
func validRedirect(u string) bool {
	if u == OOBRedirect {
		return true
	}
	if len(u) > MaxRedirectURILen {
		return false
	}
	p, err := url.Parse(u)
	return err == nil && p.Scheme != "" && p.Fragment == "" && (p.Host != "" || p.Opaque != "" || p.Path != "")
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("auth: reading random bytes: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func digest(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}

// App returns the app with the client id, for an authorization page: an
// unknown or revoked app is ErrInvalidClient.
func (o *OAuth) App(ctx context.Context, clientID string) (*App, error) {
	if clientID == "" || len(clientID) > 200 {
		return nil, ErrInvalidClient
	}
	a, err := o.store.AppByClientID(ctx, clientID)
	if hanok.CodeOf(err) == hanok.NotFound {
		return nil, ErrInvalidClient
	}
	if err != nil {
		return nil, fmt.Errorf("auth: app: %w", err)
	}
	if !a.Revoked.IsZero() {
		return nil, ErrInvalidClient
	}
	return a, nil
}

// client authenticates an app by its id and secret.
func (o *OAuth) client(ctx context.Context, clientID, secret string) (*App, error) {
	a, err := o.App(ctx, clientID)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(digest(secret), a.SecretHash) != 1 {
		return nil, ErrInvalidClient
	}
	return a, nil
}

// Token is an issued OAuth token.
type Token struct {
	AccessToken string
	Scopes      []string
	Created     time.Time
	Expires     time.Time
	// User is the user it acts for; nil for an app's own token.
	User *User
}

// oauthAudience is the second audience of an OAuth token: a token that
// has it is good only with its grant, never as a token of the Service's
// own login (which has every scope).
const oauthAudience = "hanok-oauth"

// issue signs a token for the app (and user, unless nil) and stores its
// grant.
func (o *OAuth) issue(ctx context.Context, a *App, u *User, scopes []string) (*Token, error) {
	now := o.cfg.Now()
	c := claims{RegisteredClaims: jwt.RegisteredClaims{
		ID:        uuid.NewString(),
		Issuer:    o.authn.cfg.Issuer,
		Audience:  jwt.ClaimStrings{o.authn.cfg.Audience, oauthAudience},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(o.cfg.TokenLifetime)),
	}}
	g := &Grant{TokenID: c.ID, ClientID: a.ClientID, Scopes: scopes, Created: c.IssuedAt.Time.UTC(), Expires: c.ExpiresAt.Time.UTC()}
	if u != nil {
		c.Subject = strconv.FormatInt(int64(u.ID), 10)
		c.PasswordStamp = o.authn.passwordStamp(u)
		g.User = u.ID
	} else {
		// Not a number: no other service takes it for a user's token.
		c.Subject = "app:" + strconv.FormatInt(a.ID, 10)
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(o.authn.cfg.Secret)
	if err != nil {
		return nil, fmt.Errorf("auth: sign token: %w", err)
	}
	if err := o.store.CreateGrant(ctx, g); err != nil {
		return nil, fmt.Errorf("auth: store grant: %w", err)
	}
	// Grants are only needed until their tokens expire.
	if _, err := o.store.PruneGrants(ctx, now); err != nil {
		o.cfg.Logger.WarnContext(ctx, "pruning token grants failed", "err", err)
	}
	return &Token{AccessToken: tok, Scopes: scopes, Created: g.Created, Expires: g.Expires, User: u}, nil
}

// requestedScopes are the scopes a grant asks for: a subset of the app's,
// the app's own when none are named.
func requestedScopes(a *App, scope string) ([]string, error) {
	scopes, err := ParseScopes(scope, a.Scopes)
	if err != nil {
		return nil, err
	}
	if !covers(a.Scopes, scopes) {
		return nil, ErrInvalidScope
	}
	return scopes, nil
}

// PasswordGrant is what PasswordToken needs.
type PasswordGrant struct {
	ClientID, ClientSecret string
	// Username is a username or an email.
	Username, Password string
	Scope              string
	// ClientAddr is the client's address, for the login throttle.
	ClientAddr string
}

// PasswordToken is the password grant: a login through Service.Login (so
// its throttle counts every failure), then a token for the app.
func (o *OAuth) PasswordToken(ctx context.Context, in PasswordGrant) (*Token, error) {
	a, err := o.client(ctx, in.ClientID, in.ClientSecret)
	if err != nil {
		return nil, err
	}
	scopes, err := requestedScopes(a, in.Scope)
	if err != nil {
		return nil, err
	}
	u, err := o.login(ctx, in.Username, in.Password, in.ClientAddr)
	if err != nil {
		return nil, err
	}
	return o.issue(ctx, a, u, scopes)
}

// login checks a username (or email) and password through Login; a wrong
// one is ErrInvalidGrant, a throttled one hanok.RateLimited.
func (o *OAuth) login(ctx context.Context, name, password, addr string) (*User, error) {
	sess, err := o.authn.Login(ctx, LoginInput{Username: name, Password: password, ClientAddr: addr})
	if hanok.CodeOf(err) == hanok.Unauthenticated {
		return nil, &hanok.Error{Code: hanok.Invalid, Message: ErrInvalidGrant.Message, Err: errors.Join(ErrInvalidGrant, err)}
	}
	if err != nil {
		return nil, err
	}
	return sess.User, nil
}

// ClientToken is the client credentials grant: a token of the app itself,
// which acts for no user.
func (o *OAuth) ClientToken(ctx context.Context, clientID, secret, scope string) (*Token, error) {
	a, err := o.client(ctx, clientID, secret)
	if err != nil {
		return nil, err
	}
	scopes, err := requestedScopes(a, scope)
	if err != nil {
		return nil, err
	}
	return o.issue(ctx, a, nil, scopes)
}

// AuthorizeRequest is an app's request for an authorization code, as the
// authorization page receives it.
type AuthorizeRequest struct {
	ClientID     string
	RedirectURI  string
	ResponseType string
	Scope        string
	// CodeChallenge and CodeChallengeMethod are PKCE's (RFC 7636);
	// the method is "S256" (or "plain"), S256 when a challenge is sent
	// without one.
	CodeChallenge       string
	CodeChallengeMethod string
}

// Authorization is a checked AuthorizeRequest: the app and what it asks
// for.
type Authorization struct {
	App                 *App
	RedirectURI         string
	Scopes              []string
	CodeChallenge       string
	CodeChallengeMethod string
}

// CheckAuthorize checks an authorization request before its page is
// shown: a known app, one of its redirect URIs (the only one may be left
// out), the code response type, scopes among the app's, and a PKCE method
// this server knows.
func (o *OAuth) CheckAuthorize(ctx context.Context, in AuthorizeRequest) (*Authorization, error) {
	a, err := o.App(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	redirect := in.RedirectURI
	if redirect == "" && len(a.RedirectURIs) == 1 {
		redirect = a.RedirectURIs[0]
	}
	if !slices.Contains(a.RedirectURIs, redirect) {
		return nil, ErrInvalidRedirectURI
	}
	if in.ResponseType != "code" {
		return nil, &hanok.Error{Code: hanok.Invalid, Message: "The authorization server does not support this response type.", Err: ErrInvalidRequest}
	}
	scopes, err := requestedScopes(a, in.Scope)
	if err != nil {
		return nil, err
	}
	method := in.CodeChallengeMethod
	switch {
	case in.CodeChallenge == "" && method == "":
	case in.CodeChallenge == "":
		return nil, ErrInvalidRequest
	case method == "":
		method = "S256"
		fallthrough
	default:
		if method != "S256" && method != "plain" {
			return nil, &hanok.Error{Code: hanok.Invalid, Message: "code_challenge_method must be S256 or plain", Err: ErrInvalidRequest}
		}
		if n := len(in.CodeChallenge); n < 43 || n > 128 {
			return nil, &hanok.Error{Code: hanok.Invalid, Message: "code_challenge must be 43 to 128 characters", Err: ErrInvalidRequest}
		}
	}
	return &Authorization{App: a, RedirectURI: redirect, Scopes: scopes, CodeChallenge: in.CodeChallenge, CodeChallengeMethod: method}, nil
}

// Approve is the user's consent on the authorization page: the request,
// and the user's username (or email) and password.
type Approve struct {
	Request            AuthorizeRequest
	Username, Password string
	ClientAddr         string
}

// Authorize checks the request and the user's password (through
// Service.Login and its throttle) and returns an authorization code for
// the app, good once within OAuthConfig.CodeLifetime, and where to send
// it. A wrong password is hanok.Unauthenticated.
func (o *OAuth) Authorize(ctx context.Context, in Approve) (code string, az *Authorization, err error) {
	az, err = o.CheckAuthorize(ctx, in.Request)
	if err != nil {
		return "", nil, err
	}
	sess, err := o.authn.Login(ctx, LoginInput{Username: in.Username, Password: in.Password, ClientAddr: in.ClientAddr})
	if err != nil {
		return "", nil, err
	}
	code = randomToken()
	c := &AuthCode{
		CodeHash:        hex.EncodeToString(digest(code)),
		ClientID:        az.App.ClientID,
		User:            sess.User.ID,
		RedirectURI:     az.RedirectURI,
		Scopes:          az.Scopes,
		Challenge:       az.CodeChallenge,
		ChallengeMethod: az.CodeChallengeMethod,
		Expires:         o.cfg.Now().Add(o.cfg.CodeLifetime).UTC(),
	}
	if err := o.store.CreateCode(ctx, c); err != nil {
		return "", nil, fmt.Errorf("auth: store code: %w", err)
	}
	if _, err := o.store.PruneCodes(ctx, o.cfg.Now()); err != nil {
		o.cfg.Logger.WarnContext(ctx, "pruning authorization codes failed", "err", err)
	}
	return code, az, nil
}

// CodeGrant is what CodeToken needs.
type CodeGrant struct {
	ClientID, ClientSecret string
	Code                   string
	RedirectURI            string
	// CodeVerifier is PKCE's; required when the code was asked for with
	// a challenge.
	CodeVerifier string
}

// CodeToken is the authorization code grant. The client secret may be
// left out only for a code asked for with a PKCE challenge (a public
// client); the code is good once, for the app and redirect URI it was
// issued to.
func (o *OAuth) CodeToken(ctx context.Context, in CodeGrant) (*Token, error) {
	if in.Code == "" || len(in.Code) > 200 {
		return nil, ErrInvalidGrant
	}
	a, err := o.App(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	c, err := o.store.TakeCode(ctx, hex.EncodeToString(digest(in.Code)))
	if hanok.CodeOf(err) == hanok.NotFound {
		return nil, ErrInvalidGrant
	}
	if err != nil {
		return nil, fmt.Errorf("auth: take code: %w", err)
	}
	if in.ClientSecret != "" || c.Challenge == "" {
		if _, err := o.client(ctx, in.ClientID, in.ClientSecret); err != nil {
			return nil, err
		}
	}
	redirect := in.RedirectURI
	if redirect == "" && len(a.RedirectURIs) == 1 {
		redirect = a.RedirectURIs[0]
	}
	if c.ClientID != a.ClientID || c.RedirectURI != redirect || !o.cfg.Now().Before(c.Expires) {
		return nil, ErrInvalidGrant
	}
	if c.Challenge != "" && !verifierMatches(c.Challenge, c.ChallengeMethod, in.CodeVerifier) {
		return nil, ErrInvalidGrant
	}
	u, err := o.authn.store.UserByID(ctx, c.User)
	if hanok.CodeOf(err) == hanok.NotFound {
		return nil, ErrInvalidGrant
	}
	if err != nil {
		return nil, fmt.Errorf("auth: code grant: %w", err)
	}
	return o.issue(ctx, a, u, c.Scopes)
}

// verifierMatches checks a PKCE code verifier against its challenge.
func verifierMatches(challenge, method, verifier string) bool {
	if n := len(verifier); n < 43 || n > 128 {
		return false
	}
	want := verifier
	if method != "plain" {
		d := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(d[:])
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

// Access is what a request's token lets it do.
type Access struct {
	// User is the user the token acts for; nil for an app's own token.
	User *User
	// App is the app the token was issued to; nil for a token of the
	// Service's own login, which has every scope.
	App    *App
	Scopes []string
	// TokenID is the token's id.
	TokenID string
}

// Can reports whether the access has the scope need (see HasScope).
func (a *Access) Can(need string) bool { return HasScope(a.Scopes, need) }

// AllScopes are the scopes of a token of the Service's own login.
var AllScopes = []string{ScopeRead, ScopeWrite, ScopeFollow, ScopePush}

// Verify checks a token: an OAuth token (whose grant and app must not be
// revoked) or a token of the Service's own login. Anything else is
// ErrInvalidToken; a revoked token, or one of a revoked app,
// ErrRevokedToken.
func (o *OAuth) Verify(ctx context.Context, token string) (*Access, error) {
	c, err := o.authn.parse(token)
	if err != nil {
		return nil, ErrInvalidToken
	}
	g, err := o.store.GrantByToken(ctx, c.ID)
	switch hanok.CodeOf(err) {
	case "":
	case hanok.NotFound:
		if slices.Contains(c.Audience, oauthAudience) {
			// An OAuth token whose grant is gone.
			return nil, ErrInvalidToken
		}
		// A token of the Service's own login.
		u, err := o.authn.Authenticate(ctx, token)
		if hanok.CodeOf(err) == hanok.Unauthenticated {
			return nil, &hanok.Error{Code: hanok.Unauthenticated, Message: ErrInvalidToken.Message, Err: errors.Join(ErrInvalidToken, err)}
		}
		if err != nil {
			return nil, err
		}
		return &Access{User: u, Scopes: AllScopes, TokenID: c.ID}, nil
	default:
		return nil, fmt.Errorf("auth: verify token: %w", err)
	}
	if !g.Revoked.IsZero() {
		return nil, ErrRevokedToken
	}
	a, err := o.store.AppByClientID(ctx, g.ClientID)
	if err != nil {
		return nil, fmt.Errorf("auth: verify token: %w", err)
	}
	if !a.Revoked.IsZero() {
		return nil, ErrRevokedToken
	}
	acc := &Access{App: a, Scopes: g.Scopes, TokenID: g.TokenID}
	if g.User == 0 {
		return acc, nil
	}
	u, err := o.authn.Authenticate(ctx, token)
	if hanok.CodeOf(err) == hanok.Unauthenticated {
		return nil, &hanok.Error{Code: hanok.Unauthenticated, Message: ErrInvalidToken.Message, Err: errors.Join(ErrInvalidToken, err)}
	}
	if err != nil {
		return nil, err
	}
	acc.User = u
	return acc, nil
}

// Revoke is RFC 7009's revocation by an app of one of its own tokens. A
// token that is not valid, or not the app's, is no error (the RFC's
// rule): there is nothing to revoke.
func (o *OAuth) Revoke(ctx context.Context, clientID, secret, token string) error {
	a, err := o.client(ctx, clientID, secret)
	if err != nil {
		return err
	}
	c, err := o.authn.parse(token)
	if err != nil {
		return nil
	}
	g, err := o.store.GrantByToken(ctx, c.ID)
	if hanok.CodeOf(err) == hanok.NotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("auth: revoke: %w", err)
	}
	if g.ClientID != a.ClientID {
		return nil
	}
	return o.revokeGrant(ctx, g)
}

func (o *OAuth) revokeGrant(ctx context.Context, g *Grant) error {
	if err := o.store.RevokeGrant(ctx, g.TokenID, o.cfg.Now().UTC()); err != nil {
		return fmt.Errorf("auth: revoke: %w", err)
	}
	// The Service's own revocation list too, so that no other check of
	// the token (another adapter's) takes it.
	if err := o.authn.store.RevokeToken(ctx, g.TokenID, g.Expires); err != nil {
		return fmt.Errorf("auth: revoke: %w", err)
	}
	o.authn.cache.drop(func(e *cachedToken) bool { return e.jti == g.TokenID })
	return nil
}

// RevokeApp revokes an app: its tokens are refused from now on, and it
// gets no more.
func (o *OAuth) RevokeApp(ctx context.Context, clientID string) error {
	grants, err := o.store.RevokeApp(ctx, clientID, o.cfg.Now().UTC())
	if err != nil {
		return fmt.Errorf("auth: revoke app: %w", err)
	}
	// The Service's own revocation list too, so that no other adapter
	// takes the app's tokens.
	ids := map[string]bool{}
	for _, g := range grants {
		if err := o.authn.store.RevokeToken(ctx, g.TokenID, g.Expires); err != nil {
			return fmt.Errorf("auth: revoke app: %w", err)
		}
		ids[g.TokenID] = true
	}
	o.authn.cache.drop(func(e *cachedToken) bool { return ids[e.jti] })
	o.cfg.Logger.InfoContext(ctx, "oauth app revoked", "client_id_prefix", clientID[:min(6, len(clientID))])
	return nil
}

// JoinScopes is the space-separated form of scopes.
func JoinScopes(scopes []string) string { return strings.Join(scopes, " ") }
