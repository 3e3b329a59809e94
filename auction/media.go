package auction

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"strings"
	"time"

	"github.com/hanok-dev/hanok"
)

// MediaStore keeps uploaded files under slash-separated relative paths
// such as "cars/2019-04-10/<uuid>.png". Paths given to it are already
// checked with CleanMediaPath, or are names its List returned.
//
// A store has a temporary area of its own, apart from every path
// CleanMediaPath accepts: uploads are streamed there (CreateTemp) and
// moved to their path once checked (MediaTemp.Commit), so nothing of an
// upload is held in memory or spilled elsewhere, and what an interrupted
// upload leaves behind is found by List and removed by
// Service.CleanMedia.
type MediaStore interface {
	// Put stores data at name, replacing what was there.
	Put(ctx context.Context, name string, data []byte) error
	// CreateTemp creates an empty file in the temporary area.
	CreateTemp(ctx context.Context) (MediaTemp, error)
	// Delete removes name (a path, or a temporary file List returned); a
	// missing name is not an error.
	Delete(ctx context.Context, name string) error
	// Open opens name for reading; a missing name is hanok.NotFound.
	Open(ctx context.Context, name string) (MediaFile, error)
	// List returns every file the store holds, in no particular order:
	// stored files, and files left in the temporary area (Temp set).
	List(ctx context.Context) ([]MediaInfo, error)
}

// MediaTemp is a file being written in a MediaStore's temporary area.
// It is used by one goroutine at a time.
type MediaTemp interface {
	io.Writer
	io.ReaderAt
	// Commit moves what was written to name, replacing what was there,
	// and releases the file, whether or not it succeeds (a failed commit
	// leaves nothing behind).
	Commit(ctx context.Context, name string) error
	// Close releases the file and removes it, unless it was committed;
	// after Commit it does nothing.
	Close() error
}

// MediaInfo describes a file of a MediaStore.
type MediaInfo struct {
	// Name is the file's path, or for a temporary file a name that only
	// Delete takes.
	Name     string
	Size     int64
	Modified time.Time
	// Temp is set for a file of the temporary area: an upload in progress
	// or one that never finished.
	Temp bool
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

// Upload is one uploaded image file: its content in Data, or a file the
// upload was streamed into with Service.StageUpload.
type Upload struct {
	// Name is the client's file name, used in error messages only.
	Name string
	Data []byte
	// staged is the file of StageUpload, nil for Data.
	staged *stagedUpload
}

type stagedUpload struct {
	file MediaTemp // nil once discarded
	size int64
}

// Discard removes the file a staged upload was streamed into. CreateCar
// commits or discards the uploads it is given; Discard is for an upload
// that never reaches it. Discarding twice, or an upload in Data, does
// nothing.
func (u Upload) Discard() error {
	if u.staged == nil || u.staged.file == nil {
		return nil
	}
	f := u.staged.file
	u.staged.file = nil
	return f.Close()
}

// DiscardUploads discards every upload of us (see Upload.Discard).
func DiscardUploads(us []Upload) error {
	var errs []error
	for _, u := range us {
		errs = append(errs, u.Discard())
	}
	return errors.Join(errs...)
}

func (u Upload) size() int64 {
	if u.staged != nil {
		return u.staged.size
	}
	return int64(len(u.Data))
}

// StageUpload streams r, one uploaded image named name by the client, into
// a new file of the media store's temporary area, for NewCar.Images. It
// reads at most one byte past Config.MaxImageBytes: a larger upload keeps
// no file, and CreateCar refuses it. The image is checked by CreateCar.
func (s *Service) StageUpload(ctx context.Context, name string, r io.Reader) (Upload, error) {
	f, err := s.media.CreateTemp(ctx)
	if err != nil {
		return Upload{}, fmt.Errorf("auction: stage upload: %w", err)
	}
	limit := int64(s.cfg.MaxImageBytes) + 1
	n, err := io.Copy(f, io.LimitReader(r, limit))
	if err != nil {
		_ = f.Close()
		return Upload{}, fmt.Errorf("auction: stage upload %q: %w", name, err)
	}
	up := Upload{Name: name, staged: &stagedUpload{file: f, size: n}}
	if n >= limit {
		// Too large: CreateCar refuses it by its size alone.
		if err := up.Discard(); err != nil {
			return Upload{}, fmt.Errorf("auction: stage upload %q: %w", name, err)
		}
	}
	return up, nil
}

// collectAfter is the decode cost from which checkImages collects the
// decode's garbage before it gives back its share of the budget.
const collectAfter = 32 << 20

// checkImages checks the uploads of a car, one at a time, and returns the
// type of each. Each decode waits for its share of Config.MaxDecodeBytes
// (what its header says it takes), then for one of
// Config.MaxConcurrentDecodes, over every call; an image that alone takes
// more than the budget is refused. If ctx ends while it waits, its error
// is returned.
func (s *Service) checkImages(ctx context.Context, us []Upload) ([]ImageType, error) {
	var waitErr error
	gate := func(cost int64) (func(), error) {
		if cost > s.cfg.MaxDecodeBytes {
			return nil, fmt.Errorf("takes %d MB of memory to decode, more than the limit of %d MB", (cost+1e6-1)/1e6, s.cfg.MaxDecodeBytes/1e6)
		}
		if err := s.decodeMem.acquire(ctx, cost); err != nil {
			waitErr = err
			return nil, err
		}
		select {
		case s.decodes <- struct{}{}:
		case <-ctx.Done():
			s.decodeMem.release(cost)
			waitErr = ctx.Err()
			return nil, waitErr
		}
		return func() {
			if cost >= collectAfter {
				// What the decode allocated is garbage now; collected
				// before the next decode takes its place, the process
				// stays near the budget instead of the budget plus a
				// heap's worth of garbage (Go's collector lets the heap
				// grow to twice what it last found live).
				runtime.GC()
			}
			<-s.decodes
			s.decodeMem.release(cost)
		}, nil
	}
	types := make([]ImageType, len(us))
	for i, up := range us {
		if up.size() > int64(s.cfg.MaxImageBytes) {
			return nil, hanok.FieldError("car_images", fmt.Sprintf("image %d (%q) is larger than %d bytes", i+1, up.Name, s.cfg.MaxImageBytes))
		}
		var r io.ReaderAt = bytes.NewReader(up.Data)
		if up.staged != nil {
			if up.staged.file == nil {
				return nil, fmt.Errorf("auction: image %d (%q) was discarded", i+1, up.Name)
			}
			r = up.staged.file
		}
		t, err := checkImage(r, up.size(), s.cfg.MaxImagePixels, gate)
		if waitErr != nil {
			return nil, fmt.Errorf("auction: waiting to check image %d: %w", i+1, waitErr)
		}
		if err != nil {
			return nil, hanok.FieldError("car_images", fmt.Sprintf("image %d (%q) %s", i+1, up.Name, err))
		}
		types[i] = t
	}
	return types, nil
}

// storeImage stores an upload at name: a staged one is moved there.
func (s *Service) storeImage(ctx context.Context, up Upload, name string) error {
	if up.staged == nil {
		return s.media.Put(ctx, name, up.Data)
	}
	f := up.staged.file
	if f == nil {
		return fmt.Errorf("auction: image %q was discarded", up.Name)
	}
	up.staged.file = nil
	return f.Commit(ctx, name)
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

// carImageDir is where CreateCar stores images; CleanMedia looks for
// orphans there only, so a media directory shared with other files loses
// none of them.
const carImageDir = "cars/"

// MediaCleanup says what CleanMedia removed.
type MediaCleanup struct {
	// Orphans are car images that no stored car refers to.
	Orphans []string
	// Temporary are files left in the media store's temporary area.
	Temporary []string
}

// CleanMedia removes what interrupted uploads and crashes left behind in
// the media store: every file of its temporary area, and every car image
// that no stored car refers to, last modified more than grace ago. It
// logs each file it removes. A car's images are stored before the car
// is, so run it when no upload is in flight (as a server does on start),
// or with a grace longer than any upload takes.
func (s *Service) CleanMedia(ctx context.Context, grace time.Duration) (MediaCleanup, error) {
	var rep MediaCleanup
	files, err := s.media.List(ctx)
	if err != nil {
		return rep, fmt.Errorf("auction: clean media: %w", err)
	}
	// Read after listing: an image listed before its car was committed is
	// then seen as referenced.
	paths, err := s.store.ImagePaths(ctx)
	if err != nil {
		return rep, fmt.Errorf("auction: clean media: %w", err)
	}
	referenced := make(map[string]bool, len(paths))
	for _, p := range paths {
		referenced[p] = true
	}
	cutoff := s.cfg.Now().Add(-grace)
	for _, f := range files {
		if !f.Modified.Before(cutoff) {
			continue
		}
		var kind string
		switch {
		case f.Temp:
			kind = "temporary"
		case strings.HasPrefix(f.Name, carImageDir) && !referenced[f.Name]:
			kind = "orphan"
		default:
			continue
		}
		if err := s.media.Delete(ctx, f.Name); err != nil {
			return rep, fmt.Errorf("auction: clean media: %w", err)
		}
		s.cfg.Logger.InfoContext(ctx, "media cleanup removed a file", "path", f.Name, "kind", kind, "size", f.Size, "modified", f.Modified)
		if f.Temp {
			rep.Temporary = append(rep.Temporary, f.Name)
		} else {
			rep.Orphans = append(rep.Orphans, f.Name)
		}
	}
	s.cfg.Logger.InfoContext(ctx, "media cleanup done", "orphans", len(rep.Orphans), "temporary", len(rep.Temporary), "grace", grace)
	return rep, nil
}
