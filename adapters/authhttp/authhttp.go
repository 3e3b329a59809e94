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
	"log/slog"
	"net/http"
	"time"

	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
)

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
	mux := http.NewServeMux()
	requireUser := httpx.RequireUser(authn, httpx.AuthOptions{OnError: h.error})
	mux.HandleFunc("POST /register", h.register)
	mux.HandleFunc("POST /login", h.login)
	mux.Handle("POST /logout", requireUser(http.HandlerFunc(h.logout)))
	mux.Handle("GET /me", requireUser(http.HandlerFunc(h.me)))
	return mux
}

// User is the JSON form of a user.
type User struct {
	ID        auth.UserID `json:"id"`
	Username  string      `json:"username"`
	Email     string      `json:"email"`
	Superuser bool        `json:"superuser"`
	Created   time.Time   `json:"created"`
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

func (h *handler) error(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(w, r, h.logger, err)
}

func (h *handler) register(w http.ResponseWriter, r *http.Request) {
	in, err := httpx.DecodeJSON[struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Email    string `json:"email"`
	}](w, r, 0)
	if err != nil {
		h.error(w, r, err)
		return
	}
	s, err := h.authn.Register(r.Context(), auth.RegisterInput{Username: in.Username, Password: in.Password, Email: in.Email, ClientAddr: httpx.ClientAddr(r)})
	if err != nil {
		h.error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, SessionResponse{Token: s.Token, ExpiresAt: s.ExpiresAt, User: userJSON(s.User)})
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	in, err := httpx.DecodeJSON[struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}](w, r, 0)
	if err != nil {
		h.error(w, r, err)
		return
	}
	s, err := h.authn.Login(r.Context(), auth.LoginInput{Username: in.Username, Password: in.Password, ClientAddr: httpx.ClientAddr(r)})
	if err != nil {
		h.error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, SessionResponse{Token: s.Token, ExpiresAt: s.ExpiresAt, User: userJSON(s.User)})
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	if err := h.authn.Logout(r.Context(), httpx.TokenFrom(r.Context())); err != nil {
		h.error(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"detail": "logged out"})
}

func (h *handler) me(w http.ResponseWriter, r *http.Request) {
	u, _ := httpx.UserFrom(r.Context())
	httpx.WriteJSON(w, http.StatusOK, map[string]User{"user": userJSON(u)})
}
