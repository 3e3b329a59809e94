package auction

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/gif"
	_ "image/jpeg" // decoders checked by DetectImage
	_ "image/png"
	"io"
	"path"
	"strings"

	"github.com/hanok-dev/hanok"
)

// MediaStore keeps uploaded files under slash-separated relative paths
// such as "cars/2019-04-10/<uuid>.png". Paths given to it are already
// checked with CleanMediaPath.
type MediaStore interface {
	// Put stores data at name, replacing what was there.
	Put(ctx context.Context, name string, data []byte) error
	// Delete removes name; a missing name is not an error.
	Delete(ctx context.Context, name string) error
	// Open opens name for reading; a missing name is hanok.NotFound.
	Open(ctx context.Context, name string) (MediaFile, error)
}

// MediaFile is an open media file.
type MediaFile interface {
	io.ReadSeekCloser
	// Size is the file's length in bytes.
	Size() int64
}

// ImageType is an accepted image format.
type ImageType struct {
	// Ext is the file extension, without the dot.
	Ext string
	// ContentType is the MIME type.
	ContentType string
}

var (
	imagePNG  = ImageType{"png", "image/png"}
	imageJPEG = ImageType{"jpg", "image/jpeg"}
	imageGIF  = ImageType{"gif", "image/gif"}
	imageWebP = ImageType{"webp", "image/webp"}
)

// MaxGIFPixels is the largest GIF accepted, in pixels of its logical
// screen: checking a GIF decodes its first frame, which takes a byte a
// pixel of the screen however small the file is.
const MaxGIFPixels = 40_000_000

// errNotImage is the reason given for data that is not an accepted image.
var errNotImage = errors.New("is not a PNG, JPEG, GIF or WebP image")

// DetectImage reports the format of an image by its content: PNG and JPEG
// must have a decodable header, GIF a decodable first frame (and at most
// MaxGIFPixels); WebP is recognised by its RIFF header.
// Anything else is not an image.
func DetectImage(data []byte) (ImageType, bool) {
	t, err := detectImage(data)
	return t, err == nil
}

// detectImage is DetectImage with the reason for a refusal.
func detectImage(data []byte) (ImageType, error) {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return decodable(data, "png", imagePNG)
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return decodable(data, "jpeg", imageJPEG)
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		cfg, err := gif.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return ImageType{}, errNotImage
		}
		if int64(cfg.Width)*int64(cfg.Height) > MaxGIFPixels {
			return ImageType{}, fmt.Errorf("is a GIF of %dx%d pixels, more than %d", cfg.Width, cfg.Height, MaxGIFPixels)
		}
		// A GIF header says little; decoding the first frame is cheap
		// within that size.
		if _, err := gif.Decode(bytes.NewReader(data)); err != nil {
			return ImageType{}, errNotImage
		}
		return decodable(data, "gif", imageGIF)
	case len(data) >= 16 && string(data[0:4]) == "RIFF" && string(data[8:12]) == "WEBP" && strings.HasPrefix(string(data[12:16]), "VP8"):
		return imageWebP, nil
	}
	return ImageType{}, errNotImage
}

func decodable(data []byte, format string, t ImageType) (ImageType, error) {
	cfg, got, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || got != format || cfg.Width <= 0 || cfg.Height <= 0 {
		return ImageType{}, errNotImage
	}
	return t, nil
}

// ContentTypeOf returns the MIME type of a media path by its extension.
func ContentTypeOf(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".png":
		return imagePNG.ContentType
	case ".jpg", ".jpeg":
		return imageJPEG.ContentType
	case ".gif":
		return imageGIF.ContentType
	case ".webp":
		return imageWebP.ContentType
	}
	return "application/octet-stream"
}

// CleanMediaPath checks a media path from outside: relative, slash
// separated, already clean, with no "." or ".." element, no backslash and
// no control character. It returns a hanok.NotFound for anything else, so
// that probing paths learns nothing.
func CleanMediaPath(name string) (string, error) {
	bad := hanok.Errorf(hanok.NotFound, "media file not found")
	if name == "" || len(name) > 512 || strings.HasPrefix(name, "/") || strings.ContainsAny(name, "\\\x00") || path.Clean(name) != name {
		return "", bad
	}
	for _, el := range strings.Split(name, "/") {
		if el == "" || el == "." || el == ".." || strings.HasPrefix(el, ".") {
			return "", bad
		}
		for _, r := range el {
			if r < 0x20 || r == 0x7f {
				return "", bad
			}
		}
	}
	return name, nil
}

// OpenMedia opens a stored media file by its path (as in Image.Path).
// Paths that are not clean relative paths are hanok.NotFound.
func (s *Service) OpenMedia(ctx context.Context, name string) (MediaFile, error) {
	name, err := CleanMediaPath(name)
	if err != nil {
		return nil, err
	}
	f, err := s.media.Open(ctx, name)
	if err != nil {
		if hanok.IsCode(err, hanok.NotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("auction: open media: %w", err)
	}
	return f, nil
}
