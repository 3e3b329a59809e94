package auction

import (
	"encoding/binary"
	"io"
)

// What decoding an image takes in memory, estimated from its header before
// it is decoded: the pixels it holds times what the standard decoders
// keep of each, rounded up. Image checks reserve it from
// Config.MaxDecodeBytes (see Service.checkImages).

// pngDecodeCost is what image/png allocates for an image of w×h pixels
// with the IHDR of r: 8 bytes a pixel at a bit depth of 16 (RGBA64,
// NRGBA64), at most 4 below it (NRGBA; gray with transparency becomes
// NRGBA too), 1 for a palette; an interlaced image is decoded pass by
// pass into images of its own before the whole, so twice that.
func pngDecodeCost(r io.ReaderAt, w, h int) int64 {
	var ihdr [13]byte
	if _, err := r.ReadAt(ihdr[:], 16); err != nil {
		return int64(w) * int64(h) * 16 // unreadable: the most
	}
	depth, colorType, interlace := ihdr[8], ihdr[9], ihdr[12]
	per := int64(4)
	switch {
	case depth == 16:
		per = 8
	case colorType == 3:
		per = 1
	}
	cost := int64(w) * int64(h) * per
	if interlace != 0 {
		cost *= 2
	}
	return cost + decodeOverhead
}

// decodeOverhead is what a decode takes beyond its pixels: row buffers,
// tables, the reader's buffers.
const decodeOverhead = 1 << 20

// jpegDecodeCost is what image/jpeg allocates for the JPEG in r of w×h
// pixels, from its frame header: one byte a sample of every component
// (Y at full size, Cb and Cr at their sampling), padded to whole MCUs;
// a progressive image keeps every coefficient of every block until its
// last scan, 64 int32s a block of 64 samples, so 4 bytes a sample more;
// a four-component (CMYK) image is converted to a CMYK image at the end,
// 4 bytes a pixel more. A header it cannot read costs the most it could.
func jpegDecodeCost(r io.ReaderAt, size int64, w, h int) int64 {
	most := int64(w)*int64(h)*(4*5+4) + decodeOverhead
	progressive, comps, ok := jpegFrame(r, size)
	if !ok || len(comps) == 0 {
		return most
	}
	hmax, vmax := 1, 1
	for _, c := range comps {
		hmax, vmax = max(hmax, c.h), max(vmax, c.v)
	}
	mcuX := int64((w + 8*hmax - 1) / (8 * hmax))
	mcuY := int64((h + 8*vmax - 1) / (8 * vmax))
	var samples int64
	for _, c := range comps {
		samples += mcuX * int64(c.h) * 8 * mcuY * int64(c.v) * 8
	}
	cost := samples
	if progressive {
		cost += 4 * samples
	}
	if len(comps) == 4 {
		cost += 4 * int64(w) * int64(h)
	}
	return min(cost, most) + decodeOverhead
}

type jpegComponent struct{ h, v int }

// jpegFrame reads the frame header (SOF0, SOF1 or SOF2) of a JPEG: whether
// it is progressive and each component's sampling factors.
func jpegFrame(r io.ReaderAt, size int64) (progressive bool, comps []jpegComponent, ok bool) {
	off := int64(2) // after SOI
	var hdr [4]byte
	for off+4 <= size {
		if _, err := r.ReadAt(hdr[:], off); err != nil || hdr[0] != 0xff {
			return false, nil, false
		}
		m := hdr[1]
		if m == 0xff { // fill byte
			off++
			continue
		}
		n := int64(binary.BigEndian.Uint16(hdr[2:4]))
		switch m {
		case 0xc0, 0xc1, 0xc2:
			seg := make([]byte, min(n, 2+6+3*4))
			if n < 8 || int64(len(seg)) < 8 {
				return false, nil, false
			}
			if _, err := r.ReadAt(seg, off+2); err != nil {
				return false, nil, false
			}
			nc := int(seg[7])
			if nc < 1 || nc > 4 || len(seg) < 8+3*nc {
				return false, nil, false
			}
			for i := range nc {
				hv := seg[8+3*i+1]
				c := jpegComponent{int(hv >> 4), int(hv & 15)}
				if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
					return false, nil, false
				}
				comps = append(comps, c)
			}
			return m == 0xc2, comps, true
		case 0xd9, 0xda: // EOI or SOS before a frame
			return false, nil, false
		}
		off += 2 + n
	}
	return false, nil, false
}

// webpDecodeCost is what golang.org/x/image/webp allocates for the WebP in
// r of w×h pixels: a lossy image is YCbCr 4:2:0 (1.5 bytes a pixel, 2.5
// with alpha), counted as 2 and 3; a lossless one is decoded into a
// 4-byte ARGB buffer, transformed and copied into an NRGBA image, counted
// as 12 bytes a pixel.
func webpDecodeCost(r io.ReaderAt, size int64, w, h int) int64 {
	per := int64(2)
	var hdr [8]byte
	for off := int64(12); off+8 <= size; {
		if _, err := r.ReadAt(hdr[:], off); err != nil {
			per = 12
			break
		}
		switch string(hdr[0:4]) {
		case "VP8L":
			per = 12
		case "ALPH":
			per = max(per, 3)
		}
		n := int64(binary.LittleEndian.Uint32(hdr[4:8]))
		off += 8 + n + n&1
	}
	return int64(w)*int64(h)*per + decodeOverhead
}
