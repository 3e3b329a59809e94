package auction_test

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auction"
)

// Two real 1×1 WebP files: lossless (VP8L) and lossy (VP8).
var (
	webpLossless = mustBase64("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	webpLossy    = mustBase64("UklGRiQAAABXRUJQVlA4IBgAAAAwAQCdASoBAAEAAwA0JaQAA3AA/vuUAAA=")
)

func mustBase64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// pngChunk encodes one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	return b.Bytes()
}

// rawPNG builds a grayscale PNG whose header says w×h over the given
// scanline data (one filter byte then one byte a pixel per row), with
// extra chunks before IEND.
func rawPNG(w, h uint32, rows []byte, extra ...[]byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8] = 8 // bit depth; color type 0 (gray)
	b.Write(pngChunk("IHDR", ihdr))
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(rows)
	zw.Close()
	b.Write(pngChunk("IDAT", z.Bytes()))
	for _, e := range extra {
		b.Write(e)
	}
	b.Write(pngChunk("IEND", nil))
	return b.Bytes()
}

func grayRows(w, h int) []byte {
	return make([]byte, h*(w+1))
}

func testJPEG(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)), nil))
	return b.Bytes()
}

func testGIF(t testing.TB, w, h, frames int) []byte {
	t.Helper()
	b, err := encodeGIF(w, h, frames)
	require.NoError(t, err)
	return b
}

func encodeGIF(w, h, frames int) ([]byte, error) {
	g := &gif.GIF{}
	for range frames {
		g.Image = append(g.Image, image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9))
		g.Delay = append(g.Delay, 10)
	}
	var b bytes.Buffer
	err := gif.EncodeAll(&b, g)
	return b.Bytes(), err
}

// riff builds a WebP file of the given chunks.
func riff(chunks ...[]byte) []byte {
	body := []byte("WEBP")
	for _, c := range chunks {
		body = append(body, c...)
	}
	out := []byte("RIFF")
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	return append(out, body...)
}

func riffChunk(id string, data []byte) []byte {
	out := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	out = append(out, data...)
	if len(data)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

// webpExtended is a 1×1 extended WebP (VP8X) of the lossless image, with
// the chunks more after it.
func webpExtended(more ...[]byte) []byte {
	vp8x := []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0} // no flags, canvas 1×1
	image := webpLossless[12:]                   // the VP8L chunk
	return riff(append([][]byte{riffChunk("VP8X", vp8x), image}, more...)...)
}

// bigGIF is 7 frames of 2000×2000: each far within the budget, 28
// megapixels together. Only the first frame used to be decoded.
var bigGIF = sync.OnceValues(func() ([]byte, error) { return encodeGIF(2000, 2000, 7) })

// TestImageChecks: what each format must be to be an image (issue 8,
// point 4). The refusals were all accepted before, by a check of the
// header alone.
func TestImageChecks(t *testing.T) {
	small := rawPNG(4, 4, grayRows(4, 4))
	jpg := testJPEG(t, 16, 16)
	// A JPEG whose frame header claims 20000×20000 over a 16×16 body.
	bigJPEG := bytes.Clone(jpg)
	sof := bytes.Index(bigJPEG, []byte{0xff, 0xc0})
	binary.BigEndian.PutUint16(bigJPEG[sof+5:], 20000)
	binary.BigEndian.PutUint16(bigJPEG[sof+7:], 20000)
	gf := testGIF(t, 8, 8, 3)
	big, err := bigGIF()
	require.NoError(t, err)

	for _, tc := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"png", small, true},
		{"png with text", rawPNG(4, 4, grayRows(4, 4), pngChunk("tEXt", []byte("Title\x00car"))), true},
		{"png bomb: 100000×100000 header over a 4×4 body", rawPNG(100000, 100000, grayRows(4, 4)), false},
		{"png with a body shorter than its header", rawPNG(64, 64, grayRows(4, 4)), false},
		{"png with junk after IEND", append(bytes.Clone(small), bytes.Repeat([]byte("junk"), 1024)...), false},
		{"png with html after IEND", append(bytes.Clone(small), "<html><script>alert(1)</script>"...), false},
		{"png with a private ancillary chunk", rawPNG(4, 4, grayRows(4, 4), pngChunk("vpAg", make([]byte, 9))), true},
		{"png with an unknown critical chunk", rawPNG(4, 4, grayRows(4, 4), pngChunk("JUNK", []byte("<html>"))), false},
		{"png with a bad crc", func() []byte { b := bytes.Clone(small); b[len(b)-20]++; return b }(), false},

		{"jpeg", jpg, true},
		{"jpeg with junk after EOI", append(bytes.Clone(jpg), "<html></html>"...), false},
		{"jpeg cut before EOI", jpg[:len(jpg)-2], false},
		{"jpeg bomb: 20000×20000 header over a 16×16 body", bigJPEG, false},

		{"gif", gf, true},
		{"gif with junk after the trailer", append(bytes.Clone(gf), "junk"...), false},
		{"gif whose frames together pass the budget", big, false},
		{"gif screen bomb", func() []byte {
			b := bytes.Clone(gf)
			binary.LittleEndian.PutUint16(b[6:], 65535)
			binary.LittleEndian.PutUint16(b[8:], 65535)
			return b
		}(), false},

		{"webp lossless", webpLossless, true},
		{"webp lossy", webpLossy, true},
		{"webp extended with exif", webpExtended(riffChunk("EXIF", []byte("Exif\x00\x00"))), true},
		{"webp header then html", []byte("RIFF\x00\x10\x00\x00WEBPVP8 <html><body><script>alert(1)</script></body></html>"), false},
		{"webp header with a matching size then html", riff([]byte("VP8 <html><body>hello</body></html>")), false},
		{"webp with bytes past its RIFF size", append(bytes.Clone(webpLossy), "<html>"...), false},
		{"webp with a junk chunk", riff(webpLossy[12:], riffChunk("HTML", []byte("<html></html>"))), false},
		{"webp extended with an unknown chunk", webpExtended(riffChunk("JUNK", []byte("<html>"))), false},
		{"webp animated", webpExtended(riffChunk("ANIM", make([]byte, 6))), false},

		{"text", []byte("hello, world"), false},
		{"empty", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			typ, ok := auction.DetectImage(tc.data)
			if ok != tc.ok {
				_, err := auction.CheckImage(bytes.NewReader(tc.data), int64(len(tc.data)), auction.DefaultMaxImagePixels)
				require.Equal(t, tc.ok, ok, "DetectImage = %v (CheckImage: %v)", typ, err)
			}
		})
	}
}

// TestImageCheckReasons: a refusal says why, in words that follow "image
// 3 (\"name\")".
func TestImageCheckReasons(t *testing.T) {
	small := rawPNG(4, 4, grayRows(4, 4))
	for _, tc := range []struct {
		data []byte
		max  int64
		want string
	}{
		{rawPNG(100000, 100000, grayRows(4, 4)), auction.DefaultMaxImagePixels, "is a PNG of 100000x100000 pixels, more than the limit of 25000000"},
		{append(bytes.Clone(small), make([]byte, 100)...), auction.DefaultMaxImagePixels, "has 100 bytes after the end of the PNG image (IEND)"},
		{testGIF(t, 10, 10, 3), 300 + 3*1024 - 1, "is a GIF whose 3 frames hold more than the limit of 3371 pixels"},
		{append(bytes.Clone(webpLossy), 1, 2), auction.DefaultMaxImagePixels, "is a WebP whose RIFF size (44 bytes) does not match its 46 bytes"},
		{[]byte("<html>"), auction.DefaultMaxImagePixels, "is not a PNG, JPEG, GIF or WebP image"},
	} {
		_, err := auction.CheckImage(bytes.NewReader(tc.data), int64(len(tc.data)), tc.max)
		if assert.Error(t, err, "CheckImage, want %q", tc.want) {
			assert.Equal(t, tc.want, err.Error(), "CheckImage")
		}
	}
	// Within the budget the same GIF is an image.
	g := testGIF(t, 10, 10, 3)
	typ, err := auction.CheckImage(bytes.NewReader(g), int64(len(g)), 300+3*1024)
	require.NoError(t, err, "GIF at the budget")
	require.Equal(t, "gif", typ.Ext, "GIF at the budget")
	_, err = auction.CheckImage(bytes.NewReader(small), int64(len(small)), 15)
	require.ErrorContains(t, err, "more than the limit of 15", "a 4×4 PNG over a budget of 15 pixels")
}

// BenchmarkCheckImage: the check of one upload (structure, budget, a
// whole decode) of a 1000×1000 image in each format.
func BenchmarkCheckImage(b *testing.B) {
	rgba := image.NewRGBA(image.Rect(0, 0, 1000, 1000))
	for i := range rgba.Pix {
		rgba.Pix[i] = uint8(i * 7)
	}
	var p, j bytes.Buffer
	require.NoError(b, png.Encode(&p, rgba))
	require.NoError(b, jpeg.Encode(&j, rgba, nil))
	g, err := encodeGIF(1000, 1000, 1)
	require.NoError(b, err)
	for _, bc := range []struct {
		name string
		data []byte
	}{{"png", p.Bytes()}, {"jpeg", j.Bytes()}, {"gif", g}, {"webp-1x1", webpLossy}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.data)))
			b.ReportAllocs()
			for b.Loop() {
				_, err := auction.CheckImage(bytes.NewReader(bc.data), int64(len(bc.data)), auction.DefaultMaxImagePixels)
				require.NoError(b, err)
			}
		})
	}
}
