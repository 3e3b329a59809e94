package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
)

// Password length limits. bcrypt reads at most 72 bytes, so a longer
// password would be silently truncated: it is refused instead.
const (
	MinPasswordLen   = 8
	MaxPasswordBytes = 72
	// MaxUsernameLen is the longest username, in characters.
	MaxUsernameLen = 150
)

// Config configures a Service. Only Secret is required.
type Config struct {
	// Secret is the HS256 signing key; at least 32 bytes.
	Secret []byte
	// Issuer and Audience are written into and required of every token.
	// Defaults: "hanok" and "hanok".
	Issuer   string
	Audience string
	// TokenLifetime is how long a token is valid. Default 24h.
	TokenLifetime time.Duration
	// BcryptCost is the bcrypt work factor. Default bcrypt.DefaultCost;
	// tests use bcrypt.MinCost.
	BcryptCost int
	// LoginAttempts failed logins are allowed in a burst per username and per
	// client address, then one more every LoginInterval. Defaults 5 and 12s.
	// A login in progress counts against its account's budget until it
	// ends, so no more guesses than the remaining budget run at once for
	// one account; an address's budget is spent by failures only.
	LoginAttempts int
	LoginInterval time.Duration
	// RegisterAttempts registrations (each a bcrypt hash) are allowed in a
	// burst per client address, then one more every RegisterInterval; a
	// registration in progress counts until it ends. Defaults 10 and 30s.
	RegisterAttempts int
	RegisterInterval time.Duration
	// Throttles, when set, keeps the login and registration budgets, so
	// that every Service over it (several servers on one database) spends
	// one budget. Default: each Service keeps its own, in memory.
	Throttles ThrottleStore
	// TokenCacheTTL is how long a token verified against the store is
	// trusted without verifying it again (its time claims are still
	// checked on every request). A logout, password, username, email or
	// superuser change made through this Service ends the cached entries
	// it affects at once, so the next request sees it. One made by
	// another process on the same database (the CLI, another server) is
	// seen at the next request too when the store is a ChangeCounter
	// (SQLite and PostgreSQL are), and within TokenCacheTTL otherwise.
	// Default 5s; negative turns the cache off.
	TokenCacheTTL time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives security-relevant events. Default: discard.
	Logger *slog.Logger
}

// Service manages accounts and tokens.
type Service struct {
	store    Store
	cfg      Config
	throttle *throttle
	// registrations throttles registrations per client address.
	registrations *throttle
	// sharedLogins and sharedRegistrations replace throttle and
	// registrations when Config.Throttles is set.
	sharedLogins, sharedRegistrations *sharedThrottle

	// dummyHash is compared against when a login names no user, so that
	// the answer takes as long as for a wrong password and does not tell
	// which usernames exist.
	dummyHashOnce sync.Once
	dummyHash     []byte

	// cache holds the tokens verified in the last Config.TokenCacheTTL.
	cache tokenCache
}

// GenerateSecret returns a new random 32-byte signing key.
func GenerateSecret() []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("auth: reading random bytes: %v", err))
	}
	return b
}

// New returns a Service over store.
func New(store Store, cfg Config) (*Service, error) {
	if len(cfg.Secret) < 32 {
		return nil, errors.New("auth: Config.Secret must be at least 32 bytes")
	}
	if cfg.Issuer == "" {
		cfg.Issuer = "hanok"
	}
	if cfg.Audience == "" {
		cfg.Audience = "hanok"
	}
	if cfg.TokenLifetime <= 0 {
		cfg.TokenLifetime = 24 * time.Hour
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = bcrypt.DefaultCost
	}
	if cfg.BcryptCost < bcrypt.MinCost || cfg.BcryptCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("auth: BcryptCost %d out of range %d..%d", cfg.BcryptCost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	if cfg.LoginAttempts <= 0 {
		cfg.LoginAttempts = 5
	}
	if cfg.LoginInterval <= 0 {
		cfg.LoginInterval = 12 * time.Second
	}
	if cfg.RegisterAttempts <= 0 {
		cfg.RegisterAttempts = 10
	}
	if cfg.RegisterInterval <= 0 {
		cfg.RegisterInterval = 30 * time.Second
	}
	if cfg.TokenCacheTTL == 0 {
		cfg.TokenCacheTTL = 5 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Secret = append([]byte(nil), cfg.Secret...)
	s := &Service{
		store:         store,
		cfg:           cfg,
		throttle:      newThrottle(cfg.LoginAttempts, cfg.LoginInterval),
		registrations: newThrottle(cfg.RegisterAttempts, cfg.RegisterInterval),
	}
	if cfg.Throttles != nil {
		// Both keep their buckets in one store: each prunes only what
		// both would find idle.
		idle := max(refillTime(cfg.LoginAttempts, cfg.LoginInterval), refillTime(cfg.RegisterAttempts, cfg.RegisterInterval))
		s.sharedLogins = newSharedThrottle(cfg.Throttles, cfg.LoginAttempts, cfg.LoginInterval, idle)
		s.sharedRegistrations = newSharedThrottle(cfg.Throttles, cfg.RegisterAttempts, cfg.RegisterInterval, idle)
	}
	return s, nil
}

// Session is a signed-in user with its token.
type Session struct {
	Token     string
	ExpiresAt time.Time
	User      *User
}

// RegisterInput is what Register needs.
type RegisterInput struct {
	Username string
	Password string
	// Email is optional.
	Email string
	// ClientAddr is the client's address, for throttling; may be empty
	// (no throttling), as for a program's own registrations.
	ClientAddr string
}

// Register creates a user and signs it in. Registrations are throttled
// per client address (Config.RegisterAttempts): past the budget the
// answer is hanok.RateLimited with a RetryAfter.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*Session, error) {
	if in.ClientAddr != "" {
		// Input that is refused anyway costs no budget.
		if err := CheckNames(strings.TrimSpace(in.Username), strings.TrimSpace(in.Email)); err != nil {
			return nil, err
		}
		if err := checkPassword(in.Password); err != nil {
			return nil, err
		}
		wait, end, err := s.beginRegistration(ctx, s.cfg.Now(), []string{"r:" + in.ClientAddr})
		if err != nil {
			return nil, err
		}
		if wait > 0 {
			s.cfg.Logger.WarnContext(ctx, "registration throttled", "addr", in.ClientAddr)
			return nil, &hanok.Error{Code: hanok.RateLimited, Message: ErrTooManyRegistrations.Message, RetryAfter: wait}
		}
		// Every registration spends budget, refused or not: its cost is
		// the password hash.
		defer end(true)
	}
	u, err := s.createUser(ctx, in, false)
	if err != nil {
		return nil, err
	}
	return s.issue(u)
}

func (s *Service) createUser(ctx context.Context, in RegisterInput, superuser bool) (*User, error) {
	username, email, err := prepareNames(strings.TrimSpace(in.Username), strings.TrimSpace(in.Email))
	if err != nil {
		return nil, err
	}
	hash, err := s.hash(in.Password)
	if err != nil {
		return nil, err
	}
	u := &User{
		Username:     username,
		Email:        email,
		PasswordHash: hash,
		Superuser:    superuser,
		Created:      s.cfg.Now().UTC(),
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, fmt.Errorf("auth: create user: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "user registered", "user_id", u.ID, "username", u.Username)
	return u, nil
}

// MaxEmailLen is the longest email, in characters.
const MaxEmailLen = 254

// CheckNames checks the username and email of one account (email may be
// empty), as Register does. Both are user text (hanok.CheckText, one
// line); the username must be what PrepareUsername accepts (PRECIS, one
// script or an allowed mix) and the email a ValidEmail. A username may
// contain "@" only when it is the account's own email (compared by
// FoldKey): an email always contains "@", so no other username can be
// mistaken for an email, and every login name with "@" is looked up as
// an email. With the store's rule that no username or email equals
// another account's username or email (CheckUnique), no account can be
// named by another's name.
func CheckNames(username, email string) error {
	_, _, err := prepareNames(username, email)
	return err
}

// prepareNames checks a new account's names as CheckNames says and
// returns them as they are stored: the username in its PRECIS form.
func prepareNames(username, email string) (string, string, error) {
	username, err := prepareUsername(username)
	if err != nil {
		return "", "", err
	}
	if err := checkEmail(email); err != nil {
		return "", "", err
	}
	if err := checkOwnEmail(username, email); err != nil {
		return "", "", err
	}
	return username, email, nil
}

// prepareUsername checks a username as user text, then returns its
// PRECIS form (PrepareUsername).
func prepareUsername(username string) (string, error) {
	if err := hanok.CheckText("username", username, hanok.TextRule{Min: 1, Max: MaxUsernameLen}); err != nil {
		return "", err
	}
	return PrepareUsername(username)
}

// checkEmail checks an email ("" is none).
func checkEmail(email string) error {
	if err := hanok.CheckText("email", email, hanok.TextRule{Max: MaxEmailLen}); err != nil {
		return err
	}
	if email != "" && !ValidEmail(email) {
		return ErrEmailInvalid
	}
	return nil
}

// checkOwnEmail refuses a username with "@" that is not the account's own
// email.
func checkOwnEmail(username, email string) error {
	if strings.Contains(username, "@") && FoldKey(username) != FoldKey(email) {
		return ErrUsernameNotOwnEmail
	}
	return nil
}

// ValidEmail reports whether s looks like an email address: one "@" with a
// non-empty local part and a domain of dot-separated non-empty labels.
func ValidEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || len(s) > MaxEmailLen {
		return false
	}
	if hanok.CheckText("email", s, hanok.TextRule{}) != nil {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if strings.ContainsAny(local, " \t\r\n<>@") {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.ContainsAny(l, " \t\r\n<>@_") {
			return false
		}
	}
	return true
}

func checkPassword(password string) error {
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return hanok.FieldError("password", fmt.Sprintf("must be at least %d characters", MinPasswordLen))
	}
	if len(password) > MaxPasswordBytes {
		return hanok.FieldError("password", fmt.Sprintf("must be at most %d bytes", MaxPasswordBytes))
	}
	return nil
}

func (s *Service) hash(password string) ([]byte, error) {
	if err := checkPassword(password); err != nil {
		return nil, err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.cfg.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("auth: hash password: %w", err)
	}
	return h, nil
}

// LoginInput is what Login needs.
type LoginInput struct {
	// Username is the username, or the email of a user.
	Username string
	Password string
	// ClientAddr is the client's address, for throttling; may be empty.
	ClientAddr string
}

// maxLoginNameBytes bounds what Login accepts as a username or email: the
// longest username (in 4-byte characters) or email.
const maxLoginNameBytes = 4 * MaxUsernameLen

// Login checks a username (or email) and password and issues a token.
//
// Failed attempts are throttled per username and per client address; a
// throttled attempt is hanok.RateLimited even with the right password.
func (s *Service) Login(ctx context.Context, in LoginInput) (*Session, error) {
	name := strings.TrimSpace(in.Username)
	if len(name) > maxLoginNameBytes {
		// No user has so long a name or email; keeping it as a throttle
		// key would let large bodies fill memory.
		return nil, ErrBadCredentials
	}
	// The account's budget is held by the guesses in flight for it; the
	// address's is spent by failures only, so that many people behind one
	// proxy can sign in at once.
	keys := []string{"u:" + FoldKey(name)}
	var addrKeys []string
	if in.ClientAddr != "" {
		addrKeys = []string{"a:" + in.ClientAddr}
	}
	now := s.cfg.Now()
	wait, end, err := s.beginLogin(ctx, now, keys, addrKeys)
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		return nil, s.throttled(ctx, name, in.ClientAddr, wait)
	}
	failed := false
	defer func() { end(failed) }()
	u, err := s.lookup(ctx, name)
	if err != nil && hanok.CodeOf(err) != hanok.NotFound {
		return nil, fmt.Errorf("auth: login: %w", err)
	}
	// A user named by its email, or by a name that folds to its username
	// differently, shares the budget of its username.
	if u != nil {
		if k := "u:" + FoldKey(u.Username); k != keys[0] {
			wait, endUser, err := s.beginLogin(ctx, now, []string{k}, nil)
			if err != nil {
				return nil, err
			}
			if wait > 0 {
				return nil, s.throttled(ctx, name, in.ClientAddr, wait)
			}
			defer func() { endUser(failed) }()
		}
	}
	// A password over bcrypt's 72 bytes is wrong without a comparison,
	// whoever it is for; any other costs one comparison, user or not.
	tooLong := len(in.Password) > MaxPasswordBytes
	if u == nil && !tooLong {
		s.dummyHashOnce.Do(func() {
			s.dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no such user"), s.cfg.BcryptCost)
		})
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(in.Password))
	}
	if u == nil || tooLong || bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(in.Password)) != nil {
		failed = true
		s.cfg.Logger.InfoContext(ctx, "login failed", "username", name, "addr", in.ClientAddr)
		return nil, ErrBadCredentials
	}
	return s.issue(u)
}

// EmailSignIn is what SignInByEmail needs.
type EmailSignIn struct {
	Email    string
	Password string
	// ClientAddr is the client's address, for throttling; may be empty.
	ClientAddr string
}

// SignInByEmail is the one-step sign-in of the calendar: it signs in to
// the account of an email when the password matches, or, when no
// account has that email, registers one whose username is the email and
// signs in to it. created reports which. Two requests for a new email at
// once (a double-tapped button) both succeed: the one that loses the race
// to register signs in to the account the other made.
//
// It is a login like Login (throttled, and hanok.Unauthenticated for a
// wrong password) and a registration like Register (throttled per
// address); its field errors name "email" and "password".
func (s *Service) SignInByEmail(ctx context.Context, in EmailSignIn) (sess *Session, created bool, err error) {
	email := strings.TrimSpace(in.Email)
	switch {
	case email == "":
		return nil, false, hanok.FieldError("email", "is required")
	case len(email) > MaxUsernameLen || !ValidEmail(email):
		return nil, false, ErrEmailInvalid
	case in.Password == "":
		return nil, false, hanok.FieldError("password", "is required")
	}
	_, err = s.store.UserByEmail(ctx, email)
	switch hanok.CodeOf(err) {
	case "":
	case hanok.NotFound:
		sess, err := s.Register(ctx, RegisterInput{Username: email, Email: email, Password: in.Password, ClientAddr: in.ClientAddr})
		if hanok.CodeOf(err) != hanok.Conflict {
			return sess, err == nil, err
		}
		// Another request registered the email between the lookup and
		// the insert: sign in to that account instead.
	default:
		return nil, false, fmt.Errorf("auth: sign in by email: %w", err)
	}
	sess, err = s.Login(ctx, LoginInput{Username: email, Password: in.Password, ClientAddr: in.ClientAddr})
	return sess, false, err
}

func (s *Service) throttled(ctx context.Context, name, addr string, wait time.Duration) error {
	s.cfg.Logger.WarnContext(ctx, "login throttled", "username", name, "addr", addr)
	return &hanok.Error{Code: hanok.RateLimited, Message: ErrTooManyLogins.Message, RetryAfter: wait}
}

// lookup finds the user a login names. A name with "@" is an email (no
// username has "@" unless it is its own account's email, see CheckNames)
// and is looked up as one only, so that no account can sign in as, or
// shadow, the owner of an email. A username with "@" stored before that
// rule (an account with no email, or another one) still signs in when
// no account has that email and it has no other email of its own.
func (s *Service) lookup(ctx context.Context, name string) (*User, error) {
	if name == "" {
		return nil, ErrUserNotFound
	}
	if !strings.Contains(name, "@") {
		return s.store.UserByUsername(ctx, name)
	}
	u, err := s.store.UserByEmail(ctx, name)
	if hanok.CodeOf(err) != hanok.NotFound {
		return u, err
	}
	u, err = s.store.UserByUsername(ctx, name)
	if err == nil && u.Email != "" {
		return nil, ErrUserNotFound
	}
	return u, err
}

// VerifyPassword reports whether password is the password of user id,
// without issuing a token and without throttling.
func (s *Service) VerifyPassword(ctx context.Context, id hanok.UserID, password string) (bool, error) {
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return false, fmt.Errorf("auth: verify password: %w", err)
	}
	// bcrypt would compare the first 72 bytes only.
	if len(password) > MaxPasswordBytes {
		return false, nil
	}
	return bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) == nil, nil
}

type claims struct {
	jwt.RegisteredClaims
	// PasswordStamp ties the token to the password it was issued under
	// (see passwordStamp): a new password ends every older token.
	PasswordStamp string `json:"pst"`
}

// passwordStamp is a keyed digest of a user's password hash. It reveals
// nothing of the hash without the signing secret, and changes whenever the
// password does.
func (s *Service) passwordStamp(u *User) string {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte("password-stamp:"))
	m.Write(u.PasswordHash)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

func (s *Service) issue(u *User) (*Session, error) {
	now := s.cfg.Now()
	exp := now.Add(s.cfg.TokenLifetime)
	c := claims{RegisteredClaims: jwt.RegisteredClaims{
		ID:        uuid.NewString(),
		Subject:   strconv.FormatInt(int64(u.ID), 10),
		Issuer:    s.cfg.Issuer,
		Audience:  jwt.ClaimStrings{s.cfg.Audience},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
	}, PasswordStamp: s.passwordStamp(u)}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.cfg.Secret)
	if err != nil {
		return nil, fmt.Errorf("auth: sign token: %w", err)
	}
	return &Session{Token: tok, ExpiresAt: c.ExpiresAt.Time, User: u}, nil
}

// parse verifies the token's signature, algorithm, issuer, audience and
// expiry, and returns its claims. It does not check revocation.
func (s *Service) parse(token string) (*claims, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c,
		func(*jwt.Token) (any, error) { return s.cfg.Secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(s.cfg.Issuer),
		jwt.WithAudience(s.cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(s.cfg.Now),
	)
	if err != nil {
		return nil, &hanok.Error{Code: hanok.Unauthenticated, Message: ErrBadToken.Message, Err: err}
	}
	if c.ID == "" || c.Subject == "" || !numericTimes(token) {
		return nil, ErrBadToken
	}
	return &c, nil
}

// numericTimes reports whether the time claims of a token that parsed
// (exp, iat, nbf) are JSON numbers, as RFC 7519 requires: the jwt package
// also reads a string of digits as a date.
func numericTimes(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(payload, &raw); err != nil {
		return false
	}
	for _, k := range []string{"exp", "iat", "nbf"} {
		v, ok := raw[k]
		if !ok {
			continue
		}
		var n json.Number
		if len(v) == 0 || v[0] == '"' || json.Unmarshal(v, &n) != nil {
			return false
		}
	}
	return true
}

// Authenticate verifies token and returns its user. A token that is
// forged, expired, revoked, or whose user no longer exists is
// hanok.Unauthenticated. A token verified in the last
// Config.TokenCacheTTL is answered from memory, without the store.
func (s *Service) Authenticate(ctx context.Context, token string) (*User, error) {
	ttl := s.cfg.TokenCacheTTL
	if ttl <= 0 {
		u, _, err := s.authenticate(ctx, token)
		return u, err
	}
	now := s.cfg.Now()
	// The count is read before the verification, so an entry is never
	// newer than the count it carries: a write after the read makes the
	// next request verify again.
	var changes int64
	if cc, ok := s.store.(ChangeCounter); ok {
		n, err := cc.AuthChanges(ctx)
		if err != nil {
			return nil, fmt.Errorf("auth: authenticate: %w", err)
		}
		changes = n
	}
	if u, ok := s.cache.get(token, now, ttl, changes); ok {
		return u, nil
	}
	gen := s.cache.generation()
	u, c, err := s.authenticate(ctx, token)
	if err != nil {
		return nil, err
	}
	e := &cachedToken{user: u, jti: c.ID, expires: c.ExpiresAt.Time, checked: now, changes: changes}
	if c.IssuedAt != nil {
		e.issued = c.IssuedAt.Time
	}
	if c.NotBefore != nil {
		e.notBefore = c.NotBefore.Time
	}
	s.cache.put(token, gen, e)
	return u, nil
}

// AuthenticateActor is Authenticate for the HTTP adapters
// (httpx.Authenticator): the actor of token's user.
func (s *Service) AuthenticateActor(ctx context.Context, token string) (hanok.Actor, error) {
	u, err := s.Authenticate(ctx, token)
	if err != nil {
		return hanok.Actor{}, err
	}
	return u.Actor(), nil
}

func (s *Service) authenticate(ctx context.Context, token string) (*User, *claims, error) {
	c, err := s.parse(token)
	if err != nil {
		return nil, nil, err
	}
	revoked, err := s.store.IsRevoked(ctx, c.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: check revocation: %w", err)
	}
	if revoked {
		return nil, nil, ErrTokenRevoked
	}
	id, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil {
		return nil, nil, ErrBadToken
	}
	u, err := s.store.UserByID(ctx, hanok.UserID(id))
	if hanok.CodeOf(err) == hanok.NotFound {
		return nil, nil, ErrBadToken
	}
	if err != nil {
		return nil, nil, fmt.Errorf("auth: load user: %w", err)
	}
	if !hmac.Equal([]byte(c.PasswordStamp), []byte(s.passwordStamp(u))) {
		return nil, nil, ErrTokenBeforePassword
	}
	return u, c, nil
}

// Logout revokes token until it would have expired. A token that is
// already invalid is hanok.Unauthenticated.
func (s *Service) Logout(ctx context.Context, token string) error {
	_, c, err := s.authenticate(ctx, token)
	if err != nil {
		return err
	}
	if err := s.store.RevokeToken(ctx, c.ID, c.ExpiresAt.Time); err != nil {
		return fmt.Errorf("auth: revoke token: %w", err)
	}
	s.cache.drop(func(e *cachedToken) bool { return e.jti == c.ID })
	// Revocations are only needed until the token would have expired.
	if _, err := s.store.PruneRevocations(ctx, s.cfg.Now()); err != nil {
		s.cfg.Logger.WarnContext(ctx, "pruning revocations failed", "err", err)
	}
	return nil
}

// User returns the user with that id.
func (s *Service) User(ctx context.Context, id hanok.UserID) (*User, error) {
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("auth: user %d: %w", id, err)
	}
	return u, nil
}

// UserByEmail returns the user with that email.
func (s *Service) UserByEmail(ctx context.Context, email string) (*User, error) {
	u, err := s.store.UserByEmail(ctx, strings.TrimSpace(email))
	if err != nil {
		return nil, fmt.Errorf("auth: user by email: %w", err)
	}
	return u, nil
}

// ProfileInput is what UpdateProfile changes: the fields that are not nil.
type ProfileInput struct {
	Username *string
	Email    *string
}

// UpdateProfile changes the username or email of the actor's own account,
// under the rules of registration (CheckNames; neither may be another
// account's username or email).
func (s *Service) UpdateProfile(ctx context.Context, actor hanok.Actor, in ProfileInput) (*User, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	u, err := s.store.UserByID(ctx, actor.ID)
	if err != nil {
		return nil, fmt.Errorf("auth: update profile: %w", err)
	}
	// The rules apply to the names being set: an account whose stored
	// name predates a rule can still change its other name.
	if in.Username != nil {
		if u.Username, err = prepareUsername(strings.TrimSpace(*in.Username)); err != nil {
			return nil, err
		}
	}
	if in.Email != nil {
		u.Email = strings.TrimSpace(*in.Email)
		if err := checkEmail(u.Email); err != nil {
			return nil, err
		}
	}
	if err := checkOwnEmail(u.Username, u.Email); err != nil {
		return nil, err
	}
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, fmt.Errorf("auth: update profile: %w", err)
	}
	s.cache.dropUser(u.ID)
	return u, nil
}

// SetSuperuser grants or withdraws the superuser flag.
func (s *Service) SetSuperuser(ctx context.Context, id hanok.UserID, superuser bool) error {
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return fmt.Errorf("auth: set superuser: %w", err)
	}
	u.Superuser = superuser
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("auth: set superuser: %w", err)
	}
	s.cache.dropUser(u.ID)
	return nil
}

// EnsureSuperuser creates the user username with password as a superuser,
// or, if it exists, sets its password and makes it a superuser.
func (s *Service) EnsureSuperuser(ctx context.Context, username, password string) (*User, error) {
	u, err := s.store.UserByUsername(ctx, strings.TrimSpace(username))
	switch {
	case hanok.CodeOf(err) == hanok.NotFound:
		u, err = s.createUser(ctx, RegisterInput{Username: username, Password: password}, true)
		if err != nil {
			return nil, err
		}
		return u, nil
	case err != nil:
		return nil, fmt.Errorf("auth: ensure superuser: %w", err)
	}
	// The same password is kept as it is, so that restarting with the same
	// setting does not end the superuser's sessions; a new one ends every
	// token issued under the old (whoever held the account before).
	if len(password) > MaxPasswordBytes || bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) != nil {
		hash, err := s.hash(password)
		if err != nil {
			return nil, err
		}
		u.PasswordHash = hash
	} else if u.Superuser {
		return u, nil
	}
	u.Superuser = true
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, fmt.Errorf("auth: ensure superuser: %w", err)
	}
	s.cache.dropUser(u.ID)
	return u, nil
}
