package mastodonhttp

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
)

// params reads a request's parameters as Mastodon's clients send them: the
// query, and a body of JSON (an object of strings, numbers, booleans,
// nulls and arrays of those), a form, or a multipart form. Body values
// come after the query's.
func params(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	v := r.URL.Query()
	if r.Body == nil || r.ContentLength == 0 {
		return v, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		body, err := httpx.ReadBody(w, r, maxBody)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(body)) == 0 {
			return v, nil
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return nil, hanok.Errorf(hanok.Invalid, "the body is not a JSON object")
		}
		for k, raw := range obj {
			if err := addJSON(v, strings.TrimSuffix(k, "[]"), raw, true); err != nil {
				return nil, err
			}
		}
		return v, nil
	case "application/x-www-form-urlencoded":
		body, err := httpx.ReadBody(w, r, maxBody)
		if err != nil {
			return nil, err
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, hanok.Errorf(hanok.Invalid, "the form cannot be read")
		}
		addForm(v, form)
		return v, nil
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return nil, httpx.BodyError(err, maxBody, "the form cannot be read")
		}
		addForm(v, r.MultipartForm.Value)
		return v, nil
	case "":
		return v, nil
	default:
		return nil, &apiError{status: http.StatusUnsupportedMediaType, err: hanok.Errorf(hanok.Invalid, "unsupported content type %q", ct)}
	}
}

// addJSON adds a JSON value under key: a string as it is, a number or a
// boolean as its text, each element of an array (at the top only), null
// as nothing.
func addJSON(v url.Values, key string, raw json.RawMessage, top bool) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return hanok.FieldError(key, "is not a string")
		}
		v.Add(key, s)
	case '[':
		var items []json.RawMessage
		if !top || json.Unmarshal(raw, &items) != nil {
			return hanok.FieldError(key, "is not a list of values")
		}
		for _, it := range items {
			if err := addJSON(v, key, it, false); err != nil {
				return err
			}
		}
	case '{':
		return hanok.FieldError(key, "must not be an object")
	default:
		if string(raw) == "true" || string(raw) == "false" {
			v.Add(key, string(raw))
			return nil
		}
		if _, err := strconv.ParseFloat(string(raw), 64); err != nil {
			return hanok.FieldError(key, "is not a value")
		}
		v.Add(key, string(raw))
	}
	return nil
}

// addForm adds a form's values, a "key[]" under key.
func addForm(v url.Values, form map[string][]string) {
	for k, vals := range form {
		for _, s := range vals {
			v.Add(strings.TrimSuffix(k, "[]"), s)
		}
	}
}
