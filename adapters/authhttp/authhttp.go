// Package authhttp is the HTTP adapter of auth: registration, login,
// logout and "who am I", in JSON.
//
//	POST /register {username, password, email?} -> 201 {token, user}
//	POST /login    {username, password}         -> 200 {token, user}
//	POST /logout                                 -> 200
//	GET  /me                                     -> 200 {user}
//
// Tokens are read from "Authorization: Bearer <t>" (or "JWT <t>").
package authhttp

import (
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
)

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the adapter's OpenAPI document, its paths relative to
// where the adapter is mounted.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// Option configures NewHandler.
type Option func(*handler)

// WithLogger sets the logger of internal errors.
func WithLogger(l *slog.Logger) Option { return func(h *handler) { h.logger = l } }

type handler struct {
	authn  *auth.Service
	logger *slog.Logger
}

// NewHandler returns the adapter's handler.
func NewHandler(authn *auth.Service, opts ...Option) http.Handler {
	h := &handler{authn: authn, logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(h)
	}
	rt := httpx.NewRouter(h.error, authn, "")
	rt.Public("POST /register", h.register)
	rt.Public("POST /login", h.login)
	rt.User("POST /logout", h.logout)
	rt.User("GET /me", h.me)
	rt.Public("GET /openapi.json", httpx.ServeOpenAPI(openAPI))
	return rt
}

// User is the JSON form of a user.
type User struct {
	ID        hanok.UserID `json:"id"`
	Username  string       `json:"username"`
	Email     string       `json:"email"`
	Superuser bool         `json:"superuser"`
	Created   time.Time    `json:"created"`
}

func userJSON(u *auth.User) User {
	return User{ID: u.ID, Username: u.Username, Email: u.Email, Superuser: u.Superuser, Created: u.Created}
}

// SessionResponse is the body of a successful register or login.
type SessionResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      User      `json:"user"`
}

// error is the adapter's one renderer: httpx's generic error body.
func (h *handler) error(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(w, r, h.logger, err)
}

func (h *handler) register(w http.ResponseWriter, r *http.Request) error {
	in, err := httpx.DecodeJSON[struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Email    string `json:"email"`
	}](w, r, 0)
	if err != nil {
		return err
	}
	s, err := h.authn.Register(r.Context(), auth.RegisterInput{Username: in.Username, Password: in.Password, Email: in.Email, ClientAddr: httpx.ClientAddr(r)})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, SessionResponse{Token: s.Token, ExpiresAt: s.ExpiresAt, User: userJSON(s.User)})
	return nil
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) error {
	in, err := httpx.DecodeJSON[struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}](w, r, 0)
	if err != nil {
		return err
	}
	s, err := h.authn.Login(r.Context(), auth.LoginInput{Username: in.Username, Password: in.Password, ClientAddr: httpx.ClientAddr(r)})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, SessionResponse{Token: s.Token, ExpiresAt: s.ExpiresAt, User: userJSON(s.User)})
	return nil
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request, _ hanok.Actor) error {
	if err := h.authn.Logout(r.Context(), httpx.TokenFrom(r.Context())); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"detail": "logged out"})
	return nil
}

func (h *handler) me(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	u, err := h.authn.User(r.Context(), actor.ID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]User{"user": userJSON(u)})
	return nil
}
