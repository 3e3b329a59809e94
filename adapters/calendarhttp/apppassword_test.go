package calendarhttp_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/calendarhttp"
)

func TestAppPasswords(t *testing.T) {
	e := newEnv(t)
	tok := e.user("park@jungi.me")
	other := e.user("kim@jungi.me")

	e.do("GET", "/api/v1/app-passwords/", "", "").want(t, 40101)
	var list []calendarhttp.AppPassword
	e.do("GET", "/api/v1/app-passwords/", tok, "").want(t, 20000).into(t, &list)
	assert.Empty(t, list)

	e.do("POST", "/api/v1/app-passwords/", tok, `{"name": "  "}`).want(t, 40001, "name")
	e.do("POST", "/api/v1/app-passwords/", tok, `{"name": "`+strings.Repeat("x", 101)+`"}`).want(t, 40001, "name")

	var phone calendarhttp.AppPassword
	r := e.do("POST", "/api/v1/app-passwords/", tok, `{"name": "phone"}`).want(t, 20000, "SUCCESS")
	r.into(t, &phone)
	assert.Equal(t, "phone", phone.Name)
	assert.Regexp(t, `^([a-z2-7]{4}-){7}[a-z2-7]{4}$`, phone.Password)
	assert.Equal(t, "park@jungi.me", phone.Username)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/calendar/dav/$`, phone.DAV)
	assert.Nil(t, phone.LastUsed)

	e.do("GET", "/api/v1/app-passwords/", tok, "").want(t, 20000).into(t, &list)
	require.Len(t, list, 1)
	assert.Equal(t, phone.ID, list[0].ID)
	assert.Empty(t, list[0].Password, "never listed")
	assert.Empty(t, list[0].Username)
	e.do("GET", "/api/v1/app-passwords/", other, "").want(t, 20000).into(t, &list)
	assert.Empty(t, list, "another user's are not listed")

	e.do("DELETE", fmt.Sprintf("/api/v1/app-passwords/%d", phone.ID), other, "").want(t, 40400, "app password not found")
	e.do("DELETE", "/api/v1/app-passwords/abc", tok, "").want(t, 40400, `app password "abc" not found`)
	e.do("DELETE", fmt.Sprintf("/api/v1/app-passwords/%d", phone.ID), tok, "").want(t, 20000, "SUCCESS")
	e.do("DELETE", fmt.Sprintf("/api/v1/app-passwords/%d", phone.ID), tok, "").want(t, 40400)
	e.do("GET", "/api/v1/app-passwords/", tok, "").want(t, 20000).into(t, &list)
	assert.Empty(t, list)
}
