// Command wrkbench measures every read route of the example server
// against a static handler serving that route's own bytes, on the same
// machine, in one run.
//
// It builds examples/server, loads a new SQLite file (the built-in auction
// catalog of 1,326 models and -cars generated cars; a calendar month of
// 60 events of one user plus 30 of three groups the user selected, and a
// month of 300 events of a second user (calendar-month-300, the month the
// originals were last measured with), among -events events of 1,000
// other users over 20 years; -tweets tweets by 50
// authors, half of them followed by that user, and a thread of 20
// replies; -trials trial records, the 145 real ones of testdata/trials
// and generated copies past them; -subscribers mailing list subscribers),
// starts the server on that file and waits until /readyz answers 200.
// It then fetches each route's body once and serves those very bytes,
// with the route's Content-Type, from a plain http.HandlerFunc of its own
// (one path per route), checking that the static side answers
// byte-identical bodies. Round after round, it runs wrk (which must be
// installed) against each route's static twin and the route, one after
// the other, and prints the route's requests/s as a share of its twin's
// in the same round, the load average beside every run, and the medians
// over the rounds.
//
//	go run ./examples/wrkbench -rounds 3
//	go run ./examples/wrkbench -cars 1000 -big -rounds 3 -d 3s
//	go run ./examples/wrkbench -rounds 3 -postgres 'postgres://user:password@127.0.0.1:5432/db?sslmode=disable'
//
// With -big it also loads a second database with the -big-* sizes (by
// default 100 times the data: 100,000 cars, 1,000,000 tweets, 1,000,000
// events, 100,000 trials; the subscribers stay 1,000, since the whole
// list grows with them by design) and starts a second server on it. Each round
// then runs every route on both, each right after its own static twin,
// and the end prints, besides each database's table, the big database's
// time per request over the small one's, the same route in the same
// round. The mailing list is measured whole (the seed's route, every
// subscriber) and as its first page of 100 (mailing-list-page).
//
// The big tables (tweets, other users' events, subscribers) are written
// with SQL straight into the file, in one transaction each, as the stores
// would have left them; the rest goes through the services.
//
// With -postgres URL the same data goes into PostgreSQL instead, and the
// server runs with -db set to it: wrkbench creates a new schema
// wrkbench_<random hex> in that database, gives the server and its own
// stores the URL with search_path set to it (postgres.Open migrates the
// schema the search_path selects, as storage/postgres's tests each get
// one from pgtest), and drops the schema with all it holds at the end
// (an interrupted run leaves it: the first line printed names it). The
// database needs no other preparation: the URL's user must be allowed
// to create a schema in it. The services' part goes through the
// PostgreSQL stores' same calls; the big tables are written with
// PostgreSQL's own SQL (generate_series, timestamptz columns), plus the
// 1,000 other users the events' owner_id references there. After that
// bulk load, wrkbench runs ANALYZE on every table of the schema: the
// server never does, but autovacuum (on by default) would within its
// naptime of a minute, that is during the first round, and every round
// should measure the plans a database kept by autovacuum has. The table
// printed is the same as for SQLite.
package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storage/postgres"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
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
	user300  = "bench300" // a user with 300 events in the month
	password = "bench-password"
)

// sizes is how much data the bench loads.
type sizes struct {
	cars, tweets, events, trials, subscribers int
}

// target is one route, and the static twin serving its bytes.
type target struct {
	name, url string
	token     string // sent as "Authorization: JWT <token>" when not ""
	path      string // the twin's path: /<instance label>/<name>
	static    string // the twin's URL
	body      []byte
}

// instance is one loaded database and the server running on it.
type instance struct {
	label           string // "1x" or "big"
	n               sizes
	fx              *fixture
	base            string
	token, token300 string // the bench user's, and the 300-event user's
	targets         []*target
}

func run() error {
	var n sizes
	flag.IntVar(&n.cars, "cars", 100_000, "number of generated auction cars")
	flag.IntVar(&n.tweets, "tweets", 10_000, "number of tweets")
	flag.IntVar(&n.events, "events", 10_000, "number of calendar events besides the month's (other months, other users)")
	flag.IntVar(&n.trials, "trials", 145, "number of trials (past the 145 real records, generated copies)")
	flag.IntVar(&n.subscribers, "subscribers", 1_000, "number of mailing list subscribers")
	var big sizes
	bigOn := flag.Bool("big", false, "also load a second database with -big-* data and run every route on both, alternating, to compare their times")
	flag.IntVar(&big.cars, "big-cars", 100_000, "with -big: cars of the big database")
	flag.IntVar(&big.tweets, "big-tweets", 1_000_000, "with -big: tweets of the big database")
	flag.IntVar(&big.events, "big-events", 1_000_000, "with -big: other users' events of the big database")
	flag.IntVar(&big.trials, "big-trials", 100_000, "with -big: trials of the big database")
	flag.IntVar(&big.subscribers, "big-subscribers", 1_000, "with -big: subscribers of the big database")
	rounds := flag.Int("rounds", 3, "rounds of wrk over every route")
	dur := flag.Duration("d", 5*time.Second, "duration of each wrk run")
	threads := flag.Int("t", 2, "wrk threads")
	conns := flag.Int("c", 16, "wrk connections")
	only := flag.String("only", "", "comma-separated route names to run (default all)")
	debugAddr := flag.String("debug-addr", "", "the server's -debug-addr (pprof), to profile it under wrk")
	hold := flag.Bool("hold", false, "load, start and check, then keep the server up until interrupted instead of running wrk")
	pgURL := flag.String("postgres", "", "a postgres:// URL: load the data into a new schema of that database (dropped at the end) and run the server on it, instead of on a SQLite file")
	flag.Parse()
	if *pgURL != "" && !postgres.IsDSN(*pgURL) {
		// Not echoed: a key=value DSN may hold a password.
		return errors.New("-postgres: want a postgres:// or postgresql:// URL, as the server's -db takes")
	}
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

	// start loads a database of n and starts a server on it.
	start := func(label string, n sizes, debugAddr string) (*instance, func(), error) {
		var cleanup []func()
		done := func() {
			for _, f := range slices.Backward(cleanup) {
				f()
			}
		}
		be := sqliteBackend(filepath.Join(dir, label+".db"))
		if *pgURL != "" {
			schema, err := createSchema(ctx, *pgURL)
			if err != nil {
				return nil, done, err
			}
			fmt.Printf("%s: PostgreSQL %s, schema %s (dropped at the end; after an interrupted run: DROP SCHEMA %s CASCADE)\n", label, postgres.Redacted(*pgURL), schema, schema)
			cleanup = append(cleanup, func() {
				if err := dropSchema(*pgURL, schema); err != nil {
					fmt.Fprintln(os.Stderr, "wrkbench:", err)
				}
			})
			be = postgresBackend(pgtest.WithSearchPath(*pgURL, schema))
		}
		began := time.Now()
		fx, err := load(ctx, be, n)
		if err != nil {
			return nil, done, err
		}
		fmt.Printf("%s: loaded %d cars (built-in catalog), %d tweets, %d + %d + %d calendar events, %d trials, %d subscribers in %v\n",
			label, n.cars, n.tweets, n.events, fx.monthEvents, fx.month300Events, n.trials, n.subscribers, time.Since(began).Round(time.Millisecond))
		addr, err := freeAddr()
		if err != nil {
			return nil, done, err
		}
		args := []string{"-addr", addr, "-db", be.db, "-media", filepath.Join(dir, label+"-media"), "-jwt-secret", secret}
		if debugAddr != "" {
			args = append(args, "-debug-addr", debugAddr)
		}
		srv := exec.Command(bin, args...)
		srv.Stderr = os.Stderr // its request log goes to the null device
		if err := srv.Start(); err != nil {
			return nil, done, err
		}
		cleanup = append(cleanup, func() { _ = srv.Process.Kill(); _ = srv.Wait() })
		in := &instance{label: label, n: n, fx: fx, base: "http://" + addr}
		if err := waitReady(in.base + "/readyz"); err != nil {
			return nil, done, err
		}
		if in.token, err = login(in.base, user); err != nil {
			return nil, done, err
		}
		if in.token300, err = login(in.base, user300); err != nil {
			return nil, done, err
		}
		in.targets, err = routes(in, *only)
		for _, t := range in.targets {
			t.path = "/" + label + "/" + t.name
		}
		return in, done, err
	}

	small, stop, err := start("1x", n, *debugAddr)
	defer stop()
	if err != nil {
		return err
	}
	instances := []*instance{small}
	if *bigOn {
		b, stop, err := start("big", big, "")
		defer stop()
		if err != nil {
			return err
		}
		instances = append(instances, b)
	}
	var all []*target
	for _, in := range instances {
		all = append(all, in.targets...)
	}
	static, err := serveStatic(all)
	if err != nil {
		return err
	}
	for _, in := range instances {
		for _, t := range in.targets {
			t.static = static + t.path
			b, err := fetch(t.static, "")
			if err != nil {
				return err
			}
			if !bytes.Equal(b, t.body) {
				return fmt.Errorf("%s %s: the static twin's body differs from the route's", in.label, t.name)
			}
			fmt.Printf("%-3s %-19s %7d bytes (static twin byte-identical)  %s\n", in.label, t.name, len(t.body), t.url)
		}
	}

	if *hold {
		for _, in := range instances {
			fmt.Printf("%s: the server is up at %s (token: JWT %s); interrupt to stop\n", in.label, in.base, in.token)
		}
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		return nil
	}
	fmt.Printf("wrk -t%d -c%d -d%v, %d rounds; each route right after its static twin\n", *threads, *conns, *dur, *rounds)
	type key struct{ label, name string }
	rps := map[key][]float64{}
	twin := map[key][]float64{}
	ratios := map[key][]float64{}
	times := map[string][]float64{} // big's time per request over 1x's, per round
	for r := 1; r <= *rounds; r++ {
		fmt.Printf("round %d, load average %s\n", r, loadavg())
		for i, t := range small.targets {
			var got []float64
			for _, in := range instances {
				t := in.targets[i]
				s, err := runWrk(t.name+" (static)", t.static, "", *threads, *conns, *dur)
				if err != nil {
					return err
				}
				v, err := runWrk(t.name, t.url, t.token, *threads, *conns, *dur)
				if err != nil {
					return err
				}
				k := key{in.label, t.name}
				rps[k] = append(rps[k], v)
				twin[k] = append(twin[k], s)
				ratios[k] = append(ratios[k], v/s)
				got = append(got, v)
				fmt.Printf("  %-3s %-19s %9.0f req/s, static %9.0f  %.3f  (load %s)\n", in.label, t.name, v, s, v/s, loadavg())
			}
			if len(got) == 2 {
				times[t.name] = append(times[t.name], got[0]/got[1])
			}
		}
	}
	for _, in := range instances {
		n := in.n
		fmt.Printf("\n%s: medians over %d rounds (%d cars, %d tweets, %d + %d + %d events, %d trials, %d subscribers), load average %s:\n",
			in.label, *rounds, n.cars, n.tweets, n.events, in.fx.monthEvents, in.fx.month300Events, n.trials, n.subscribers, loadavg())
		fmt.Printf("| route | bytes | req/s | static twin req/s | share of static (min–max) |\n| --- | ---: | ---: | ---: | ---: |\n")
		for _, t := range in.targets {
			k := key{in.label, t.name}
			fmt.Printf("| %s | %d | %.0f | %.0f | %.2f (%.2f–%.2f) |\n", t.name, len(t.body), median(rps[k]), median(twin[k]),
				median(ratios[k]), slices.Min(ratios[k]), slices.Max(ratios[k]))
		}
	}
	if len(instances) == 2 {
		fmt.Printf("\nbig's time per request over 1x's, the same route in the same round (medians, min–max):\n")
		fmt.Printf("| route | big / 1x (min–max) |\n| --- | ---: |\n")
		for _, t := range small.targets {
			v := times[t.name]
			fmt.Printf("| %s | %.2f (%.2f–%.2f) |\n", t.name, median(v), slices.Min(v), slices.Max(v))
		}
	}
	return nil
}

// routes are the read routes of in's server, those named in only when
// it is not "".
func routes(in *instance, only string) ([]*target, error) {
	base, fx := in.base, in.fx
	var list []struct {
		ID int64 `json:"id"`
	}
	if err := getJSON(base+"/auction/cars/", in.token, &list); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("the car list is empty")
	}
	cal := base + "/calendar/api/v1/calendar/"
	targets := []*target{
		{name: "auction-list", url: base + "/auction/cars/?page=1", token: in.token},
		{name: "auction-detail", url: fmt.Sprintf("%s/auction/cars/%d", base, list[len(list)/2].ID), token: in.token},
		{name: "calendar-month", url: cal + "month?year_month=" + fx.month, token: in.token},
		{name: "calendar-month-300", url: cal + "month?year_month=" + fx.month, token: in.token300},
		{name: "calendar-date", url: cal + "date?date=" + fx.date, token: in.token},
		{name: "calendar-today", url: cal + "today", token: in.token},
		{name: "calendar-search", url: cal + "search?search_word=" + url.QueryEscape("review"), token: in.token},
		{name: "microblog-public", url: base + "/microblog/tweet/"},
		{name: "microblog-home", url: base + "/microblog/timeline/", token: in.token},
		{name: "microblog-user", url: base + "/microblog/users/" + fx.author + "/tweets/"},
		{name: "microblog-thread", url: fmt.Sprintf("%s/microblog/tweet/%d/thread/", base, fx.thread)},
		{name: "trials-read", url: base + "/trials/tasks/1"},
		{name: "trials-search", url: base + "/trials/tasks/search?title=" + url.QueryEscape("코호트") + "&limit=10"},
		{name: "trials-list", url: base + "/trials/tasks?days=7&limit=10"},
		{name: "mailing-list", url: base + "/mailing/subscribe", token: in.token},
		{name: "mailing-list-page", url: base + "/mailing/subscribe?limit=100", token: in.token},
	}
	if only != "" {
		keep := strings.Split(only, ",")
		targets = slices.DeleteFunc(targets, func(t *target) bool { return !slices.Contains(keep, t.name) })
	}
	return targets, nil
}

// fixture is what the routes ask for.
type fixture struct {
	month, date string // YYYY-MM and YYYY-MM-DD of the calendar's month
	monthEvents int
	// month300Events are user300's events in the month.
	month300Events int
	author         string            // a tweets' author
	thread         microblog.TweetID // a tweet with 20 replies
	benchUser      hanok.UserID
}

// stores are the domain stores of one open database.
type stores struct {
	auth      auth.Store
	auction   auction.Store
	calendar  calendar.Store
	microblog microblog.Store
	trials    trials.Store
	close     func() error
}

// backend is the database the bench loads and the server runs on.
type backend struct {
	db   string // the server's -db
	open func(ctx context.Context) (*stores, error)
	// bulk writes the big tables with SQL, while no stores are open.
	bulk func(ctx context.Context, n sizes, fx *fixture, authors []hanok.Actor) error
}

// sqliteBackend is a new SQLite file at path.
func sqliteBackend(path string) backend {
	return backend{
		db: path,
		open: func(ctx context.Context) (*stores, error) {
			db, err := sqlite.Open(ctx, path)
			if err != nil {
				return nil, err
			}
			return &stores{auth: db.Auth(), auction: db.Auction(), calendar: db.Calendar(), microblog: db.Microblog(), trials: db.Trials(), close: db.Close}, nil
		},
		bulk: func(ctx context.Context, n sizes, fx *fixture, authors []hanok.Actor) error {
			return bulk(ctx, path, n, fx, authors)
		},
	}
}

// postgresBackend is the (empty) PostgreSQL database or schema of dsn.
func postgresBackend(dsn string) backend {
	return backend{
		db: dsn,
		open: func(ctx context.Context) (*stores, error) {
			db, err := postgres.Open(ctx, dsn)
			if err != nil {
				return nil, err
			}
			return &stores{auth: db.Auth(), auction: db.Auction(), calendar: db.Calendar(), microblog: db.Microblog(), trials: db.Trials(), close: db.Close}, nil
		},
		bulk: func(ctx context.Context, n sizes, fx *fixture, authors []hanok.Actor) error {
			return bulkPostgres(ctx, dsn, n, fx, authors)
		},
	}
}

// load fills the new database of be.
func load(ctx context.Context, be backend, n sizes) (*fixture, error) {
	db, err := be.open(ctx)
	if err != nil {
		return nil, err
	}
	defer db.close()
	fx := &fixture{}
	authn, err := auth.New(db.auth, auth.Config{Secret: []byte(secret), BcryptCost: bcrypt.MinCost})
	if err != nil {
		return nil, err
	}
	blog := microblog.New(db.microblog, authn, microblog.Config{})
	me, err := blog.Signup(ctx, microblog.SignupInput{Handle: user, Name: "Bench", Password: password})
	if err != nil {
		return nil, err
	}
	// The mailing list's subscribers are the administrator's to list.
	if err := authn.SetSuperuser(ctx, me.User, true); err != nil {
		return nil, err
	}
	actor := hanok.Actor{ID: me.User, Username: user, Superuser: true}
	fx.benchUser = me.User

	if err := loadCars(ctx, db.auction, actor, n.cars); err != nil {
		return nil, err
	}
	if err := loadCalendar(ctx, db.calendar, actor, fx); err != nil {
		return nil, err
	}
	p300, err := blog.Signup(ctx, microblog.SignupInput{Handle: user300, Name: "Bench 300", Password: password})
	if err != nil {
		return nil, err
	}
	if err := loadMonth300(ctx, db.calendar, hanok.Actor{ID: p300.User, Username: user300}, fx); err != nil {
		return nil, err
	}
	var authors []hanok.Actor
	for i := range 50 {
		h := fmt.Sprintf("author%d", i)
		p, err := blog.Signup(ctx, microblog.SignupInput{Handle: h, Name: h, Password: password})
		if err != nil {
			return nil, err
		}
		a := hanok.Actor{ID: p.User, Username: h}
		authors = append(authors, a)
		if i%2 == 0 {
			if err := blog.Follow(ctx, actor, h); err != nil {
				return nil, err
			}
		}
	}
	fx.author = authors[1].Username
	if err := loadTrials(ctx, db.trials, n.trials); err != nil {
		return nil, err
	}
	if err := db.close(); err != nil {
		return nil, err
	}
	if err := be.bulk(ctx, n, fx, authors); err != nil {
		return nil, err
	}

	// The thread goes through the service, after the bulk tweets.
	db, err = be.open(ctx)
	if err != nil {
		return nil, err
	}
	defer db.close()
	blog = microblog.New(db.microblog, nil, microblog.Config{})
	root, err := blog.Post(ctx, authors[0], microblog.PostInput{Content: "the root of a thread of twenty replies"})
	if err != nil {
		return nil, err
	}
	for i := range 20 {
		if _, err := blog.Post(ctx, authors[1+i%10], microblog.PostInput{Content: fmt.Sprintf("reply %d to the thread", i), InReplyTo: root.ID}); err != nil {
			return nil, err
		}
	}
	fx.thread = root.ID
	return fx, db.close()
}

// loadCars imports the built-in catalog and generates n cars.
func loadCars(ctx context.Context, store auction.Store, actor hanok.Actor, n int) error {
	svc, err := auction.New(store, memory.NewMediaStore(), auction.Config{})
	if err != nil {
		return err
	}
	if _, err := svc.ImportEntries(ctx, auction.BuiltInCatalog()); err != nil {
		return err
	}
	models, err := store.ModelIDs(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	rnd := rand.New(rand.NewPCG(1, uint64(n)))
	for done := 0; done < n; {
		batch := min(10_000, n-done)
		cs := auction.GenerateCars(models, actor, batch, now, 48*time.Hour, rnd)
		// Spread the auction starts so that the list order is not one tie.
		for i, c := range cs {
			if !c.AuctionStart.IsZero() {
				shift := time.Duration(done+i) * time.Second
				c.AuctionStart, c.AuctionEnd = c.AuctionStart.Add(-shift), c.AuctionEnd.Add(-shift)
			}
		}
		if err := store.CreateCars(ctx, cs); err != nil {
			return err
		}
		done += batch
	}
	return nil
}

// loadCalendar gives the actor 60 events in the current month and
// selects three groups of 10 events each in it.
func loadCalendar(ctx context.Context, store calendar.Store, actor hanok.Actor, fx *fixture) error {
	cal, err := calendar.New(store, calendar.Config{})
	if err != nil {
		return err
	}
	loc := cal.Location()
	now := time.Now().In(loc)
	y, m, _ := now.Date()
	first := time.Date(y, m, 1, 9, 0, 0, 0, loc)
	days := first.AddDate(0, 1, -1).Day()
	words := []string{"meeting", "review", "lunch", "call"}
	for i := range 60 {
		s := first.AddDate(0, 0, i%days).Add(time.Duration(i%5) * 2 * time.Hour)
		if _, err := cal.CreateEvent(ctx, actor, calendar.EventInput{Subject: fmt.Sprintf("%s %d", words[i%len(words)], i), Start: s, End: s.Add(time.Hour)}); err != nil {
			return err
		}
	}
	var groups []calendar.GroupID
	for g := range 3 {
		grp, err := cal.CreateGroup(ctx, actor, fmt.Sprintf("team %d", g))
		if err != nil {
			return err
		}
		groups = append(groups, grp.ID)
		for i := range 10 {
			s := first.AddDate(0, 0, (3*i+g)%days).Add(15 * time.Hour)
			if _, err := cal.CreateGroupEvent(ctx, actor, grp.ID, calendar.EventInput{Subject: fmt.Sprintf("team %d %s %d", g, words[i%len(words)], i), Start: s, End: s.Add(30 * time.Minute)}); err != nil {
				return err
			}
		}
	}
	if err := cal.SelectGroups(ctx, actor, groups); err != nil {
		return err
	}
	fx.monthEvents = 90
	fx.month = fmt.Sprintf("%04d-%02d", y, m)
	fx.date = first.AddDate(0, 0, min(14, days-1)).Format("2006-01-02")
	return nil
}

// loadMonth300 gives the actor 300 events in the current month, 10 a
// day, and no groups: the month the originals were last measured with.
func loadMonth300(ctx context.Context, store calendar.Store, actor hanok.Actor, fx *fixture) error {
	cal, err := calendar.New(store, calendar.Config{})
	if err != nil {
		return err
	}
	loc := cal.Location()
	y, m, _ := time.Now().In(loc).Date()
	first := time.Date(y, m, 1, 8, 0, 0, 0, loc)
	days := first.AddDate(0, 1, -1).Day()
	for i := range 300 {
		s := first.AddDate(0, 0, i%days).Add(time.Duration(i/days) * time.Hour)
		if _, err := cal.CreateEvent(ctx, actor, calendar.EventInput{Subject: fmt.Sprintf("appointment %d", i), Start: s, End: s.Add(45 * time.Minute)}); err != nil {
			return err
		}
	}
	fx.month300Events = 300
	return nil
}

// bulk writes the tweets, the other users' events and the subscribers
// straight into the file, one transaction each.
func bulk(ctx context.Context, path string, n sizes, fx *fixture, authors []hanok.Actor) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)&_pragma=synchronous(normal)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	created := time.Now().Add(-time.Hour).UnixNano()
	lo, hi := authors[0].ID, authors[len(authors)-1].ID
	steps := []struct {
		query string
		args  []any
	}{
		// Tweets in turn by the 50 authors (ids lo..hi, consecutive), each
		// in its author's home, and the even ones' (followed) in the
		// bench user's.
		{`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
			INSERT INTO microblog_tweets (author_id, content, created, updated) SELECT ? + i % ?, 'tweet number ' || i || ' of the bench', ? + i, ? + i FROM n`,
			[]any{n.tweets, lo, hi - lo + 1, created, created}},
		{`INSERT INTO microblog_home (owner_id, tweet_id, author_id) SELECT author_id, id, author_id FROM microblog_tweets`, nil},
		{`INSERT INTO microblog_home (owner_id, tweet_id, author_id) SELECT ?, t.id, t.author_id FROM microblog_tweets t
			JOIN microblog_follows f ON f.follower_id = ? AND f.followee_id = t.author_id`, []any{fx.benchUser, fx.benchUser}},
		// A microblog write, so that the server's read cache sees it.
		{`UPDATE microblog_writes SET writes = writes + 1 WHERE id = 1`, nil},
		// Events of 1,000 other users, 2015 to 2034, 30 minutes to 3
		// hours long: the bench user's calendar is the same at every
		// size.
		{`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
			INSERT INTO calendar_events (uid, owner_id, owner_email, group_id, subject, subject_key, start_at, end_at, created)
			SELECT 'bench-' || i || '@hanok', 100000 + i % 1000, '', NULL,
				'review ' || i, 'review ' || i, s, s + 1800000000000 + (i % 6) * 1800000000000, ?
			FROM (SELECT i, ? + (abs(random()) % 630720000) * 1000000000 AS s FROM n)`,
			[]any{n.events, created, time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()}},
		{`UPDATE calendar_span SET max_span = max(max_span, ?)`, []any{int64(3 * time.Hour)}},
		// A calendar write, so that the server's read cache sees it.
		{`UPDATE calendar_writes SET writes = writes + 1 WHERE id = 1`, nil},
		{`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO mailing_subscribers (email, email_key, name, subscribed, token, created, updated)
			SELECT 'reader' || i || '@example.com', 'reader' || i || '@example.com', 'Reader ' || i, 1, lower(hex(randomblob(16))), ?, ? FROM n`,
			[]any{n.subscribers, created, created}},
	}
	for _, s := range steps {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.query, s.args...); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("%s: %w", s.query, err)
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	// No ANALYZE: the server never runs it, and with its statistics
	// (sqlite_stat4) SQLite recompiles a prepared statement whenever a
	// bound range value could change its plan, at every request.
	return nil
}

// bulkPostgres writes what bulk writes, into the PostgreSQL schema of
// dsn, one transaction each, with the columns' own types (timestamptz,
// whole seconds for the calendar), then analyzes every table of the
// schema.
func bulkPostgres(ctx context.Context, dsn string, n sizes, fx *fixture, authors []hanok.Actor) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	created := time.Now().Add(-time.Hour).Truncate(time.Microsecond)
	lo, hi := authors[0].ID, authors[len(authors)-1].ID
	steps := []struct {
		query string
		args  []any
	}{
		// As bulk's; the tweets are a microsecond apart (PostgreSQL's
		// precision) where SQLite's are a nanosecond apart.
		{`INSERT INTO microblog_tweets (author_id, content, created, updated)
			SELECT $2::bigint + i % $3, 'tweet number ' || i || ' of the bench', $4::timestamptz + i * interval '1 microsecond', $4::timestamptz + i * interval '1 microsecond'
			FROM generate_series(0, $1::integer - 1) AS i`,
			[]any{n.tweets, lo, hi - lo + 1, created}},
		{`INSERT INTO microblog_home (owner_id, tweet_id, author_id) SELECT author_id, id, author_id FROM microblog_tweets`, nil},
		{`INSERT INTO microblog_home (owner_id, tweet_id, author_id) SELECT $1::bigint, t.id, t.author_id FROM microblog_tweets t
			JOIN microblog_follows f ON f.follower_id = $1 AND f.followee_id = t.author_id`, []any{fx.benchUser}},
		// The 1,000 other users, whom calendar_events.owner_id references
		// here (SQLite's has no foreign key); an empty password hash
		// matches no password.
		{`INSERT INTO users (id, username, username_key, password_hash, created)
			SELECT 100000 + i, 'other' || i, 'other' || i, ''::bytea, $1 FROM generate_series(0, 999) AS i`, []any{created}},
		{`INSERT INTO calendar_events (uid, owner_id, owner_email, group_id, subject, subject_key, start_at, end_at, created)
			SELECT 'bench-' || i || '@hanok', 100000 + i % 1000, '', NULL, 'review ' || i, 'review ' || i, s, s + (1 + i % 6) * interval '30 minutes', $2
			FROM (SELECT i, $3::timestamptz + floor(random() * 630720000) * interval '1 second' AS s FROM generate_series(0, $1::integer - 1) AS i) AS e`,
			[]any{n.events, created.Truncate(time.Second), time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{`UPDATE calendar_span SET max_seconds = greatest(max_seconds, $1::bigint)`, []any{int64((3 * time.Hour).Seconds())}},
		{`INSERT INTO mailing_subscribers (email, email_key, name, subscribed, token, created, updated)
			SELECT 'reader' || i || '@example.com', 'reader' || i || '@example.com', 'Reader ' || i, true, md5(random()::text || i), $2, $2
			FROM generate_series(1, $1::integer) AS i`,
			[]any{n.subscribers, created}},
	}
	for _, s := range steps {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, s.query, s.args...)
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", s.query, err)
		}
	}
	// ANALYZE, as autovacuum would within its naptime (a minute by
	// default) of these inserts, that is during the first round: the
	// rounds then all see the plans of a database that autovacuum keeps.
	// The server itself never analyzes.
	tables, err := conn.Query(ctx, `SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()`)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(tables, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, t := range names {
		if _, err := conn.Exec(ctx, `ANALYZE `+t); err != nil {
			return fmt.Errorf("analyze %s: %w", t, err)
		}
	}
	return nil
}

// createSchema creates a new, empty schema in the database of dsn and
// returns its name: postgres.Open migrates the schema that a URL's
// search_path selects, as storage/postgres's tests each have one.
func createSchema(ctx context.Context, dsn string) (string, error) {
	var b [6]byte
	_, _ = crand.Read(b[:])
	schema := "wrkbench_" + hex.EncodeToString(b[:])
	return schema, execOnce(ctx, dsn, `CREATE SCHEMA `+schema)
}

// dropSchema drops schema, made by createSchema, with all it holds.
func dropSchema(dsn, schema string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return execOnce(ctx, dsn, `DROP SCHEMA `+schema+` CASCADE`)
}

// execOnce runs query on a connection of its own to dsn.
func execOnce(ctx context.Context, dsn, query string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("%s: %w", query, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, query); err != nil {
		return fmt.Errorf("%s: %w", query, err)
	}
	return nil
}

// trialsData is the upstream's 145 real records, in its own envelope.
const trialsData = "testdata/trials/odcloud_3074271_all.json"

// manyTrials is a trials.Source of n records on one page: the real
// records, then copies of them under new numbers.
type manyTrials struct {
	real []trials.Record
	n    int
}

// Page implements trials.Source.
func (m manyTrials) Page(ctx context.Context, p int) (*trials.Page, error) {
	if p != 1 {
		return nil, fmt.Errorf("one page only, not %d", p)
	}
	recs := make([]trials.Record, m.n)
	for i := range recs {
		recs[i] = m.real[i%len(m.real)]
		if i >= len(m.real) {
			recs[i].Number = fmt.Sprintf("%s-%d", recs[i].Number, i)
		}
	}
	return &trials.Page{Number: 1, PerPage: m.n, Total: m.n, Records: recs}, nil
}

// loadTrials syncs n trial records into store, as trials import does.
func loadTrials(ctx context.Context, store trials.Store, n int) error {
	file, err := odcloud.OpenFile(trialsData)
	if err != nil {
		return fmt.Errorf("the trials records (run from the module's root): %w", err)
	}
	page, err := file.Page(ctx, 1)
	if err != nil {
		return err
	}
	var src trials.Source = file
	if n != len(page.Records) {
		src = manyTrials{real: page.Records, n: n}
	}
	mirror, err := trials.New(store, trials.Config{Source: src})
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

// waitReady waits until url answers 200: /readyz does once the database
// is open (/healthz answers as soon as the process listens).
func waitReady(url string) error {
	for range 600 {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the server did not answer 200 on %s within a minute", url)
}

func login(base, username string) (string, error) {
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
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

// get asks url once, with token if not "".
func get(url, token string) (*http.Response, []byte, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "JWT "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET %s: %d %s", url, res.StatusCode, b)
	}
	return res, b, nil
}

func fetch(url, token string) ([]byte, error) {
	_, b, err := get(url, token)
	return b, err
}

func getJSON(url, token string, v any) error {
	b, err := fetch(url, token)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// serveStatic fetches each target's body once (setting t.body) and
// serves it at /<label>/<name> of its instance with the route's
// Content-Type; it returns the base URL.
func serveStatic(targets []*target) (string, error) {
	type page struct {
		body        []byte
		contentType string
	}
	pages := map[string]page{}
	for _, t := range targets {
		res, b, err := get(t.url, t.token)
		if err != nil {
			return "", fmt.Errorf("%s: %w", t.name, err)
		}
		t.body = b
		pages[t.path] = page{b, res.Header.Get("Content-Type")}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", p.contentType)
		w.Write(p.body)
	}))
	return "http://" + l.Addr().String(), nil
}

var (
	rpsLine  = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	non2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	sockErrs = regexp.MustCompile(`Socket errors: .*`)
)

func runWrk(name, url, token string, threads, conns int, d time.Duration) (float64, error) {
	args := []string{"-t" + strconv.Itoa(threads), "-c" + strconv.Itoa(conns), "-d" + strconv.Itoa(int(d.Seconds())) + "s"}
	if token != "" {
		args = append(args, "-H", "Authorization: JWT "+token)
	}
	out, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk %s: %w\n%s", name, err, out)
	}
	if m := non2xx.FindSubmatch(out); m != nil {
		return 0, fmt.Errorf("wrk %s: %s non-2xx answers", name, m[1])
	}
	if m := sockErrs.Find(out); m != nil {
		fmt.Printf("  %s: %s\n", name, m)
	}
	m := rpsLine.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("wrk %s: no Requests/sec in\n%s", name, out)
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
