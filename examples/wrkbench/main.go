// Command wrkbench measures the read path of the example server against a
// static handler on the same machine, in one run.
//
// It builds examples/server, loads a SQLite file with the built-in auction
// catalog and N generated cars, a month of calendar events and a
// microblog of tweets, starts the server on that file, and serves a
// static 2 KB JSON body from a handler of its own. Then, round after
// round, it runs wrk (which must be installed) against the static handler
// and each read route in turn and prints each route's requests/s as a
// fraction of the static handler's in the same round, with the median
// over the rounds and the load average beside every round.
//
//	go run ./examples/wrkbench -cars 100000 -rounds 5
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storage/sqlite"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/odcloud"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "wrkbench:", err)
		os.Exit(1)
	}
}

const (
	secret   = "wrkbench-secret-0123456789abcdef0123456789"
	user     = "bench"
	password = "bench-password"
)

type target struct {
	name, url string
	auth      bool
}

func run() error {
	cars := flag.Int("cars", 100_000, "number of generated cars")
	tweets := flag.Int("tweets", 10_000, "number of tweets")
	rounds := flag.Int("rounds", 5, "rounds of wrk over every route")
	dur := flag.Duration("d", 10*time.Second, "duration of each wrk run")
	threads := flag.Int("t", 2, "wrk threads")
	conns := flag.Int("c", 16, "wrk connections")
	only := flag.String("only", "", "comma-separated route names to run (default all)")
	flag.Parse()
	ctx := context.Background()

	dir, err := os.MkdirTemp("", "wrkbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "server")
	build := exec.Command("go", "build", "-o", bin, "./examples/server")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build the server (run from the module's root): %w", err)
	}
	dbPath := filepath.Join(dir, "hanok.db")
	start := time.Now()
	month, err := load(ctx, dbPath, *cars, *tweets)
	if err != nil {
		return err
	}
	fmt.Printf("loaded %d cars, %d tweets in %v\n", *cars, *tweets, time.Since(start).Round(time.Millisecond))

	addr, err := freeAddr()
	if err != nil {
		return err
	}
	srv := exec.Command(bin, "-addr", addr, "-db", dbPath, "-media", filepath.Join(dir, "media"), "-jwt-secret", secret)
	srv.Stderr = os.Stderr // its request log goes to the null device
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	base := "http://" + addr
	if err := waitUp(base + "/healthz"); err != nil {
		return err
	}
	token, err := login(base)
	if err != nil {
		return err
	}
	var list []struct {
		ID int64 `json:"id"`
	}
	if err := getJSON(base+"/auction/cars/", token, &list); err != nil {
		return err
	}
	if len(list) == 0 {
		return fmt.Errorf("the car list is empty")
	}

	static, err := serveStatic()
	if err != nil {
		return err
	}
	targets := []target{
		{"static", static, false},
		{"list", base + "/auction/cars/?page=1", true},
		{"detail", fmt.Sprintf("%s/auction/cars/%d", base, list[len(list)/2].ID), true},
		{"calendar-month", base + "/calendar/api/v1/calendar/month?year_month=" + month, true},
		{"microblog-public", base + "/microblog/tweet/", false},
		{"microblog-home", base + "/microblog/timeline/", true},
		{"trials-read", base + "/trials/tasks/1", false},
		{"trials-search", base + "/trials/tasks/search?title=%EC%BD%94%ED%98%B8%ED%8A%B8&limit=10", false},
	}
	if *only != "" {
		keep := strings.Split(*only, ",")
		targets = slices.DeleteFunc(targets, func(t target) bool { return t.name != "static" && !slices.Contains(keep, t.name) })
	}
	for _, t := range targets {
		n, err := check(t, token)
		if err != nil {
			return err
		}
		fmt.Printf("%-18s %6d bytes  %s\n", t.name, n, t.url)
	}

	fmt.Printf("wrk -t%d -c%d -d%v, %d rounds, GOMAXPROCS of the server: default\n", *threads, *conns, *dur, *rounds)
	rps := map[string][]float64{}
	ratios := map[string][]float64{}
	for r := 1; r <= *rounds; r++ {
		fmt.Printf("round %d, load average %s\n", r, loadavg())
		for _, t := range targets {
			v, err := runWrk(t, token, *threads, *conns, *dur)
			if err != nil {
				return err
			}
			rps[t.name] = append(rps[t.name], v)
			ratio := v / rps["static"][len(rps["static"])-1]
			ratios[t.name] = append(ratios[t.name], ratio)
			fmt.Printf("  %-18s %9.0f req/s  %6.1f%%  (load %s)\n", t.name, v, 100*ratio, loadavg())
		}
	}
	fmt.Printf("\nmedians over %d rounds (%d cars):\n", *rounds, *cars)
	fmt.Printf("| route | req/s | of static |\n| --- | ---: | ---: |\n")
	for _, t := range targets {
		fmt.Printf("| %s | %.0f | %.1f%% |\n", t.name, median(rps[t.name]), 100*median(ratios[t.name]))
	}
	fmt.Printf("load average at the end: %s\n", loadavg())
	return nil
}

// load fills a new database at path and returns the year-month (YYYY-MM)
// whose calendar holds the events.
func load(ctx context.Context, path string, ncars, ntweets int) (string, error) {
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return "", err
	}
	defer db.Close()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: []byte(secret), BcryptCost: bcrypt.MinCost})
	if err != nil {
		return "", err
	}
	blog := microblog.New(db.Microblog(), authn, microblog.Config{})
	me, err := blog.Signup(ctx, microblog.SignupInput{Handle: user, Name: "Bench", Password: password})
	if err != nil {
		return "", err
	}
	actor := hanok.Actor{ID: me.User, Username: user}

	svc, err := auction.New(db.Auction(), memory.NewMediaStore(), auction.Config{})
	if err != nil {
		return "", err
	}
	if _, err := svc.ImportEntries(ctx, auction.DefaultCatalog()); err != nil {
		return "", err
	}
	models, err := db.Auction().ModelIDs(ctx)
	if err != nil {
		return "", err
	}
	now := time.Now()
	rnd := rand.New(rand.NewPCG(1, uint64(ncars)))
	for done := 0; done < ncars; {
		batch := min(10_000, ncars-done)
		cs := auction.GenerateCars(models, actor, batch, now, 48*time.Hour, rnd)
		// Spread the auction starts so that the list order is not one tie.
		for i, c := range cs {
			if !c.AuctionStart.IsZero() {
				shift := time.Duration(done+i) * time.Second
				c.AuctionStart, c.AuctionEnd = c.AuctionStart.Add(-shift), c.AuctionEnd.Add(-shift)
			}
		}
		if err := db.Auction().CreateCars(ctx, cs); err != nil {
			return "", err
		}
		done += batch
	}

	cal, err := calendar.New(db.Calendar(), calendar.Config{})
	if err != nil {
		return "", err
	}
	loc := cal.Location()
	y, m, _ := now.In(loc).Date()
	first := time.Date(y, m, 1, 9, 0, 0, 0, loc)
	for i := range 300 {
		s := first.AddDate(0, 0, i%28).Add(time.Duration(i%10) * time.Hour)
		if _, err := cal.CreateEvent(ctx, actor, calendar.EventInput{Subject: fmt.Sprintf("event %d", i), Start: s, End: s.Add(time.Hour)}); err != nil {
			return "", err
		}
	}

	var authors []hanok.Actor
	for i := range 50 {
		h := fmt.Sprintf("author%d", i)
		p, err := blog.Signup(ctx, microblog.SignupInput{Handle: h, Name: h, Password: password})
		if err != nil {
			return "", err
		}
		a := hanok.Actor{ID: p.User, Username: h}
		authors = append(authors, a)
		if i%2 == 0 {
			if err := blog.Follow(ctx, actor, h); err != nil {
				return "", err
			}
		}
	}
	for i := range ntweets {
		if _, err := blog.Post(ctx, authors[i%len(authors)], microblog.PostInput{Content: fmt.Sprintf("tweet number %d of the bench", i)}); err != nil {
			return "", err
		}
	}
	if err := loadTrials(ctx, db); err != nil {
		return "", err
	}
	return fmt.Sprintf("%04d-%02d", y, m), nil
}

// trialsData is the upstream's 145 real records, in its own envelope.
const trialsData = "testdata/trials/odcloud_3074271_all.json"

// loadTrials syncs the real trial records into db, as trials import does.
func loadTrials(ctx context.Context, db *sqlite.DB) error {
	file, err := odcloud.OpenFile(trialsData)
	if err != nil {
		return fmt.Errorf("the trials records (run from the module's root): %w", err)
	}
	mirror, err := trials.New(db.Trials(), trials.Config{Source: file})
	if err != nil {
		return err
	}
	_, err = mirror.RunSync(ctx, trials.SyncOptions{})
	return err
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitUp(url string) error {
	for range 300 {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the server did not answer %s", url)
}

func login(base string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	res, err := http.Post(base+"/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var s struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil || s.Token == "" {
		return "", fmt.Errorf("login: %d %v", res.StatusCode, err)
	}
	return s.Token, nil
}

func getJSON(url, token string, v any) error {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "JWT "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("GET %s: %d %s", url, res.StatusCode, b)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// check asks t once and returns the size of its JSON body.
func check(t target, token string) (int, error) {
	var v json.RawMessage
	if err := getJSON(t.url, token, &v); err != nil {
		return 0, fmt.Errorf("%s: %w", t.name, err)
	}
	return len(v), nil
}

// serveStatic serves a fixed 2 KB JSON body and returns its URL.
func serveStatic() (string, error) {
	items := make([]map[string]any, 0, 16)
	for i := range 16 {
		items = append(items, map[string]any{"id": i, "name": fmt.Sprintf("item %02d", i), "count": i * 7, "flag": i%2 == 0, "text": strings.Repeat("x", 60)})
	}
	body, err := json.Marshal(items)
	if err != nil {
		return "", err
	}
	body = append(body, '\n')
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	}))
	return fmt.Sprintf("http://%s/static.json", l.Addr()), nil
}

var (
	rpsLine  = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	non2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	sockErrs = regexp.MustCompile(`Socket errors: .*`)
)

func runWrk(t target, token string, threads, conns int, d time.Duration) (float64, error) {
	args := []string{"-t" + strconv.Itoa(threads), "-c" + strconv.Itoa(conns), "-d" + strconv.Itoa(int(d.Seconds())) + "s"}
	if t.auth {
		args = append(args, "-H", "Authorization: JWT "+token)
	}
	out, err := exec.Command("wrk", append(args, t.url)...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk %s: %w\n%s", t.name, err, out)
	}
	if m := non2xx.FindSubmatch(out); m != nil {
		return 0, fmt.Errorf("wrk %s: %s non-2xx answers", t.name, m[1])
	}
	if m := sockErrs.Find(out); m != nil {
		fmt.Printf("  %s: %s\n", t.name, m)
	}
	m := rpsLine.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("wrk %s: no Requests/sec in\n%s", t.name, out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
