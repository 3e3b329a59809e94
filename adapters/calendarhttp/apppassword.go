package calendarhttp

import (
	"net/http"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
)

// AppPassword is the JSON form of an app password. Password is set only
// in the answer that creates it, the one time it is shown; Username and
// DAV, also only then, are what a calendar app asks for with it.
type AppPassword struct {
	ID       auth.AppPasswordID `json:"id"`
	Name     string             `json:"name"`
	Created  string             `json:"created"`
	LastUsed *string            `json:"last_used"`
	Password string             `json:"password,omitempty"`
	Username string             `json:"username,omitempty"`
	DAV      string             `json:"dav_url,omitempty"`
}

func appPasswordJSON(p auth.AppPassword) AppPassword {
	return AppPassword{ID: p.ID, Name: p.Name, Created: p.Created.Format(seedTime), LastUsed: optTime(p.LastUsed)}
}

func (h *handler) appPasswords(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	ps, err := h.authn.AppPasswords(r.Context(), actor)
	if err != nil {
		return err
	}
	out := make([]AppPassword, len(ps))
	for i, p := range ps {
		out[i] = appPasswordJSON(p)
	}
	ok(w, out)
	return nil
}

func (h *handler) createAppPassword(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	in, err := httpx.DecodeJSON[struct {
		Name string `json:"name"`
	}](w, r, maxBody)
	if err != nil {
		return err
	}
	p, password, err := h.authn.CreateAppPassword(r.Context(), actor, in.Name)
	if err != nil {
		return err
	}
	out := appPasswordJSON(*p)
	out.Password = password
	out.Username = actor.Email
	if out.Username == "" {
		out.Username = actor.Username
	}
	scheme, rest := absolute(r, davPath+"/")
	out.DAV = scheme + rest
	ok(w, out)
	return nil
}

func (h *handler) revokeAppPassword(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	id, err := httpx.PathID(r, "id", "app password")
	if err != nil {
		return err
	}
	if err := h.authn.RevokeAppPassword(r.Context(), actor, auth.AppPasswordID(id)); err != nil {
		return err
	}
	ok(w, nil)
	return nil
}
