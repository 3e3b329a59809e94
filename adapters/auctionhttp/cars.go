package auctionhttp

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auction"
)

// BrandItem, KindItem and ModelItem are the bodies of the search lists.
type (
	// BrandItem is a brand in the brand list.
	BrandItem struct {
		ID       auction.BrandID `json:"id"`
		Name     string          `json:"brand_name"`
		CarCount int             `json:"car_count"`
	}
	// KindItem is a kind in the kind list.
	KindItem struct {
		ID       auction.KindID `json:"id"`
		Name     string         `json:"kind_name"`
		CarCount int            `json:"car_count"`
	}
	// ModelItem is a model in the model list.
	ModelItem struct {
		ID       auction.ModelID `json:"id"`
		Name     string          `json:"model_name"`
		CarCount int             `json:"car_count"`
	}
)

// Ref is a brand, kind or model nested in a car.
type Ref struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	CarCount int    `json:"car_count"`
}

// ImageBody is an image of a car.
type ImageBody struct {
	ID        auction.ImageID `json:"id"`
	Image     string          `json:"image"`
	Represent bool            `json:"represent"`
}

// CreatedCar is the body of a registered car.
type CreatedCar struct {
	ID           auction.CarID        `json:"id"`
	Year         string               `json:"year"`
	Fuel         auction.Fuel         `json:"fuel_type"`
	Transmission auction.Transmission `json:"transmission_type"`
	Color        string               `json:"color"`
	Mileage      int                  `json:"mileage"`
	Address      string               `json:"address"`
	Images       []ImageBody          `json:"images"`
}

// ListItem is a car in the car list.
type ListItem struct {
	ID                  auction.CarID  `json:"id"`
	Status              auction.Status `json:"status"`
	TimeRemaining       *string        `json:"time_remaining"`
	RepresentativeImage *ImageBody     `json:"representative_image"`
	Kind                Ref            `json:"kind"`
	Model               Ref            `json:"model"`
	DetailYear          string         `json:"car_detail_year"`
	ListMileage         string         `json:"car_list_mileage"`
	Address             string         `json:"address"`
}

// CarDetail is the body of a car's detail. Owner, Buyer and SoldBid go
// beyond the original service, for the sealed bids.
type CarDetail struct {
	ID             auction.CarID  `json:"id"`
	Status         auction.Status `json:"status"`
	TimeRemaining  *string        `json:"time_remaining"`
	Brand          Ref            `json:"brand"`
	Kind           Ref            `json:"kind"`
	Model          Ref            `json:"model"`
	DetailYear     string         `json:"car_detail_year"`
	DetailMileage  string         `json:"car_detail_mileage"`
	DetailInfo     string         `json:"car_detail_info"`
	Address        string         `json:"address"`
	Images         []ImageBody    `json:"images"`
	Owner          hanok.UserID   `json:"owner"`
	Buyer          *hanok.UserID  `json:"buyer,omitempty"`
	SoldBid        *auction.BidID `json:"sold_bid,omitempty"`
	AuctionStarted *time.Time     `json:"auction_start,omitempty"`
	AuctionEnds    *time.Time     `json:"auction_end,omitempty"`
}

// BidBody is a sealed bid; Amount is in 만원.
type BidBody struct {
	ID      auction.BidID `json:"id"`
	Car     auction.CarID `json:"car"`
	Bidder  hanok.UserID  `json:"bidder"`
	Amount  int64         `json:"amount"`
	Created time.Time     `json:"created"`
	Updated time.Time     `json:"updated"`
}

func (h *handler) image(im auction.Image) ImageBody {
	return ImageBody{ID: im.ID, Image: h.mediaURL + im.Path, Represent: im.Represent}
}

func (h *handler) images(c *auction.Car) []ImageBody {
	out := make([]ImageBody, len(c.Images))
	for i, im := range c.Images {
		out[i] = h.image(im)
	}
	return out
}

func remaining(c *auction.Car, now time.Time) *string {
	if s, ok := c.Remaining(now); ok {
		return &s
	}
	return nil
}

func (h *handler) detailBody(c *auction.Car) CarDetail {
	d := CarDetail{
		ID: c.ID, Status: c.Status, TimeRemaining: remaining(c, h.svc.Now()),
		Brand:         Ref{int64(c.Brand.ID), c.Brand.Name, c.Brand.CarCount},
		Kind:          Ref{int64(c.Kind.ID), c.Kind.Name, c.Kind.CarCount},
		Model:         Ref{int64(c.Model.ID), c.Model.Name, c.Model.CarCount},
		DetailYear:    auction.DetailYear(c.Year),
		DetailMileage: auction.DetailMileage(c.Mileage),
		DetailInfo:    auction.DetailInfo(c.Fuel, c.Transmission, c.Color),
		Address:       c.Address, Images: h.images(c), Owner: c.Owner,
	}
	if c.Buyer != 0 {
		d.Buyer, d.SoldBid = &c.Buyer, &c.SoldBid
	}
	if !c.AuctionStart.IsZero() {
		d.AuctionStarted, d.AuctionEnds = &c.AuctionStart, &c.AuctionEnd
	}
	return d
}

func bidBody(b auction.Bid) BidBody {
	return BidBody{ID: b.ID, Car: b.Car, Bidder: b.Bidder, Amount: b.Amount, Created: b.Created, Updated: b.Updated}
}

func (h *handler) search(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	q := r.URL.Query()
	brand, kind := q.Get("brand"), q.Get("kind")
	switch {
	case kind != "":
		ms, err := h.svc.ModelsOf(r.Context(), kind, brand)
		if err != nil {
			return err
		}
		out := make([]ModelItem, len(ms))
		for i, m := range ms {
			out[i] = ModelItem{m.ID, m.Name, m.CarCount}
		}
		httpx.WriteJSON(w, http.StatusOK, out)
	case brand != "":
		ks, err := h.svc.KindsOf(r.Context(), brand)
		if err != nil {
			return err
		}
		out := make([]KindItem, len(ks))
		for i, k := range ks {
			out[i] = KindItem{k.ID, k.Name, k.CarCount}
		}
		httpx.WriteJSON(w, http.StatusOK, out)
	default:
		bs, err := h.svc.Brands(r.Context())
		if err != nil {
			return err
		}
		out := make([]BrandItem, len(bs))
		for i, b := range bs {
			out[i] = BrandItem{b.ID, b.Name, b.CarCount}
		}
		httpx.WriteJSON(w, http.StatusOK, out)
	}
	return nil
}

// Limits of the registration form beyond the body's size: a text field
// (the domain's own limits are far below it) and the number of parts.
const (
	maxFieldBytes = 64 << 10
	maxFormParts  = 1000
)

// carFormFields are the text fields of the registration form; others are
// read past, not kept.
var carFormFields = map[string]bool{
	"model": true, "kind": true, "brand": true, "year": true, "fuel_type": true,
	"transmission_type": true, "color": true, "mileage": true, "address": true,
}

// readErrors remembers the last error of reading r other than io.EOF, so
// that a failed copy can tell the client's body from the media store.
type readErrors struct {
	r   io.Reader
	err error
}

func (e *readErrors) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// decodeNewCar reads the multipart registration form part by part: the
// form's text fields into memory (each at most maxFieldBytes, the first
// of a name), each car_images file
// streamed into the media store's temporary area (auction.StageUpload),
// so neither memory nor the system's temporary directory holds an
// upload. Files past the most a car may have are counted, not kept. On
// error no staged file is left.
func (h *handler) decodeNewCar(w http.ResponseWriter, r *http.Request) (in auction.NewCar, err error) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "multipart/form-data" {
		return in, hanok.Errorf(hanok.Invalid, "request body must be multipart/form-data with the car's fields and car_images files")
	}
	// An upload may take long, but it must keep coming, whether or not the
	// handler is mounted behind the system handler's deadlines.
	httpx.ProgressDeadline(w, r, h.progress)
	r.Body = http.MaxBytesReader(w, r.Body, h.maxUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return in, httpx.BodyError(err, h.maxUpload, "malformed multipart body")
	}
	defer func() {
		if err != nil {
			if derr := auction.DiscardUploads(in.Images); derr != nil {
				h.logger.ErrorContext(r.Context(), "discarding staged uploads", "err", derr)
			}
			in.Images = nil
		}
	}()
	values := map[string]string{}
	maxImages := h.svc.Config().MaxImages
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		// Only the form's end is a bare io.EOF; a body cut short wraps it.
		if err == io.EOF {
			break
		}
		if err != nil {
			return in, httpx.BodyError(err, h.maxUpload, "malformed multipart body")
		}
		if parts == maxFormParts {
			return in, hanok.Errorf(hanok.Invalid, "multipart body has more than %d parts", maxFormParts)
		}
		name := p.FormName()
		switch {
		case p.FileName() == "" && !carFormFields[name]:
			// Not a field of the form: NextPart skips it.
		case p.FileName() == "":
			v, err := io.ReadAll(io.LimitReader(p, maxFieldBytes+1))
			if err != nil {
				return in, httpx.BodyError(err, h.maxUpload, "malformed multipart body")
			}
			if len(v) > maxFieldBytes {
				return in, hanok.FieldError(name, fmt.Sprintf("must be at most %d bytes", maxFieldBytes))
			}
			if _, seen := values[name]; !seen {
				values[name] = string(v)
			}
		case name != "car_images":
			// Another file: NextPart skips it.
		case len(in.Images) >= maxImages:
			// One too many already: the service refuses the count.
			in.Images = append(in.Images, auction.Upload{Name: p.FileName()})
		default:
			body := &readErrors{r: p}
			up, err := h.svc.StageUpload(r.Context(), p.FileName(), body)
			if err != nil {
				if body.err != nil {
					return in, httpx.BodyError(body.err, h.maxUpload, "malformed multipart body")
				}
				return in, err
			}
			in.Images = append(in.Images, up)
		}
	}
	get := func(name string) string { return values[name] }
	in.Model, in.Kind, in.Brand, in.Year = get("model"), get("kind"), get("brand"), get("year")
	in.Fuel, in.Transmission = auction.Fuel(strings.TrimSpace(get("fuel_type"))), auction.Transmission(strings.TrimSpace(get("transmission_type")))
	in.Color, in.Address = get("color"), get("address")
	mileage := strings.TrimSpace(get("mileage"))
	n, err := strconv.Atoi(mileage)
	if err != nil {
		return in, hanok.FieldError("mileage", fmt.Sprintf("must be a whole number of km, not %q", mileage))
	}
	in.Mileage = n
	return in, nil
}

// errUploadsBusy answers an upload while every upload slot is taken.
var errUploadsBusy = &hanok.Error{Code: hanok.Unavailable, Message: "too many car registrations are uploading; try again in a few seconds", RetryAfter: 5 * time.Second}

// errUserUploadsBusy answers an upload of a user who has as many uploading
// as one user may.
var errUserUploadsBusy = &hanok.Error{Code: hanok.RateLimited, Message: "you already have as many car registrations uploading as one user may; try again when one has finished", RetryAfter: 5 * time.Second}

// uploadSlots counts the car registrations in flight, over every user and
// per user.
type uploadSlots struct {
	mu           sync.Mutex
	max, perUser int
	total        int
	byUser       map[hanok.UserID]int
}

// take reserves a slot for an upload of user: errUserUploadsBusy if the
// user has perUser uploading, errUploadsBusy if every slot is taken.
func (s *uploadSlots) take(user hanok.UserID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byUser[user] >= s.perUser {
		return errUserUploadsBusy
	}
	if s.total >= s.max {
		return errUploadsBusy
	}
	if s.byUser == nil {
		s.byUser = map[hanok.UserID]int{}
	}
	s.total++
	s.byUser[user]++
	return nil
}

// give frees the slot of an upload of user.
func (s *uploadSlots) give(user hanok.UserID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total--
	if s.byUser[user]--; s.byUser[user] <= 0 {
		delete(s.byUser, user)
	}
}

func (h *handler) createCar(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	// Bound the uploads in flight, a user's and everyone's: a request
	// past a bound is refused before its body is read.
	if err := h.uploads.take(actor.ID); err != nil {
		return err
	}
	defer h.uploads.give(actor.ID)
	in, err := h.decodeNewCar(w, r)
	if err != nil {
		return err
	}
	c, err := h.svc.CreateCar(r.Context(), actor, in)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, CreatedCar{
		ID: c.ID, Year: c.Year.Format(time.DateOnly), Fuel: c.Fuel, Transmission: c.Transmission,
		Color: c.Color, Mileage: c.Mileage, Address: c.Address, Images: h.images(c),
	})
	return nil
}

func (h *handler) approve(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	id, err := carID(r)
	if err != nil {
		return err
	}
	c, err := h.svc.Approve(r.Context(), actor, id)
	if err != nil {
		return superuserOnly(err)
	}
	httpx.WriteJSON(w, http.StatusOK, h.detailBody(c))
	return nil
}

func (h *handler) list(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	q := r.URL.Query()
	page := 1
	if q.Has("page") {
		page = auction.ParsePage(q.Get("page"))
	}
	p, err := h.svc.ListCars(r.Context(), auction.ListOptions{Model: q.Get("model"), Reverse: q.Get("ordering") == "reverse", Page: page})
	if err != nil {
		return err
	}
	out := make([]ListItem, len(p.Cars))
	// One clock reading for the page: on this machine kind a reading costs
	// about as much as a car's JSON.
	now := h.svc.Now()
	for i := range p.Cars {
		c := &p.Cars[i]
		item := ListItem{
			ID: c.ID, Status: c.Status, TimeRemaining: remaining(c, now),
			Kind:        Ref{int64(c.Kind.ID), c.Kind.Name, c.Kind.CarCount},
			Model:       Ref{int64(c.Model.ID), c.Model.Name, c.Model.CarCount},
			DetailYear:  auction.DetailYear(c.Year),
			ListMileage: auction.ListMileage(c.Mileage),
			Address:     c.Address,
		}
		if im, ok := c.Representative(); ok {
			b := h.image(im)
			item.RepresentativeImage = &b
		}
		out[i] = item
	}
	hd := w.Header()
	hd.Set("X-Total-Count", strconv.Itoa(p.Total))
	hd.Set("X-Page", strconv.Itoa(p.Page))
	hd.Set("X-Page-Count", strconv.Itoa(p.Pages))
	hd.Set("Link", pageLinks(r, p.Page, p.Pages))
	writeList(w, out)
	return nil
}

func (h *handler) detail(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	id, err := carID(r)
	if err != nil {
		return err
	}
	c, err := h.svc.Car(r.Context(), actor, id)
	if err != nil {
		return err
	}
	d := h.detailBody(c)
	writeDetail(w, http.StatusOK, &d)
	return nil
}

// SeedResult is the body of the test-data route.
type SeedResult struct {
	Detail     string `json:"detail"`
	EndingSoon int    `json:"ending_soon"`
	Ongoing    int    `json:"ongoing"`
	Waiting    int    `json:"waiting"`
	Models     int    `json:"catalog_models_added"`
}

func (h *handler) seed(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	rep, err := h.svc.Seed(r.Context(), actor, auction.DefaultSeedCount)
	if err != nil {
		return superuserOnly(err)
	}
	httpx.WriteJSON(w, http.StatusOK, SeedResult{
		Detail:     fmt.Sprintf("%d test cars created", rep.EndingSoon+rep.Ongoing+rep.Waiting),
		EndingSoon: rep.EndingSoon, Ongoing: rep.Ongoing, Waiting: rep.Waiting, Models: rep.Catalog.Models,
	})
	return nil
}

func (h *handler) placeBid(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	id, err := carID(r)
	if err != nil {
		return err
	}
	in, err := httpx.DecodeJSON[struct {
		Amount *int64 `json:"amount"`
	}](w, r, 4<<10)
	if err == nil && in.Amount == nil {
		err = hanok.FieldError("amount", "is required")
	}
	if err != nil {
		return err
	}
	b, err := h.svc.PlaceBid(r.Context(), actor, id, *in.Amount)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, bidBody(*b))
	return nil
}

func (h *handler) bids(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	id, err := carID(r)
	if err != nil {
		return err
	}
	bs, err := h.svc.Bids(r.Context(), actor, id)
	if err != nil {
		return err
	}
	out := make([]BidBody, len(bs))
	for i, b := range bs {
		out[i] = bidBody(b)
	}
	httpx.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *handler) accept(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error {
	id, err := carID(r)
	if err != nil {
		return err
	}
	in, err := httpx.DecodeJSON[struct {
		BidID *int64 `json:"bid_id"`
	}](w, r, 4<<10)
	if err == nil && in.BidID == nil {
		err = hanok.FieldError("bid_id", "is required")
	}
	if err != nil {
		return err
	}
	c, err := h.svc.AcceptBid(r.Context(), actor, id, auction.BidID(*in.BidID))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, h.detailBody(c))
	return nil
}

func (h *handler) media(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("path")
	f, err := h.svc.OpenMedia(r.Context(), name)
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", auction.ContentTypeOf(name))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	return serveMedia(w, r, f)
}
