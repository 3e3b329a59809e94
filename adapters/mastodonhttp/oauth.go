package mastodonhttp

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
)

// POST /api/v1/apps: client_name, redirect_uris, scopes, website.
func (h *handler) createApp(w http.ResponseWriter, r *http.Request) error {
	p, err := params(w, r)
	if err != nil {
		return err
	}
	uris := strings.Join(p["redirect_uris"], " ")
	a, secret, err := h.oauth.RegisterApp(r.Context(), auth.AppInput{
		Name: p.Get("client_name"), RedirectURIs: uris, Scopes: p.Get("scopes"), Website: p.Get("website"),
		ClientAddr: httpx.ClientAddr(r),
	})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, applicationOf(a, secret))
	return nil
}

// GET /api/v1/apps/verify_credentials: the app of the token.
func (h *handler) verifyApp(w http.ResponseWriter, r *http.Request) error {
	acc, err := h.access(r)
	if err != nil {
		return err
	}
	if acc == nil {
		return errNoToken
	}
	if acc.App == nil {
		// A token of hanok's own login: no app.
		return &hanok.Error{Code: hanok.NotFound, Message: "This token belongs to no application"}
	}
	a := applicationOf(acc.App, "")
	a.ClientID = ""
	httpx.WriteJSON(w, http.StatusOK, a)
	return nil
}

// tokenOf is the token answer of t.
func tokenOf(t *auth.Token) Token {
	return Token{
		AccessToken: t.AccessToken,
		TokenType:   "Bearer",
		Scope:       auth.JoinScopes(t.Scopes),
		CreatedAt:   t.Created.Unix(),
		ExpiresIn:   int64(t.Expires.Sub(t.Created).Seconds()),
	}
}

// clientCredentials are the client id and secret of a token request:
// HTTP Basic authentication (RFC 6749 2.3.1) or the body's.
func clientCredentials(r *http.Request, p url.Values) (id, secret string) {
	if id, secret, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		return id, secret
	}
	return p.Get("client_id"), p.Get("client_secret")
}

// POST /oauth/token.
func (h *handler) token(w http.ResponseWriter, r *http.Request) error {
	p, err := params(w, r)
	if err != nil {
		return err
	}
	id, secret := clientCredentials(r, p)
	ctx := r.Context()
	var t *auth.Token
	switch p.Get("grant_type") {
	case "password":
		t, err = h.oauth.PasswordToken(ctx, auth.PasswordGrant{
			ClientID: id, ClientSecret: secret, Username: p.Get("username"), Password: p.Get("password"),
			Scope: p.Get("scope"), ClientAddr: httpx.ClientAddr(r),
		})
	case "authorization_code":
		t, err = h.oauth.CodeToken(ctx, auth.CodeGrant{
			ClientID: id, ClientSecret: secret, Code: p.Get("code"), RedirectURI: p.Get("redirect_uri"), CodeVerifier: p.Get("code_verifier"),
		})
	case "client_credentials":
		t, err = h.oauth.ClientToken(ctx, id, secret, p.Get("scope"))
	case "":
		return auth.ErrInvalidRequest
	default:
		return auth.ErrUnsupportedGrantType
	}
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	httpx.WriteJSON(w, http.StatusOK, tokenOf(t))
	return nil
}

// POST /oauth/revoke: client_id, client_secret, token.
func (h *handler) revoke(w http.ResponseWriter, r *http.Request) error {
	p, err := params(w, r)
	if err != nil {
		return err
	}
	id, secret := clientCredentials(r, p)
	if p.Get("token") == "" {
		return auth.ErrInvalidRequest
	}
	if err := h.oauth.Revoke(r.Context(), id, secret, p.Get("token")); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{})
	return nil
}

// authorizeRequest reads an authorization request from p.
func authorizeRequest(p url.Values) auth.AuthorizeRequest {
	return auth.AuthorizeRequest{
		ClientID: p.Get("client_id"), RedirectURI: p.Get("redirect_uri"), ResponseType: p.Get("response_type"),
		Scope: p.Get("scope"), CodeChallenge: p.Get("code_challenge"), CodeChallengeMethod: p.Get("code_challenge_method"),
	}
}

// pageData is what the authorization page shows.
type pageData struct {
	Title string
	// Error is a message to show above the form (or alone, when Form
	// is false).
	Error string
	Form  bool
	App   string
	// Scopes are the scopes asked for.
	Scopes []string
	// Fields are the request's parameters, sent again with the form.
	Fields   map[string]string
	Username string
	// Code is the authorization code shown to an app without a redirect.
	Code string
	// redirect is where the form's answer may send the browser (the
	// app's redirect URI), for the page's Content-Security-Policy.
	redirect string
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password]{width:100%;padding:.4rem;box-sizing:border-box}
.error{color:#a00}code{font-size:1.1rem;word-break:break-all;background:#eee;padding:.3rem}button{margin:1rem .5rem 0 0;padding:.4rem 1rem}</style>
</head><body>
<h1>{{.Title}}</h1>
{{if .Error}}<p class="error" id="error" role="alert">{{.Error}}</p>{{end}}
{{if .Code}}<p>Copy this authorization code and paste it into the application.</p>
<p><code id="code">{{.Code}}</code></p>{{end}}
{{if .Form}}<p><strong id="app">{{.App}}</strong> would like to use your account, with these permissions:</p>
<ul id="scopes">{{range .Scopes}}<li>{{.}}</li>{{end}}</ul>
<form method="post" action="/oauth/authorize">
{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{$v}}">
{{end}}<label for="username">Username or email</label>
<input type="text" id="username" name="username" value="{{.Username}}" autocomplete="username" required>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" id="authorize" name="decision" value="authorize">Authorize</button>
<button type="submit" id="deny" name="decision" value="deny" formnovalidate>Deny</button>
</form>{{end}}
</body></html>
`))

// authorizeFields are the parameters of an authorization request that the
// page's form sends back.
var authorizeFields = []string{"client_id", "redirect_uri", "response_type", "scope", "code_challenge", "code_challenge_method", "state"}

// formTarget is the CSP source of a redirect URI, so that the browser
// follows the form's redirect to the app (a browser applies form-action
// to it): the origin of an http(s) URI, the scheme of an app's own. The
// out-of-band URI and anything unreadable give nothing.
func formTarget(redirect string) string {
	if redirect == "" || redirect == auth.OOBRedirect {
		return ""
	}
	u, err := url.Parse(redirect)
	if err != nil || u.Scheme == "" || strings.ContainsAny(u.Scheme+u.Host, " ;,'\"") {
		return ""
	}
	if (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return " " + u.Scheme + "://" + u.Host
	}
	return " " + u.Scheme + ":"
}

func (h *handler) page(w http.ResponseWriter, status int, d pageData) error {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"+formTarget(d.redirect)+"; frame-ancestors 'none'")
	hd.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	return pageTemplate.Execute(w, d)
}

// GET /oauth/authorize: the login and consent page of an authorization
// request.
func (h *handler) authorizePage(w http.ResponseWriter, r *http.Request) error {
	p := r.URL.Query()
	az, err := h.oauth.CheckAuthorize(r.Context(), authorizeRequest(p))
	if err != nil {
		return h.page(w, httpx.Status(hanok.CodeOf(err)), pageData{Title: "Authorization failed", Error: hanok.MessageOf(err)})
	}
	return h.page(w, http.StatusOK, formData(az, p, "", ""))
}

func formData(az *auth.Authorization, p url.Values, username, message string) pageData {
	fields := map[string]string{}
	for _, k := range authorizeFields {
		if v := p.Get(k); v != "" {
			fields[k] = v
		}
	}
	fields["redirect_uri"] = az.RedirectURI
	return pageData{Title: "Authorize " + az.App.Name, Form: true, App: az.App.Name, Scopes: az.Scopes, Fields: fields, Username: username, Error: message, redirect: az.RedirectURI}
}

// POST /oauth/authorize: the page's form. Approved with the right
// password, it sends the code to the redirect URI (with state), or shows
// it for OOBRedirect; denied, it sends error=access_denied.
func (h *handler) authorize(w http.ResponseWriter, r *http.Request) error {
	p, err := params(w, r)
	if err != nil {
		return h.page(w, http.StatusBadRequest, pageData{Title: "Authorization failed", Error: hanok.MessageOf(err)})
	}
	req := authorizeRequest(p)
	az, err := h.oauth.CheckAuthorize(r.Context(), req)
	if err != nil {
		return h.page(w, httpx.Status(hanok.CodeOf(err)), pageData{Title: "Authorization failed", Error: hanok.MessageOf(err)})
	}
	if p.Get("decision") == "deny" {
		if az.RedirectURI == auth.OOBRedirect {
			return h.page(w, http.StatusOK, pageData{Title: "Authorization denied", Error: "You denied " + az.App.Name + " access to your account."})
		}
		return redirect(w, r, az.RedirectURI, url.Values{"error": {"access_denied"}, "error_description": {"The resource owner denied the request."}}, p.Get("state"))
	}
	code, _, err := h.oauth.Authorize(r.Context(), auth.Approve{
		Request: req, Username: p.Get("username"), Password: p.Get("password"), ClientAddr: httpx.ClientAddr(r),
	})
	if err != nil {
		status := httpx.Status(hanok.CodeOf(err))
		if status >= 500 {
			return err
		}
		if d := hanok.RetryAfterOf(err); d > 0 {
			httpx.Report(w, r, h.logger, err)
		}
		return h.page(w, status, formData(az, p, p.Get("username"), hanok.MessageOf(err)))
	}
	if az.RedirectURI == auth.OOBRedirect {
		return h.page(w, http.StatusOK, pageData{Title: "Authorization code", Code: code})
	}
	return redirect(w, r, az.RedirectURI, url.Values{"code": {code}}, p.Get("state"))
}

// redirect sends the browser to the app's redirect URI with q (and state)
// added to its query.
func redirect(w http.ResponseWriter, r *http.Request, to string, q url.Values, state string) error {
	u, err := url.Parse(to)
	if err != nil {
		return auth.ErrInvalidRedirectURI
	}
	query := u.Query()
	for k, v := range q {
		query[k] = v
	}
	if state != "" {
		query.Set("state", state)
	}
	u.RawQuery = query.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusFound)
	return nil
}
