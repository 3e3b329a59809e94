package auction

import (
	"bytes"
	"context"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tiny progressive JPEGs (16×16, by cjpeg -progressive), 4:2:0 and 4:4:4.
const (
	progressive420 = "ffd8ffe000104a46494600010100000100010000ffdb0043001b12141714111b1716171e1c1b2028422b28252528513a3d3042605565645f555d5b6a7899816a7190735b5d85b586909ea3abadab6780bcc9baa6c799a8aba4ffdb0043011c1e1e2823284e2b2b4ea46e5d6ea4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4ffc20011080010001003012200021101031101ffc4001500010100000000000000000000000000000504ffc40014010100000000000000000000000000000000ffda000c030100021003100000019133133fffc4001510010100000000000000000000000000000003ffda00080101000105029a69a6ffc40014110100000000000000000000000000000000ffda0008010301013f017fffc40014110100000000000000000000000000000000ffda0008010201013f017fffc40014100100000000000000000000000000000020ffda0008010100063f021fffc40014100100000000000000000000000000000020ffda0008010100013f2101ffda000c03010002000300000010f3ffc40014110100000000000000000000000000000000ffda0008010301013f107fffc40014110100000000000000000000000000000000ffda0008010201013f107fffc4001510010100000000000000000000000000000041ffda0008010100013f1084210fffd9"
	progressive444 = "ffd8ffe000104a46494600010100000100010000ffdb0043001b12141714111b1716171e1c1b2028422b28252528513a3d3042605565645f555d5b6a7899816a7190735b5d85b586909ea3abadab6780bcc9baa6c799a8aba4ffdb0043011c1e1e2823284e2b2b4ea46e5d6ea4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4a4ffc20011080010001003011100021101031101ffc4001500010100000000000000000000000000000504ffc40014010100000000000000000000000000000000ffda000c03010002100310000001904c304cffc4001510010100000000000000000000000000000003ffda00080101000105029a69a6ffc40014110100000000000000000000000000000020ffda0008010301013f011fffc40014110100000000000000000000000000000020ffda0008010201013f011fffc40014100100000000000000000000000000000020ffda0008010100063f021fffc40014100100000000000000000000000000000020ffda0008010100013f2101ffda000c03010002000300000010924fffc40014110100000000000000000000000000000020ffda0008010301013f101fffc40014110100000000000000000000000000000020ffda0008010201013f101fffc4001510010100000000000000000000000000000041ffda0008010100013f1084210fffd9"
)

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func encodeJPEG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, img, &jpeg.Options{Quality: 50}))
	return b.Bytes()
}

// allocated returns the bytes that decoding data allocates.
func allocated(t *testing.T, data []byte) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, _, err := image.Decode(bytes.NewReader(data))
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	return after.TotalAlloc - before.TotalAlloc
}

// TestDecodeCost: the cost reserved for an image is at least what the
// standard decoder allocates for it, and within a small factor of it (a
// budget spent on nothing refuses uploads for nothing).
func TestDecodeCost(t *testing.T) {
	const w, h = 640, 480
	rgba64 := image.NewNRGBA64(image.Rect(0, 0, w, h))
	rgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			rgba64.Set(x, y, color.NRGBA64{uint16(x * 97), uint16(y * 31), 0, 0xffff})
			rgba.Set(x, y, color.NRGBA{uint8(x), uint8(y), 0, 0xff})
		}
	}
	pal := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.White})
	p420, err := hex.DecodeString(progressive420)
	require.NoError(t, err)
	p444, err := hex.DecodeString(progressive444)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		data []byte
		// perPixel is the cost a pixel without the fixed overhead.
		perPixel float64
	}{
		{"16-bit PNG", encodePNG(t, rgba64), 8},
		{"8-bit PNG", encodePNG(t, rgba), 4},
		{"paletted PNG", encodePNG(t, pal), 1},
		{"baseline JPEG 4:2:0", encodeJPEG(t, rgba), 1.5},
		{"progressive JPEG 4:2:0", p420, 7.5},
		{"progressive JPEG 4:4:4", p444, 15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cost int64
			_, err := checkImage(bytes.NewReader(tc.data), int64(len(tc.data)), DefaultMaxImagePixels, func(c int64) (func(), error) {
				cost = c
				return func() {}, nil
			})
			require.NoError(t, err)
			cfg, _, err := image.DecodeConfig(bytes.NewReader(tc.data))
			require.NoError(t, err)
			px := float64(cfg.Width * cfg.Height)
			// Whole MCUs of 16×16 round a 16×16 image up not at all.
			assert.InDelta(t, tc.perPixel*px, float64(cost-decodeOverhead), tc.perPixel*px*0.05+64*16, "cost of %dx%d pixels", cfg.Width, cfg.Height)
			assert.GreaterOrEqual(t, uint64(cost), allocated(t, tc.data), "the cost covers what decoding allocates")
		})
	}
}

// TestJPEGFrame reads the frame of the tiny progressive JPEGs.
func TestJPEGFrame(t *testing.T) {
	p420, _ := hex.DecodeString(progressive420)
	prog, comps, ok := jpegFrame(bytes.NewReader(p420), int64(len(p420)))
	require.True(t, ok)
	assert.True(t, prog)
	assert.Equal(t, []jpegComponent{{2, 2}, {1, 1}, {1, 1}}, comps)
	base := encodeJPEG(t, image.NewGray(image.Rect(0, 0, 8, 8)))
	prog, comps, ok = jpegFrame(bytes.NewReader(base), int64(len(base)))
	require.True(t, ok)
	assert.False(t, prog)
	assert.Len(t, comps, 1)
	_, _, ok = jpegFrame(bytes.NewReader([]byte("\xff\xd8\xff\xd9")), 4)
	assert.False(t, ok, "no frame")
}

// TestBudget: reservations are granted first come, first served, and the
// budget is never exceeded.
func TestBudget(t *testing.T) {
	ctx := context.Background()
	b := newBudget(10)
	require.NoError(t, b.acquire(ctx, 6))
	// 8 does not fit; 2 would, but comes after 8 and waits behind it.
	got := make(chan int64, 2)
	go func() { _ = b.acquire(ctx, 8); got <- 8 }()
	waitQueued(t, b, 1)
	go func() { _ = b.acquire(ctx, 2); got <- 2 }()
	waitQueued(t, b, 2)
	select {
	case n := <-got:
		require.Failf(t, "granted out of turn", "%d was granted ahead of its turn", n)
	default:
	}
	// Freeing 6 lets in the first in line, 8, then 2 beside it.
	b.release(6)
	assert.ElementsMatch(t, []int64{8, 2}, []int64{<-got, <-got})
	assert.Equal(t, int64(10), b.used)
	b.release(8)
	b.release(2)
	assert.Zero(t, b.used)

	// A waiter whose context ends reserves nothing and lets the next in.
	require.NoError(t, b.acquire(ctx, 9))
	cctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- b.acquire(cctx, 5) }()
	waitQueued(t, b, 1)
	next := make(chan struct{})
	go func() { _ = b.acquire(ctx, 1); close(next) }()
	waitQueued(t, b, 2)
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)
	<-next
	b.release(9)
	b.release(1)
	assert.Zero(t, b.used)
	assert.Zero(t, b.waiters.Len())
}

// TestBudgetConcurrent: many goroutines reserving at once never hold more
// than the budget together, and all get through.
func TestBudgetConcurrent(t *testing.T) {
	ctx := context.Background()
	b := newBudget(100)
	var held, peak atomic.Int64
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			n := int64(i%7*10 + 10)
			require.NoError(t, b.acquire(ctx, n))
			h := held.Add(n)
			for {
				p := peak.Load()
				if h <= p || peak.CompareAndSwap(p, h) {
					break
				}
			}
			runtime.Gosched()
			held.Add(-n)
			b.release(n)
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, peak.Load(), int64(100))
	assert.Zero(t, b.used)
}

// waitQueued waits (a bounded while) until n reservations wait in b.
func waitQueued(t *testing.T, b *budget, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b.mu.Lock()
		l := b.waiters.Len()
		b.mu.Unlock()
		if l == n {
			return
		}
		require.True(t, time.Now().Before(deadline), "%d waiters, want %d", l, n)
		runtime.Gosched()
	}
}
