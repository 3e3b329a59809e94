package auction_test

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/memory"
)

// A car is registered, approved, bid on while its auction runs, and sold
// to the highest bidder once it ended.
func Example() {
	ctx := context.Background()
	db := memory.New()
	now := time.Date(2019, 4, 10, 9, 0, 0, 0, time.UTC)
	svc, err := auction.New(db.Auction(), db.Media(), auction.Config{Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}
	if _, err := svc.ImportEntries(ctx, auction.DefaultCatalog()); err != nil {
		panic(err)
	}
	// Cars and bids belong to users of the same database: ids 1 to 4.
	users, _ := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	for _, name := range []string{"owner", "admin", "bidder-a", "bidder-b"} {
		_, _ = users.Register(ctx, auth.RegisterInput{Username: name, Password: "password123"})
	}

	owner, admin := hanok.Actor{ID: 1}, hanok.Actor{ID: 2, Superuser: true}
	bidderA, bidderB := hanok.Actor{ID: 3}, hanok.Actor{ID: 4}
	in := auction.NewCar{Model: "sm5", Year: "1996-12-25", Fuel: auction.FuelHybrid, Transmission: auction.TransmissionManual,
		Color: "흰색", Mileage: 25000, Address: "서울 신도림"}
	for range auction.MinImages {
		in.Images = append(in.Images, auction.Upload{Name: "car.png", Data: auction.SeedImage()})
	}
	car, err := svc.CreateCar(ctx, owner, in)
	if err != nil {
		panic(err)
	}
	fmt.Println(car.Status, car.Brand.Name, car.Kind.Name, car.Model.Name)

	car, _ = svc.Approve(ctx, admin, car.ID)
	now = now.Add(40*time.Hour + 55*time.Minute + 55*time.Second)
	remaining, _ := car.Remaining(now)
	fmt.Println(car.Status, remaining, auction.DetailYear(car.Year), auction.ListMileage(car.Mileage), auction.DetailInfo(car.Fuel, car.Transmission, car.Color))

	svc.PlaceBid(ctx, bidderA, car.ID, 1200)
	svc.PlaceBid(ctx, bidderB, car.ID, 1500)
	if _, err := svc.PlaceBid(ctx, bidderA, car.ID, 1100); err != nil {
		fmt.Println("lowering:", err)
	}
	own, _ := svc.Bids(ctx, bidderA, car.ID)
	fmt.Println("bidder A sees", len(own), "bid of", own[0].Amount)
	all, _ := svc.Bids(ctx, owner, car.ID)
	fmt.Println("owner sees", len(all), "bids, highest", all[0].Amount)

	now = now.Add(8 * time.Hour)
	car, _ = svc.Car(ctx, owner, car.ID)
	fmt.Println(car.Status)
	car, _ = svc.AcceptBid(ctx, owner, car.ID, all[0].ID)
	fmt.Println(car.Status, "to user", car.Buyer)
	// Output:
	// waiting 르노삼성 sm sm5
	// ongoing 7:4:5 1996-12 (1996년형) 2.5만km 하이브리드·수동·흰색
	// lowering: conflict: your bid is already 1200만원; a new bid must be higher
	// bidder A sees 1 bid of 1200
	// owner sees 2 bids, highest 1500
	// end
	// sold to user 4
}

// ImportCatalog reads an .xlsx with the header 브랜드 | 차종 | 모델 and adds
// what is missing; importing the same file again adds nothing.
func ExampleService_ImportCatalog() {
	ctx := context.Background()
	db := memory.New()
	svc, _ := auction.New(db.Auction(), db.Media(), auction.Config{})
	file := catalogFile()
	rep, _ := svc.ImportCatalog(ctx, bytes.NewReader(file))
	fmt.Printf("%+v\n", rep)
	rep, _ = svc.ImportCatalog(ctx, bytes.NewReader(file))
	fmt.Printf("%+v\n", rep)
	models, _ := svc.ModelsOf(ctx, "소나타", "")
	for _, m := range models {
		fmt.Println(m.Name)
	}
	// Output:
	// {Rows:3 Brands:2 Kinds:2 Models:3}
	// {Rows:3 Brands:0 Kinds:0 Models:0}
	// 소나타 2.0
	// LF 소나타
}

// The list shows approved cars, 16 a page, newest auction start first.
func ExampleService_ListCars() {
	ctx := context.Background()
	db := memory.New()
	now := time.Date(2019, 4, 10, 9, 0, 0, 0, time.UTC)
	svc, _ := auction.New(db.Auction(), db.Media(), auction.Config{Now: func() time.Time { return now }})
	users, _ := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	_, _ = users.Register(ctx, auth.RegisterInput{Username: "admin", Password: "password123"}) // id 1, the seeded cars' owner
	svc.Seed(ctx, hanok.Actor{ID: 1, Superuser: true}, 50)
	page, _ := svc.ListCars(ctx, auction.ListOptions{Page: 99})
	fmt.Println("page", page.Page, "of", page.Pages, "-", page.Total, "cars,", len(page.Cars), "on this page")
	// Output:
	// page 3 of 3 - 40 cars, 8 on this page
}
