package auction

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"
)

// DefaultMaxImagePixels is the default pixel budget of one image
// (Config.MaxImagePixels): 25 megapixels, a 6000×4000 photo with room to
// spare.
const DefaultMaxImagePixels = 25_000_000

// gifFrameCost is what each GIF frame costs of the pixel budget on top of
// its pixels: a frame carries a palette and bookkeeping however small it
// is, so a file of a million 1×1 frames is not cheap.
const gifFrameCost = 1024

// What "is an image" means, per format. In every format the dimensions in
// the header are checked against the pixel budget before anything is
// decoded, the whole image is then decoded (so a header over a body that
// does not hold the image is refused), and the file must end where the
// image ends:
//
//   - PNG: the signature, then chunks up to and including IEND and nothing
//     after it. Ancillary chunks of any type are accepted (ImageMagick's
//     vpAg, Apple's iDOT...: a decoder skips them, and tEXt could carry
//     the same bytes anyway); a critical chunk must be one of the
//     specification's (IHDR, PLTE, IDAT, IEND).
//   - JPEG: SOI, then marker segments and entropy-coded data up to EOI and
//     nothing after it.
//   - GIF: the header, the logical screen and its blocks up to the trailer
//     (0x3B) and nothing after it; the screen and the sum of the pixels of
//     every frame are each within the budget (gifFrameCost per frame on
//     top), since decoding keeps every frame.
//   - WebP: a RIFF file whose size field matches the file's size, holding
//     either one VP8 or VP8L chunk, or a VP8X chunk followed by the chunks
//     of a still extended image (ICCP, ALPH, VP8 or VP8L, EXIF, XMP); an
//     animation or any other chunk is refused. Decoded with
//     golang.org/x/image/webp.

// errNotImage is the reason given for data that is not an accepted image.
var errNotImage = errors.New("is not a PNG, JPEG, GIF or WebP image")

// CheckImage reports the format of the image of size bytes in r, or why
// it is not an accepted image (a reason that reads after "the image",
// such as "is not a PNG, JPEG, GIF or WebP image"). Images of more than
// maxPixels pixels are refused before they are decoded; see the comment
// above for what each format must be.
func CheckImage(r io.ReaderAt, size, maxPixels int64) (ImageType, error) {
	return checkImage(r, size, maxPixels, nil)
}

// decodeGate is called with what an image's decode will take in memory
// (see decodecost.go) once its header and structure are checked, just
// before it is decoded; the decode runs only if the gate returns nil, and
// release is called once it is done. An error of the gate is the check's
// error.
type decodeGate func(cost int64) (release func(), err error)

// checkImage is CheckImage with a gate before the decode (nil: none).
func checkImage(r io.ReaderAt, size, maxPixels int64, gate decodeGate) (ImageType, error) {
	var head [16]byte
	n, _ := r.ReadAt(head[:], 0)
	h := head[:n]
	switch {
	case bytes.HasPrefix(h, []byte("\x89PNG\r\n\x1a\n")):
		cost := func(c image.Config) int64 { return pngDecodeCost(r, c.Width, c.Height) }
		return imagePNG, checkDecoded(r, size, maxPixels, "PNG", pngEnd, png.DecodeConfig, png.Decode, cost, gate)
	case bytes.HasPrefix(h, []byte("\xff\xd8\xff")):
		cost := func(c image.Config) int64 { return jpegDecodeCost(r, size, c.Width, c.Height) }
		return imageJPEG, checkDecoded(r, size, maxPixels, "JPEG", jpegEnd, jpeg.DecodeConfig, jpeg.Decode, cost, gate)
	case bytes.HasPrefix(h, []byte("GIF87a")), bytes.HasPrefix(h, []byte("GIF89a")):
		return imageGIF, checkGIF(r, size, maxPixels, gate)
	case len(h) >= 12 && string(h[0:4]) == "RIFF" && string(h[8:12]) == "WEBP":
		cost := func(c image.Config) int64 { return webpDecodeCost(r, size, c.Width, c.Height) }
		return imageWebP, checkDecoded(r, size, maxPixels, "WebP", webpEnd, webp.DecodeConfig, webp.Decode, cost, gate)
	}
	return ImageType{}, errNotImage
}

// DetectImage reports the format of an image in memory by its content,
// as CheckImage does with DefaultMaxImagePixels.
func DetectImage(data []byte) (ImageType, bool) {
	t, err := CheckImage(bytes.NewReader(data), int64(len(data)), DefaultMaxImagePixels)
	return t, err == nil
}

// errTrailing builds the reason for data after an image's end.
func errTrailing(format, end string, extra int64) error {
	return fmt.Errorf("has %d bytes after the end of the %s image (%s)", extra, format, end)
}

func errBudget(format string, w, h int, maxPixels int64) error {
	return fmt.Errorf("is a %s of %dx%d pixels, more than the limit of %d", format, w, h, maxPixels)
}

// checkDecoded checks a PNG, JPEG or WebP: its structure with end (which
// returns an error for anything past the image's end), the header's
// dimensions against the budget, then a whole decode.
func checkDecoded(r io.ReaderAt, size, maxPixels int64, format string,
	end func(r io.ReaderAt, size int64) error,
	decodeConfig func(io.Reader) (image.Config, error),
	decode func(io.Reader) (image.Image, error),
	cost func(image.Config) int64, gate decodeGate) (err error) {
	defer func() {
		// The decoders are fuzzed, but a refused upload is better than a
		// crashed server.
		if recover() != nil {
			err = fmt.Errorf("is not a valid %s image", format)
		}
	}()
	cfg, err := decodeConfig(io.NewSectionReader(r, 0, size))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return fmt.Errorf("is not a valid %s image", format)
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return errBudget(format, cfg.Width, cfg.Height, maxPixels)
	}
	if err := end(r, size); err != nil {
		return err
	}
	if gate != nil {
		release, err := gate(cost(cfg))
		if err != nil {
			return err
		}
		defer release()
	}
	if _, err := decode(io.NewSectionReader(r, 0, size)); err != nil {
		return fmt.Errorf("is not a complete %s image", format)
	}
	return nil
}

// pngCritical are the critical chunk types of the PNG specification; a
// chunk whose type starts with an upper-case letter is critical, and a
// decoder must refuse one it does not know.
var pngCritical = map[string]bool{"IHDR": true, "PLTE": true, "IDAT": true, "IEND": true}

// pngEnd walks a PNG's chunks to IEND.
func pngEnd(r io.ReaderAt, size int64) error {
	off := int64(8)
	var hdr [8]byte
	for {
		if _, err := r.ReadAt(hdr[:], off); err != nil {
			return errors.New("is not a complete PNG image")
		}
		n := int64(binary.BigEndian.Uint32(hdr[0:4]))
		typ := string(hdr[4:8])
		if n > 1<<31-1 || off+12+n > size {
			return errors.New("is not a complete PNG image")
		}
		if typ[0]&0x20 == 0 && !pngCritical[typ] {
			return fmt.Errorf("is a PNG with a critical chunk of unknown type %q", typ)
		}
		off += 12 + n
		if typ == "IEND" {
			if off != size {
				return errTrailing("PNG", "IEND", size-off)
			}
			return nil
		}
	}
}

// jpegEnd walks a JPEG's marker segments and entropy-coded data to EOI.
func jpegEnd(r io.ReaderAt, size int64) error {
	br := bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 64<<10)
	var off int64
	bad := errors.New("is not a complete JPEG image")
	readByte := func() (byte, error) {
		b, err := br.ReadByte()
		if err == nil {
			off++
		}
		return b, err
	}
	if b0, _ := readByte(); b0 != 0xff {
		return bad
	}
	if b1, _ := readByte(); b1 != 0xd8 {
		return bad
	}
	marker := -1 // a marker already read from entropy-coded data
	for {
		m := marker
		marker = -1
		if m < 0 {
			b, err := readByte()
			if err != nil || b != 0xff {
				return bad
			}
			b, err = readByte()
			for err == nil && b == 0xff { // fill bytes
				b, err = readByte()
			}
			if err != nil {
				return bad
			}
			m = int(b)
		}
		switch {
		case m == 0xd9: // EOI
			if off != size {
				return errTrailing("JPEG", "EOI", size-off)
			}
			return nil
		case m >= 0xd0 && m <= 0xd7, m == 0x01: // RSTn, TEM: no length
			continue
		case m == 0x00:
			return bad
		}
		var l [2]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return bad
		}
		off += 2
		n := int(binary.BigEndian.Uint16(l[:]))
		if n < 2 {
			return bad
		}
		d, err := br.Discard(n - 2)
		off += int64(d)
		if err != nil {
			return bad
		}
		if m != 0xda { // SOS: entropy-coded data follows
			continue
		}
		for marker < 0 {
			s, err := br.ReadSlice(0xff)
			off += int64(len(s))
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != nil {
				return bad
			}
			b, err := readByte()
			for err == nil && b == 0xff {
				b, err = readByte()
			}
			if err != nil {
				return bad
			}
			if b != 0x00 && (b < 0xd0 || b > 0xd7) {
				marker = int(b)
			}
		}
	}
}

// webpEnd checks a WebP's RIFF structure: the size field, and the chunks
// of a still image and nothing else.
func webpEnd(r io.ReaderAt, size int64) error {
	var hdr [8]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return errors.New("is not a complete WebP image")
	}
	if riff := int64(binary.LittleEndian.Uint32(hdr[4:8])); riff+8 != size {
		return fmt.Errorf("is a WebP whose RIFF size (%d bytes) does not match its %d bytes", riff+8, size)
	}
	off := int64(12)
	var chunks []string
	for off < size {
		if _, err := r.ReadAt(hdr[:], off); err != nil {
			return errors.New("is not a complete WebP image")
		}
		n := int64(binary.LittleEndian.Uint32(hdr[4:8]))
		off += 8 + n + n&1
		if off > size {
			return errors.New("is not a complete WebP image")
		}
		chunks = append(chunks, string(hdr[0:4]))
	}
	if len(chunks) == 0 {
		return errors.New("is not a complete WebP image")
	}
	switch chunks[0] {
	case "VP8 ", "VP8L":
		if len(chunks) > 1 {
			return fmt.Errorf("is a WebP with a chunk %q after its image", chunks[1])
		}
		return nil
	case "VP8X":
	default:
		return fmt.Errorf("is a WebP with a chunk of unknown type %q", chunks[0])
	}
	frames := 0
	for _, c := range chunks[1:] {
		switch c {
		case "VP8 ", "VP8L":
			frames++
		case "ICCP", "ALPH", "EXIF", "XMP ":
		case "ANIM", "ANMF":
			return errors.New("is an animated WebP, which is not accepted")
		default:
			return fmt.Errorf("is a WebP with a chunk of unknown type %q", c)
		}
	}
	if frames != 1 {
		return errors.New("is not a complete WebP image")
	}
	return nil
}

// checkGIF checks a GIF: its blocks to the trailer, the pixels of its
// screen and of all its frames against the budget, then a decode of every
// frame.
func checkGIF(r io.ReaderAt, size, maxPixels int64, gate decodeGate) (err error) {
	defer func() {
		if recover() != nil {
			err = errors.New("is not a valid GIF image")
		}
	}()
	bad := errors.New("is not a complete GIF image")
	br := bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 32<<10)
	var off int64
	read := func(n int) ([]byte, error) {
		b := make([]byte, n)
		_, err := io.ReadFull(br, b)
		off += int64(n)
		return b, err
	}
	skip := func(n int) error {
		d, err := br.Discard(n)
		off += int64(d)
		return err
	}
	colorTable := func(flags byte) error {
		if flags&0x80 != 0 {
			return skip(3 << ((flags & 7) + 1))
		}
		return nil
	}
	subBlocks := func() error {
		for {
			n, err := br.ReadByte()
			if err != nil {
				return err
			}
			off++
			if n == 0 {
				return nil
			}
			if err := skip(int(n)); err != nil {
				return err
			}
		}
	}
	h, err := read(13)
	if err != nil {
		return bad
	}
	sw, sh := int(binary.LittleEndian.Uint16(h[6:8])), int(binary.LittleEndian.Uint16(h[8:10]))
	if int64(sw)*int64(sh) > maxPixels {
		return errBudget("GIF", sw, sh, maxPixels)
	}
	if err := colorTable(h[10]); err != nil {
		return bad
	}
	var pixels int64
	frames := 0
	for {
		b, err := br.ReadByte()
		if err != nil {
			return bad
		}
		off++
		switch b {
		case 0x21: // extension
			if err := skip(1); err != nil {
				return bad
			}
			if err := subBlocks(); err != nil {
				return bad
			}
		case 0x2c: // image descriptor
			d, err := read(9)
			if err != nil {
				return bad
			}
			w, h := int64(binary.LittleEndian.Uint16(d[4:6])), int64(binary.LittleEndian.Uint16(d[6:8]))
			frames++
			pixels += w*h + gifFrameCost
			if pixels > maxPixels {
				return fmt.Errorf("is a GIF whose %d frames hold more than the limit of %d pixels", frames, maxPixels)
			}
			if err := colorTable(d[8]); err != nil {
				return bad
			}
			if err := skip(1); err != nil { // LZW minimum code size
				return bad
			}
			if err := subBlocks(); err != nil {
				return bad
			}
		case 0x3b: // trailer
			if frames == 0 {
				return bad
			}
			if off != size {
				return errTrailing("GIF", "trailer", size-off)
			}
			if gate != nil {
				// DecodeAll keeps every frame, a byte a pixel.
				release, err := gate(pixels + decodeOverhead)
				if err != nil {
					return err
				}
				defer release()
			}
			if _, err := gif.DecodeAll(io.NewSectionReader(r, 0, size)); err != nil {
				return errors.New("is not a valid GIF image")
			}
			return nil
		default:
			return bad
		}
	}
}
