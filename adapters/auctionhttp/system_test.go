package auctionhttp_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
	if err != nil {
		t.Fatal(err)
	}
	var session struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&session)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || session.Token == "" {
		t.Fatalf("registration through the system: %d", resp.StatusCode)
	}

	ct, body := multipartBody(t, carFields(), fiveImages(t))
	req, _ := http.NewRequest("POST", srv.URL+"/auction/cars/new/", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "JWT "+session.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var car struct {
		Images []struct{ Image string }
	}
	json.NewDecoder(resp.Body).Decode(&car)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || len(car.Images) != 5 || !strings.HasPrefix(car.Images[0].Image, "/media/cars/") {
		t.Fatalf("car through the system: %d %+v", resp.StatusCode, car)
	}
	for _, path := range []string{car.Images[0].Image, "/auction" + car.Images[0].Image} {
		resp, err = http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Equal(data, fiveImages(t)[0].data) {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
	}
	resp, err = http.Get(srv.URL + "/media/cars/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("directory listing: %d", resp.StatusCode)
	}
}
