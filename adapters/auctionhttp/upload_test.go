package auctionhttp_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/auctionhttp"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/files"
	"github.com/hanok-dev/hanok/storage/memory"
)

// spyMedia is a MediaStore that calls its hooks when an upload starts
// streaming into the temporary area and when a file is stored.
type spyMedia struct {
	auction.MediaStore
	onTemp  func()
	onStore func(name string)
}

func (s *spyMedia) CreateTemp(ctx context.Context) (auction.MediaTemp, error) {
	if s.onTemp != nil {
		s.onTemp()
	}
	t, err := s.MediaStore.CreateTemp(ctx)
	if err != nil {
		return nil, err
	}
	return spyTemp{t, s}, nil
}

func (s *spyMedia) Put(ctx context.Context, name string, data []byte) error {
	if s.onStore != nil {
		s.onStore(name)
	}
	return s.MediaStore.Put(ctx, name, data)
}

type spyTemp struct {
	auction.MediaTemp
	s *spyMedia
}

func (t spyTemp) Commit(ctx context.Context, name string) error {
	if t.s.onStore != nil {
		t.s.onStore(name)
	}
	return t.MediaTemp.Commit(ctx, name)
}

// uploadEnv is a server on a real loopback listener whose auction keeps
// its images in media.
type uploadEnv struct {
	url   string
	token string
	authn *auth.Service
}

// user registers a user and returns its token.
func (e *uploadEnv) user(t testing.TB, name string) string {
	t.Helper()
	s, err := e.authn.Register(context.Background(), auth.RegisterInput{Username: name, Password: name + "-password"})
	require.NoError(t, err)
	return s.Token
}

func newUploadEnv(t testing.TB, media auction.MediaStore, opts ...auctionhttp.Option) *uploadEnv {
	t.Helper()
	ctx := context.Background()
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	svc, err := auction.New(db.Auction(), media, auction.Config{})
	require.NoError(t, err)
	_, err = svc.ImportEntries(ctx, auction.DefaultCatalog())
	require.NoError(t, err)
	srv := httptest.NewServer(auctionhttp.NewHandler(svc, authn, opts...))
	t.Cleanup(srv.Close)
	s, err := authn.Register(ctx, auth.RegisterInput{Username: "uploader", Password: "uploader-password"})
	require.NoError(t, err)
	return &uploadEnv{url: srv.URL, token: s.Token, authn: authn}
}

// paddedJPEG is a valid 16×16 JPEG of size bytes: application segments
// (as EXIF or XMP data would be) fill it up, so it is large on the wire
// and cheap to decode.
func paddedJPEG(t testing.TB, size int) []byte {
	var small bytes.Buffer
	require.NoError(t, jpeg.Encode(&small, image.NewGray(image.Rect(0, 0, 16, 16)), nil))
	j := small.Bytes()
	out := append(make([]byte, 0, size), j[:2]...) // SOI
	for room := size - len(j); room > 0; {
		n := min(room-4, 65533)
		require.GreaterOrEqual(t, n, 0, "cannot pad a JPEG to %d bytes", size)
		out = append(out, 0xff, 0xef)
		out = binary.BigEndian.AppendUint16(out, uint16(n+2))
		out = append(out, make([]byte, n)...)
		room -= n + 4
	}
	out = append(out, j[2:]...)
	require.Equal(t, size, len(out), "padded JPEG length")
	return out
}

// streamForm returns a registration form that writes img as each of n
// car images while it is read, so the client holds no body in memory.
func streamForm(img []byte, n int) (string, io.Reader) {
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	go func() {
		for k, v := range carFields() {
			if err := w.WriteField(k, v); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		for i := range n {
			fw, err := w.CreateFormFile("car_images", fmt.Sprintf("%d.jpg", i))
			if err == nil {
				_, err = fw.Write(img)
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(w.Close())
	}()
	return w.FormDataContentType(), pr
}

// upload sends a registration form and returns the status and body; it
// is safe to call from any goroutine.
func (e *uploadEnv) upload(contentType string, body io.Reader) (int, http.Header, string, error) {
	return e.uploadAs(e.token, contentType, body)
}

// uploadAs is upload by the user of token.
func (e *uploadEnv) uploadAs(token, contentType string, body io.Reader) (int, http.Header, string, error) {
	req, err := http.NewRequest("POST", e.url+"/cars/new/", body)
	if err != nil {
		return 0, nil, "", err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "JWT "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(data), err
}

// TestUploadsDoNotSpill: the images of an upload go to the media store's
// own temporary area, never to multipart-* files in the system's
// temporary directory (issue 8, point 6), which a crash left behind.
func TestUploadsDoNotSpill(t *testing.T) {
	sysTmp := t.TempDir()
	t.Setenv("TMPDIR", sysTmp)
	store, err := files.Open(filepath.Join(t.TempDir(), "media"))
	require.NoError(t, err)
	defer store.Close()
	var (
		mu      sync.Mutex
		spilled []string
		temps   int
	)
	media := &spyMedia{MediaStore: store,
		onTemp: func() { mu.Lock(); temps++; mu.Unlock() },
		// When each image is stored the whole body has been read: what
		// the upload spilled is still there.
		onStore: func(string) {
			entries, _ := os.ReadDir(sysTmp)
			mu.Lock()
			defer mu.Unlock()
			for _, en := range entries {
				if strings.HasPrefix(en.Name(), "multipart-") {
					spilled = append(spilled, en.Name())
				}
			}
		},
	}
	e := newUploadEnv(t, media)
	// 5 images of 2 MiB: past the 8 MiB a parsed form keeps in memory.
	ct, body := streamForm(paddedJPEG(t, 2<<20), 5)
	code, _, resp, err := e.upload(ct, body)
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, code, "upload: %s", resp)
	assert.Empty(t, spilled, "the upload spilled into the system's temporary directory")
	assert.Equal(t, 5, temps, "images streamed into the media store's temporary area")
	infos, err := store.List(context.Background())
	require.NoError(t, err)
	for _, in := range infos {
		assert.False(t, in.Temp, "left %s in the temporary area", in.Name)
	}
}

// TestUploadMemory: four concurrent uploads of 40 MiB each, on a real
// listener, hold far less than their bodies in memory (issue 8, point 4:
// every image of an upload used to be held in memory at once).
func TestUploadMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 160 MiB through loopback")
	}
	store, err := files.Open(filepath.Join(t.TempDir(), "media"))
	require.NoError(t, err)
	defer store.Close()
	e := newUploadEnv(t, store, auctionhttp.WithMaxUploadsPerUser(4))
	const uploads, images, size = 4, 5, 8 << 20
	img := paddedJPEG(t, size)

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan string, uploads)
	for range uploads {
		wg.Go(func() {
			ct, body := streamForm(img, images)
			code, _, resp, err := e.upload(ct, body)
			if err != nil || code != http.StatusCreated {
				errs <- fmt.Sprintf("upload: %d %s %v", code, resp, err)
			}
		})
	}
	wg.Wait()
	close(done)
	<-sampled
	close(errs)
	for msg := range errs {
		assert.Fail(t, msg)
	}
	grew := int64(peak.Load()) - int64(base)
	total := int64(uploads * images * size)
	t.Logf("heap in use grew by at most %d MiB over %d MiB of uploads", grew>>20, total>>20)
	assert.LessOrEqual(t, grew, total/4, "heap in use grew by %d MiB for %d MiB of concurrent uploads: uploads are held in memory", grew>>20, total>>20)
}

// stallUpload starts a registration of token's user that stops in its
// first image, once streaming (a token on streaming) and holding its
// slot; finish sends the rest and returns the answer's status and body.
func (e *uploadEnv) stallUpload(t *testing.T, token string, streaming <-chan struct{}) (finish func() string) {
	t.Helper()
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	done := make(chan string, 1)
	go func() {
		req, err := http.NewRequest("POST", e.url+"/cars/new/", pr)
		if err != nil {
			done <- err.Error()
			return
		}
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "JWT "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- err.Error()
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		done <- fmt.Sprintf("%d %s", resp.StatusCode, body)
	}()
	for k, v := range carFields() {
		require.NoError(t, w.WriteField(k, v))
	}
	img := jpegImage(t)
	fw, err := w.CreateFormFile("car_images", "0.jpg")
	require.NoError(t, err)
	_, err = fw.Write(img[:10])
	require.NoError(t, err)
	<-streaming
	return func() string {
		_, err := fw.Write(img[10:])
		require.NoError(t, err)
		for i := 1; i < 5; i++ {
			fw, err := w.CreateFormFile("car_images", fmt.Sprintf("%d.jpg", i))
			require.NoError(t, err)
			_, err = fw.Write(img)
			require.NoError(t, err)
		}
		require.NoError(t, w.Close())
		require.NoError(t, pw.Close())
		return <-done
	}
}

// TestUploadSlotsPerUser: one user may upload at most two registrations at
// once (issue 20, point 8: four slow uploads of one user held every slot
// for everyone); a third is answered 429 with Retry-After before its body
// is read, while another user still gets a slot; past every slot, 503.
func TestUploadSlotsPerUser(t *testing.T) {
	// A token for every image staged: 6 uploads of 5 images.
	streaming := make(chan struct{}, 64)
	media := &spyMedia{MediaStore: memory.NewMediaStore(), onTemp: func() { streaming <- struct{}{} }}
	e := newUploadEnv(t, media, auctionhttp.WithMaxConcurrentUploads(3), auctionhttp.WithMaxUploadsPerUser(2))
	alice, bob, carol := e.token, e.user(t, "bob"), e.user(t, "carol")
	send := func(token string) testkit.Response {
		ct, body := multipartBody(t, carFields(), fiveImages(t))
		return testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url + "/cars/new/", Body: body.Bytes(),
			Header: http.Header{"Content-Type": {ct}, "Authorization": {"JWT " + token}}})
	}

	first, second := e.stallUpload(t, alice, streaming), e.stallUpload(t, alice, streaming)
	resp := send(alice)
	resp.Want(t, http.StatusTooManyRequests)
	assert.Equal(t, "you already have as many car registrations uploading as one user may; try again when one has finished", resp.Map(t)["detail"])
	assert.Equal(t, "5", resp.Header.Get("Retry-After"))
	assert.Empty(t, streaming, "the refused upload's body was read")

	// Another user is not held up by alice's two.
	third := e.stallUpload(t, bob, streaming)
	// Every slot is taken now: 503 for anyone.
	resp = send(carol)
	resp.Want(t, http.StatusServiceUnavailable)
	assert.Equal(t, "5", resp.Header.Get("Retry-After"))

	// One of alice's ends: she may upload again, and carol once bob's ends.
	assert.True(t, strings.HasPrefix(first(), "201 "), "alice's first upload")
	send(alice).Want(t, http.StatusCreated)
	assert.True(t, strings.HasPrefix(third(), "201 "), "bob's upload")
	send(carol).Want(t, http.StatusCreated)
	assert.True(t, strings.HasPrefix(second(), "201 "), "alice's second upload")
}

// TestUploadSlots: a registration past the concurrent uploads allowed is
// answered 503 with Retry-After before its body is read; a slot frees
// when its upload ends.
func TestUploadSlots(t *testing.T) {
	streaming := make(chan struct{}, 16)
	media := &spyMedia{MediaStore: memory.NewMediaStore(), onTemp: func() { streaming <- struct{}{} }}
	e := newUploadEnv(t, media, auctionhttp.WithMaxConcurrentUploads(1))

	// The first upload stalls in its first image, holding the only slot.
	pr, pw := io.Pipe()
	w := multipart.NewWriter(pw)
	first := make(chan string, 1)
	go func() {
		code, _, body, err := e.upload(w.FormDataContentType(), pr)
		first <- fmt.Sprintf("%d %s %v", code, body, err)
	}()
	for k, v := range carFields() {
		require.NoError(t, w.WriteField(k, v))
	}
	img := jpegImage(t)
	fw, err := w.CreateFormFile("car_images", "0.jpg")
	require.NoError(t, err)
	_, err = fw.Write(img[:10])
	require.NoError(t, err)
	<-streaming

	ct, body := multipartBody(t, carFields(), fiveImages(t))
	resp := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url + "/cars/new/", Body: body.Bytes(),
		Header: http.Header{"Content-Type": {ct}, "Authorization": {"JWT " + e.token}}})
	resp.Want(t, http.StatusServiceUnavailable)
	assert.Equal(t, "too many car registrations are uploading; try again in a few seconds", resp.Map(t)["detail"])
	assert.Equal(t, "5", resp.Header.Get("Retry-After"))

	// The first upload ends; its slot is free again.
	_, err = fw.Write(img[10:])
	require.NoError(t, err)
	for i := 1; i < 5; i++ {
		fw, err := w.CreateFormFile("car_images", fmt.Sprintf("%d.jpg", i))
		require.NoError(t, err)
		_, err = fw.Write(img)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	pw.Close()
	got := <-first
	require.True(t, strings.HasPrefix(got, "201 "), "the first upload: %s", got)
	ct, body = multipartBody(t, carFields(), fiveImages(t))
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url + "/cars/new/", Body: body.Bytes(),
		Header: http.Header{"Content-Type": {ct}, "Authorization": {"JWT " + e.token}}}).Want(t, http.StatusCreated)
}

// TestUploadRefusesWhatIsNotAnImage: an image is checked by decoding it
// within the pixel budget, and the file must end where the image does
// (issue 8, point 4).
func TestUploadRefusesWhatIsNotAnImage(t *testing.T) {
	e := newEnv(t)
	five := fiveImages(t)
	// A PNG header of 100000×100000 over the body of a 4×3 image.
	bomb := bytes.Clone(pngImage(t, 1))
	binary.BigEndian.PutUint32(bomb[16:], 100000)
	binary.BigEndian.PutUint32(bomb[20:], 100000)
	binary.BigEndian.PutUint32(bomb[29:], crc32.ChecksumIEEE(bomb[12:29])) // the IHDR's CRC
	for _, tc := range []struct {
		img  file
		want string
	}{
		{file{"bomb.png", bomb}, `image 5 ("bomb.png") is a PNG of 100000x100000 pixels, more than the limit of 25000000`},
		{file{"tail.png", append(pngImage(t, 1), bytes.Repeat([]byte("junk"), 4096)...)}, `image 5 ("tail.png") has 16384 bytes after the end of the PNG image (IEND)`},
		{file{"page.webp", []byte("RIFF\x00\x10\x00\x00WEBPVP8 <html><script>alert(1)</script></html>")}, `image 5 ("page.webp") is not a valid WebP image`},
	} {
		ct, body := multipartBody(t, carFields(), append(five[:4:4], tc.img))
		code, resp, _ := e.callRaw(t, "POST", "/cars/new/", e.alice, ct, body)
		fieldError(t, code, resp, "car_images", tc.want)
	}
	assert.Empty(t, e.db.Media().Names(), "refused uploads stored files")
}

// TestStalledUploadIsCutOff: a registration whose body stops arriving is
// answered 400 once its pause passes the upload's idle limit, frees its
// slot, and leaves no staged file.
func TestStalledUploadIsCutOff(t *testing.T) {
	media := &spyMedia{MediaStore: memory.NewMediaStore(), onTemp: func() {}}
	e := newUploadEnv(t, media, auctionhttp.WithMaxConcurrentUploads(1),
		auctionhttp.WithUploadProgress(httpx.Progress{Idle: 300 * time.Millisecond, MinRate: 1}))
	pr, pw := io.Pipe()
	defer pw.Close()
	w := multipart.NewWriter(pw)
	done := make(chan string, 1)
	go func() {
		code, _, body, err := e.upload(w.FormDataContentType(), pr)
		done <- fmt.Sprintf("%d %s %v", code, body, err)
	}()
	go func() {
		for k, v := range carFields() {
			w.WriteField(k, v)
		}
		fw, _ := w.CreateFormFile("car_images", "0.jpg")
		fw.Write(jpegImage(t)[:10])
		// ... and nothing more.
	}()
	got := <-done
	assert.True(t, strings.HasPrefix(got, "400 "), "a stalled upload: %s", got)
	assert.Contains(t, got, "did not arrive in time")
	infos, err := media.List(context.Background())
	require.NoError(t, err)
	for _, in := range infos {
		assert.False(t, in.Temp, "a staged file was left behind: %+v", in)
	}
	ct, body := multipartBody(t, carFields(), fiveImages(t))
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url + "/cars/new/", Body: body.Bytes(),
		Header: http.Header{"Content-Type": {ct}, "Authorization": {"JWT " + e.token}}}).Want(t, http.StatusCreated)
}
