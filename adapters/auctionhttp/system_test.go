package auctionhttp_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/system"
)

// TestMountedInSystem checks the all-in-one handler: the auction under
// /auction/, and the image URLs of its bodies (/media/...) served at the
// root.
func TestMountedInSystem(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(system.Handler(system.Services{Auth: e.authn, Auction: e.svc}, system.Config{}))
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/auction/users/registration/", "application/json",
		strings.NewReader(`{"username":"dana","password1":"dana-password","password2":"dana-password"}`))
	require.NoError(t, err)
	var session struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&session)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode, "registration through the system: status")
	require.NotEmpty(t, session.Token, "registration through the system: token")

	ct, body := multipartBody(t, carFields(), fiveImages(t))
	req, _ := http.NewRequest("POST", srv.URL+"/auction/cars/new/", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "JWT "+session.Token)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	var car struct {
		Images []struct{ Image string }
	}
	json.NewDecoder(resp.Body).Decode(&car)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode, "car through the system: status")
	require.Len(t, car.Images, 5, "car through the system: images")
	require.True(t, strings.HasPrefix(car.Images[0].Image, "/media/cars/"), "car through the system: image URL %q", car.Images[0].Image)
	for _, path := range []string{car.Images[0].Image, "/auction" + car.Images[0].Image} {
		resp, err = http.Get(srv.URL + path)
		require.NoError(t, err)
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: status", path)
		require.True(t, bytes.Equal(data, fiveImages(t)[0].data), "GET %s: the bytes differ from the upload", path)
	}
	resp, err = http.Get(srv.URL + "/media/cars/")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "directory listing")
}
