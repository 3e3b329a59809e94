package httpx

import (
	"context"
	"net/http"
	"strings"

	"github.com/hanok-dev/hanok"
)

// Authenticator is what a Router needs of the accounts: the actor a token
// names. *auth.Service is one; httpx itself imports no domain.
type Authenticator interface {
	// AuthenticateActor returns the actor of token, or an error
	// (hanok.Unauthenticated for a token that is not valid).
	AuthenticateActor(ctx context.Context, token string) (hanok.Actor, error)
}

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
	actorKey ctxKey = iota
	tokenKey
)

// WithActor returns ctx carrying the authenticated actor and its token.
func WithActor(ctx context.Context, a hanok.Actor, token string) context.Context {
	ctx = context.WithValue(ctx, actorKey, a)
	return context.WithValue(ctx, tokenKey, token)
}

// ActorFrom returns the authenticated actor of ctx.
func ActorFrom(ctx context.Context) (hanok.Actor, bool) {
	a, ok := ctx.Value(actorKey).(hanok.Actor)
	return a, ok && a.Check() == nil
}

// TokenFrom returns the token the user of ctx authenticated with.
func TokenFrom(ctx context.Context) string {
	t, _ := ctx.Value(tokenKey).(string)
	return t
}
