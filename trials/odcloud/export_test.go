package odcloud

import (
	"errors"

	"github.com/hanok-dev/hanok/trials"
)

// FastPage and SlowPage expose the two decoders to the differential fuzz
// test.
func FastPage(body []byte) (*trials.Page, bool) { return fastPage(body) }

func SlowPage(body []byte) (*trials.Page, error) {
	return slowPage(body, func(string, ...any) error { return errSlow })
}

var errSlow = errors.New("not a page")
