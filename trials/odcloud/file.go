package odcloud

import (
	"context"
	"fmt"
	"os"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/trials"
)

// File is a trials.Source that reads the records from a file instead of
// the API: a dump of the dataset in the upstream's own envelope, every
// record on one page ({"page": 1, "perPage": N, "totalCount": N, "data":
// [...]}, as testdata/trials/odcloud_3074271_all.json is). It fills the
// mirror without a service key: a sync from a File is a sync like any
// other, recorded as a run.
type File struct {
	path string
	page *trials.Page
}

var _ trials.Source = (*File)(nil)

// OpenFile reads and decodes the dump at path. A file that is not the
// upstream's envelope, or whose totalCount is more than the records it
// holds (a single page of a larger dataset), is refused: a sync from it
// would withdraw the records it lacks.
func OpenFile(path string) (*File, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("odcloud: %w", err)
	}
	page, err := DecodePage(body)
	if err != nil {
		return nil, fmt.Errorf("odcloud: %s: %w", path, err)
	}
	if n := len(page.Records); page.Total != n {
		return nil, hanok.Errorf(hanok.Invalid, "%s holds %d records but its totalCount is %d: want the whole dataset on one page", path, n, page.Total)
	}
	page.Number, page.PerPage = 1, len(page.Records)
	return &File{path: path, page: page}, nil
}

// Path returns the file's path.
func (f *File) Path() string { return f.path }

// Page implements trials.Source: page 1 is every record of the file;
// there is no other.
func (f *File) Page(ctx context.Context, n int) (*trials.Page, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if n != 1 {
		return nil, hanok.Errorf(hanok.Invalid, "%s has one page, not page %d", f.path, n)
	}
	p := *f.page
	p.Records = append([]trials.Record(nil), f.page.Records...)
	return &p, nil
}
