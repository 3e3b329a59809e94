package httpx

import (
	"context"
	"net/http"
	"strings"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
)

// ErrNoToken is the error of a request that carries no token at all, as
// opposed to one with a bad token.
var ErrNoToken = &hanok.Error{Code: hanok.Unauthenticated, Message: "authentication credentials were not provided"}

// Token returns the token of r: the value of the header named header, if
// header is not empty and the request has it, otherwise the credentials of
// "Authorization: Bearer <t>" or "Authorization: JWT <t>" (the scheme
// case-insensitive). It returns "" when there is none.
func Token(r *http.Request, header string) string {
	if header != "" {
		if t := strings.TrimSpace(r.Header.Get(header)); t != "" {
			return t
		}
	}
	scheme, cred, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok {
		return ""
	}
	if strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "JWT") {
		return strings.TrimSpace(cred)
	}
	return ""
}

type ctxKey int

const (
	userKey ctxKey = iota
	tokenKey
)

// WithUser returns ctx carrying the authenticated user and its token.
func WithUser(ctx context.Context, u *auth.User, token string) context.Context {
	ctx = context.WithValue(ctx, userKey, u)
	return context.WithValue(ctx, tokenKey, token)
}

// UserFrom returns the authenticated user of ctx.
func UserFrom(ctx context.Context) (*auth.User, bool) {
	u, ok := ctx.Value(userKey).(*auth.User)
	return u, ok && u != nil
}

// TokenFrom returns the token the user of ctx authenticated with.
func TokenFrom(ctx context.Context) string {
	t, _ := ctx.Value(tokenKey).(string)
	return t
}
