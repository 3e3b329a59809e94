package microblog_test

import (
	"context"
	"fmt"

	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/memory"
)

// Sign up two users, follow, post, and read the home timeline a page at a
// time.
func Example() {
	ctx := context.Background()
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	if err != nil {
		panic(err)
	}
	mb := microblog.New(db.Microblog(), authn, microblog.Config{})

	for _, h := range []string{"mirim", "jun"} {
		if _, err := mb.Signup(ctx, microblog.SignupInput{Handle: h, Name: h, Password: "correct horse"}); err != nil {
			panic(err)
		}
	}
	sess, err := mb.Login(ctx, microblog.LoginInput{Handle: "mirim", Password: "correct horse"})
	if err != nil {
		panic(err)
	}
	mirim := sess.User.Actor()
	if err := mb.Follow(ctx, mirim, "jun"); err != nil {
		panic(err)
	}
	jun, _ := authn.Login(ctx, auth.LoginInput{Username: "jun", Password: "correct horse"})
	for _, text := range []string{"hello", "second post", "third"} {
		if _, err := mb.Post(ctx, jun.User.Actor(), microblog.PostInput{Content: text}); err != nil {
			panic(err)
		}
	}

	page, _ := mb.HomeTimeline(ctx, mirim, microblog.Cursor{Limit: 2})
	for page.Items != nil {
		for _, t := range page.Items {
			fmt.Printf("%s: %s\n", t.AuthorHandle, t.Content)
		}
		if page.Next == nil {
			break
		}
		page, _ = mb.HomeTimeline(ctx, mirim, *page.Next)
	}
	// Output:
	// jun: third
	// jun: second post
	// jun: hello
}
