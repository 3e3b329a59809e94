package hanok_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hanok-dev/hanok"
)

func TestCodeOf(t *testing.T) {
	nf := hanok.Errorf(hanok.NotFound, "car %d not found", 7)
	cases := []struct {
		err  error
		want hanok.Code
	}{
		{nil, ""},
		{nf, hanok.NotFound},
		{fmt.Errorf("store: %w", nf), hanok.NotFound},
		{fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", hanok.FieldError("year", "bad"))), hanok.Invalid},
		{io.EOF, hanok.Internal},
		{hanok.Wrap(hanok.Unavailable, io.ErrUnexpectedEOF, "upstream is down"), hanok.Unavailable},
		// An error without a code, or a nil *Error in an error interface,
		// is still an error: never "" (which adapters answer with 200).
		{&hanok.Error{Message: "no code"}, hanok.Internal},
		{fmt.Errorf("w: %w", &hanok.Error{Message: "no code"}), hanok.Internal},
		{error((*hanok.Error)(nil)), hanok.Internal},
	}
	for _, c := range cases {
		if got := hanok.CodeOf(c.err); got != c.want {
			t.Errorf("CodeOf(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestMessagesAreClientSafe(t *testing.T) {
	if got := hanok.MessageOf(errors.New("/etc/secret: permission denied")); got != "internal error" {
		t.Fatalf("MessageOf(plain error) = %q", got)
	}
	internal := hanok.Wrap(hanok.Internal, errors.New("disk"), "details")
	if got := hanok.MessageOf(internal); got != "internal error" {
		t.Fatalf("MessageOf(Internal) = %q", got)
	}
	if got := hanok.MessageOf(fmt.Errorf("x: %w", hanok.Errorf(hanok.Conflict, "already approved"))); got != "already approved" {
		t.Fatalf("MessageOf(wrapped Conflict) = %q", got)
	}
	if got := hanok.MessageOf(&hanok.Error{Code: hanok.Forbidden}); got != "forbidden" {
		t.Fatalf("MessageOf(no message) = %q", got)
	}
	if got := hanok.MessageOf(&hanok.Error{Message: "/var/db: locked"}); got != "internal error" {
		t.Fatalf("MessageOf(no code) = %q", got)
	}
	var nilErr error = (*hanok.Error)(nil)
	if hanok.MessageOf(nilErr) != "internal error" || hanok.FieldsOf(nilErr) != nil || hanok.RetryAfterOf(nilErr) != 0 {
		t.Fatal("a nil *Error is not an internal error")
	}
}

func TestFieldsRetryAfterUnwrap(t *testing.T) {
	e := hanok.FieldError("mileage", "must be a whole number")
	if hanok.FieldsOf(fmt.Errorf("w: %w", e))["mileage"] != "must be a whole number" {
		t.Fatal("FieldsOf lost the field")
	}
	if !strings.Contains(e.Error(), "mileage") {
		t.Fatalf("Error() = %q", e.Error())
	}
	rl := &hanok.Error{Code: hanok.RateLimited, RetryAfter: 3 * time.Second}
	if hanok.RetryAfterOf(fmt.Errorf("w: %w", rl)) != 3*time.Second || hanok.RetryAfterOf(io.EOF) != 0 {
		t.Fatal("RetryAfterOf")
	}
	w := hanok.Wrap(hanok.Unavailable, io.EOF, "down")
	if !errors.Is(w, io.EOF) || !strings.Contains(w.Error(), "EOF") {
		t.Fatalf("Wrap does not keep its cause: %v", w)
	}
	if !hanok.IsCode(w, hanok.Unavailable) || hanok.IsCode(nil, hanok.Internal) {
		t.Fatal("IsCode")
	}
}
