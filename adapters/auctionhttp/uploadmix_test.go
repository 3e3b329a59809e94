package auctionhttp_test

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/storage/files"
)

// deepPNG writes a w×h RGBA PNG of 16 bits a channel, of one color, row
// by row (never the whole image in memory): a small file that decodes to
// w×h×8 bytes.
func deepPNG(t testing.TB, w, h int) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(data)))
		out.Write(n[:])
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		out.WriteString(typ)
		out.Write(data)
		binary.BigEndian.PutUint32(n[:], c.Sum32())
		out.Write(n[:])
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 16, 6 // 16 bits, RGBA
	chunk("IHDR", ihdr)
	var idat bytes.Buffer
	zw, err := zlib.NewWriterLevel(&idat, zlib.BestCompression)
	require.NoError(t, err)
	row := make([]byte, 1+w*8)
	for x := range w {
		binary.BigEndian.PutUint16(row[1+8*x:], 0x4000)
		binary.BigEndian.PutUint16(row[1+8*x+6:], 0xffff)
	}
	for range h {
		_, err := zw.Write(row)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	chunk("IDAT", idat.Bytes())
	chunk("IEND", nil)
	return out.Bytes()
}

// progressiveJPEG makes a w×h progressive JPEG with cjpeg (libjpeg-turbo's
// tool) from a smooth gradient, chroma sampled 2×2 (4:2:0) or 1×1 (4:4:4).
func progressiveJPEG(t testing.TB, w, h int, sample string) []byte {
	cjpeg, err := exec.LookPath("cjpeg")
	if err != nil {
		t.Skip("cjpeg (libjpeg-turbo-progs) makes the progressive JPEG; it is not installed")
	}
	dir := t.TempDir()
	ppm := filepath.Join(dir, "in.ppm")
	f, err := os.Create(ppm)
	require.NoError(t, err)
	bw := bufio.NewWriter(f)
	fmt.Fprintf(bw, "P6\n%d %d\n255\n", w, h)
	row := make([]byte, 3*w)
	for y := range h {
		for x := range w {
			row[3*x], row[3*x+1], row[3*x+2] = byte(x*256/w), byte(y*256/h), 128
		}
		bw.Write(row)
	}
	require.NoError(t, bw.Flush())
	require.NoError(t, f.Close())
	out, err := exec.Command(cjpeg, "-progressive", "-quality", "20", "-sample", sample, ppm).Output()
	require.NoError(t, err)
	return out
}

// peakRSS returns the process's peak resident set (VmHWM), in bytes.
func peakRSS(t testing.TB) int64 {
	data, err := os.ReadFile("/proc/self/status")
	require.NoError(t, err)
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// TestUploadMixPeakRSS runs the upload mix of issue 20, point 8, through
// the handler with its defaults: six registrations at once by three users
// (two each), each with a 25-megapixel PNG of 16 bits a channel (a file of
// about 200 KB that decodes to 200 MB), and a seventh with a 25-megapixel
// progressive JPEG. It reports the process's peak RSS, which must stay
// under 300 MB (before the decode budget: 953 MB for the six PNGs). It
// decodes 7 images of 25 megapixels, a minute of CPU on a busy machine,
// so it is a benchmark, run once with
//
//	go test ./adapters/auctionhttp -run '^$' -bench UploadMixPeakRSS -benchtime 1x
//
// (Linux: it reads /proc/self/status; it needs cjpeg, from Debian's
// libjpeg-turbo-progs).
func BenchmarkUploadMixPeakRSS(b *testing.B) {
	for range b.N {
		b.ReportMetric(float64(uploadMix(b))/1e6, "peak-MB")
	}
}

// uploadMix runs the mix once and returns the peak RSS.
func uploadMix(t testing.TB) int64 {
	const w, h = 5000, 5000
	deep := deepPNG(t, w, h)
	prog := progressiveJPEG(t, w, h, "2x2")
	t.Logf("16-bit PNG: %d KB; progressive JPEG 4:2:0: %d KB", len(deep)>>10, len(prog)>>10)
	small := fiveImages(t)[1:]

	store, err := files.Open(filepath.Join(t.TempDir(), "media"))
	require.NoError(t, err)
	defer store.Close()
	e := newUploadEnv(t, store)
	users := []string{e.token, e.user(t, "u2"), e.user(t, "u3"), e.user(t, "u4")}

	// Forget the peak of building the images.
	require.NoError(t, os.WriteFile("/proc/self/clear_refs", []byte("5"), 0))
	before := peakRSS(t)
	began := time.Now()
	var wg sync.WaitGroup
	results := make([]string, 7)
	for i := range 7 {
		wg.Go(func() {
			big, token := file{"deep.png", deep}, users[i/2]
			if i == 6 {
				big = file{"progressive.jpg", prog}
			}
			ct, body := multipartBody(t, carFields(), append([]file{big}, small...))
			code, _, resp, err := e.uploadAs(token, ct, body)
			results[i] = fmt.Sprintf("%d %v %.120s", code, err, resp)
		})
	}
	wg.Wait()
	peak := peakRSS(t)
	t.Logf("7 uploads in %v; peak RSS %d MB (%d MB before they began)", time.Since(began).Round(time.Millisecond), peak/1e6, before/1e6)
	for i, r := range results {
		assert.True(t, strings.HasPrefix(r, "201 "), "upload %d: %s", i, r)
	}
	assert.Less(t, peak, int64(300e6), "peak RSS")

	// A progressive JPEG of 4:4:4 at 25 megapixels takes about 376 MB to decode
	// by itself: more than the whole budget, it is refused.
	full := progressiveJPEG(t, w, h, "1x1")
	ct, body := multipartBody(t, carFields(), append([]file{{"full.jpg", full}}, small...))
	code, _, resp, err := e.upload(ct, body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusBadRequest, code, resp)
	assert.Contains(t, resp, "of memory to decode, more than the limit of")
	return peak
}
