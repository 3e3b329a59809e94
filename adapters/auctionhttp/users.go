package auctionhttp

import (
	"mime"
	"net/http"
	"reflect"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
)

// maxFormBody limits the bodies of the user routes.
const maxFormBody = 64 << 10

// decodeFields decodes a JSON object, or a url-encoded or multipart form,
// into T, a struct of string fields tagged with their JSON names.
func decodeFields[T any](w http.ResponseWriter, r *http.Request) (T, error) {
	var v T
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" && ct != "multipart/form-data" {
		return httpx.DecodeJSON[T](w, r, maxFormBody)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	// ParseMultipartForm drops the error of a url-encoded body (it only
	// reports that the body is not multipart), so each kind is parsed by
	// its own method.
	parse := r.ParseForm
	if ct == "multipart/form-data" {
		parse = func() error { return r.ParseMultipartForm(maxFormBody) }
	}
	if err := parse(); err != nil {
		return v, httpx.BodyError(err, maxFormBody, "malformed form body")
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	rv := reflect.ValueOf(&v).Elem()
	for i := range rv.NumField() {
		if name := rv.Type().Field(i).Tag.Get("json"); name != "" && rv.Field(i).Kind() == reflect.String {
			rv.Field(i).SetString(r.PostFormValue(name))
		}
	}
	return v, nil
}

// User is the seed's user body.
type User struct {
	PK        hanok.UserID `json:"pk"`
	Username  string       `json:"username"`
	Email     string       `json:"email"`
	FirstName string       `json:"first_name"`
	LastName  string       `json:"last_name"`
}

// Session is the body of a registration or login.
type Session struct {
	Token string `json:"token"`
	User  User   `json:"user"`
}

func sessionBody(s *auth.Session) Session {
	return Session{Token: s.Token, User: User{PK: s.User.ID, Username: s.User.Username, Email: s.User.Email}}
}

func (h *handler) register(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeFields[struct {
		Username  string `json:"username"`
		Password1 string `json:"password1"`
		Password2 string `json:"password2"`
		Email     string `json:"email"`
	}](w, r)
	if err != nil {
		return err
	}
	if in.Password1 != in.Password2 {
		return hanok.FieldError("password2", "The two password fields didn't match.")
	}
	s, err := h.authn.Register(r.Context(), auth.RegisterInput{Username: in.Username, Password: in.Password1, Email: in.Email, ClientAddr: httpx.ClientAddr(r)})
	if err != nil {
		err = httpx.RenameField(err, "password", "password1")
		if hanok.IsCode(err, hanok.Conflict) && len(hanok.FieldsOf(err)) > 0 {
			// A taken username or email is a field error of the form.
			err = &hanok.Error{Code: hanok.Invalid, Message: hanok.MessageOf(err), Fields: hanok.FieldsOf(err), Err: err}
		}
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, sessionBody(s))
	return nil
}

// loginFailed is the answer to wrong credentials, as django-rest-auth gave
// it: 400 {"non_field_errors": ["Unable to log in with provided credentials."]}.
const loginFailed = "Unable to log in with provided credentials."

// errLoginFailed is loginFailed as an error of the form, which render
// writes as the seed's body.
var errLoginFailed = &hanok.Error{Code: hanok.Invalid, Message: loginFailed, Fields: map[string]string{"non_field_errors": loginFailed}}

func (h *handler) login(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeFields[struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}](w, r)
	if err != nil {
		return err
	}
	s, err := h.authn.Login(r.Context(), auth.LoginInput{Username: in.Username, Password: in.Password, ClientAddr: httpx.ClientAddr(r)})
	if hanok.IsCode(err, hanok.Unauthenticated) {
		return &hanok.Error{Code: errLoginFailed.Code, Message: errLoginFailed.Message, Fields: errLoginFailed.Fields, Err: err}
	}
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, sessionBody(s))
	return nil
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	if err := h.authn.Logout(r.Context(), httpx.TokenFrom(r.Context())); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, Detail{Detail: "로그아웃되었습니다."})
	return nil
}
