package auction_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/files"
	"github.com/hanok-dev/hanok/storage/memory"
)

// Uploaded images are streamed into the media store's temporary area one
// by one (as an HTTP handler reads them from a multipart body), checked
// there by CreateCar and moved into place; a refused image leaves nothing.
// At start, CleanMedia removes what a crash left behind.
func ExampleService_StageUpload() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "media")
	defer os.RemoveAll(dir)
	media, err := files.Open(filepath.Join(dir, "media"))
	if err != nil {
		panic(err)
	}
	defer media.Close()
	db := memory.New()
	svc, err := auction.New(db.Auction(), media, auction.Config{})
	if err != nil {
		panic(err)
	}
	if _, err := svc.ImportEntries(ctx, auction.DefaultCatalog()); err != nil {
		panic(err)
	}
	in := auction.NewCar{Model: "sm5", Year: "1996-12-25", Fuel: auction.FuelHybrid, Transmission: auction.TransmissionManual,
		Color: "흰색", Mileage: 25000, Address: "서울 신도림"}
	for i := range auction.MinImages {
		body := auction.SeedImage()
		if i == 4 {
			body = append(body, "<html>"...) // data past the PNG's end
		}
		up, err := svc.StageUpload(ctx, fmt.Sprintf("%d.png", i), bytes.NewReader(body))
		if err != nil {
			panic(err)
		}
		in.Images = append(in.Images, up)
	}
	users, _ := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	owner, _ := users.Register(ctx, auth.RegisterInput{Username: "owner", Password: "password123"})
	_, err = svc.CreateCar(ctx, owner.User.Actor(), in)
	fmt.Println(hanok.CodeOf(err), hanok.FieldsOf(err)["car_images"])

	rep, err := svc.CleanMedia(ctx, time.Hour)
	fmt.Println(len(rep.Orphans), len(rep.Temporary), err)
	// Output:
	// invalid image 5 ("4.png") has 6 bytes after the end of the PNG image (IEND)
	// 0 0 <nil>
}
