package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// uploadCar registers a car with five small PNGs as the user of token and
// returns the media paths of its images.
func (s *server) uploadCar(t *testing.T, token string) []string {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range map[string]string{"model": "i30 (PD) (16년~현재)", "year": "1996-12-25", "fuel_type": "하이브리드", "transmission_type": "수동", "color": "흰색", "mileage": "25000", "address": "서울 신도림"} {
		w.WriteField(k, v)
	}
	for i := range 5 {
		var img bytes.Buffer
		require.NoError(t, png.Encode(&img, image.NewGray(image.Rect(0, 0, 2+i, 2))))
		fw, _ := w.CreateFormFile("car_images", fmt.Sprintf("%d.png", i))
		fw.Write(img.Bytes())
	}
	w.Close()
	req, _ := http.NewRequest("POST", s.url+"/auction/cars/new/", &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var car struct {
		Images []struct{ Image string } `json:"images"`
	}
	err = json.Unmarshal(raw, &car)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "create car: %d %s", resp.StatusCode, raw)
	require.NoError(t, err, "create car: %d %s", resp.StatusCode, raw)
	require.Len(t, car.Images, 5, "create car: %d %s", resp.StatusCode, raw)
	var paths []string
	for _, im := range car.Images {
		paths = append(paths, strings.TrimPrefix(im.Image, "/media/"))
	}
	return paths
}

// TestServerCleansMediaOnStart: what a crash left in the media directory
// (issue 8, point 6) is removed when the server starts again, once older
// than -media-grace, and each removal is logged; the images of stored cars
// and files that are not the auction's are kept.
func TestServerCleansMediaOnStart(t *testing.T) {
	dir := t.TempDir()
	media := filepath.Join(dir, "media")
	args := []string{"-db", filepath.Join(dir, "hanok.db"), "-media", media, "-media-grace", "1h"}
	s := start(t, nil, args...)
	code, body := s.do(t, "POST", "/auth/register", "", `{"username":"mirim","password":"password123"}`)
	require.EqualValues(t, 201, code, "register: %d %v", code, body)
	_, body = s.do(t, "POST", "/auth/login", "", `{"username":"mirim","password":"password123"}`)
	images := s.uploadCar(t, body["token"].(string))
	require.NoError(t, s.stop())

	// What a kill -9 leaves: an image stored for a car never committed, a
	// partial upload in the temporary area, and a partial file of an
	// earlier version beside the images; and files too young to judge.
	old, young := time.Now().Add(-2*time.Hour), time.Now()
	write := func(name string, mod time.Time) {
		p := filepath.Join(media, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("leftover"), 0o644))
		require.NoError(t, os.Chtimes(p, mod, mod))
	}
	removed := []string{"cars/2026-01-01/orphan.png", ".tmp/partial", "cars/2026-01-01/.tmp-1f2e"}
	kept := []string{"cars/2026-01-01/young.png", ".tmp/young", "notes.txt"}
	for _, name := range removed {
		write(name, old)
	}
	write(kept[0], young)
	write(kept[1], young)
	write(kept[2], old)
	for _, name := range images {
		require.NoError(t, os.Chtimes(filepath.Join(media, filepath.FromSlash(name)), old, old))
	}

	s = start(t, nil, args...)
	for _, name := range removed {
		_, err := os.Stat(filepath.Join(media, filepath.FromSlash(name)))
		assert.True(t, os.IsNotExist(err), "%s was not removed: %v", name, err)
		assert.Contains(t, s.out.String(), `msg="media cleanup removed a file" path=`+name+" ", "the removal of %s was not logged", name)
	}
	for _, name := range append(kept, images...) {
		_, err := os.Stat(filepath.Join(media, filepath.FromSlash(name)))
		assert.NoError(t, err, "%s was removed: %v", name, err)
	}
	assert.Contains(t, s.out.String(), `msg="media cleanup done" orphans=1 temporary=2`, "no summary of the cleanup:\n%s", s.out.String())
	// The images of the car are still served.
	code, _ = s.do(t, "GET", "/media/"+images[0], "", "")
	require.EqualValues(t, 200, code, "image of a stored car after the cleanup: %d", code)
}
