package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/hanok-dev/hanok/adapters/trialshttp"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/odcloud"
)

// trialsConfig is the trials mirror's part of the configuration.
type trialsConfig struct {
	// onRun receives every recorded sync run (the metrics).
	onRun func(trials.Run)
	// source is the upstream endpoint, key its service key ("" leaves the
	// mirror without a source: no schedule, and a sync says so).
	source string
	key    string
	// syncAt is the daily sync's time of day in Asia/Seoul, or "off";
	// schedule is it parsed (nil when off).
	syncAt   string
	schedule *trials.Schedule
	// maxWithdraw is -trials-max-withdraw, the share of the mirror one
	// sync may withdraw unforced; force is trials-sync -force.
	maxWithdraw    string
	maxWithdrawVal float64
	force          bool
}

func trialsFlags(fs *flag.FlagSet, c *trialsConfig) {
	fs.StringVar(&c.source, "trials-source", odcloud.DefaultEndpoint, "the trials upstream's endpoint URL (the client adds page, perPage and serviceKey)")
	fs.StringVar(&c.key, "trials-key", "", "the trials upstream's service key; without one the daily sync is off")
	fs.StringVar(&c.syncAt, "trials-sync-at", "00:00", `time of day (HH:MM, Asia/Seoul) of the daily trials sync, or "off"`)
	fs.StringVar(&c.maxWithdraw, "trials-max-withdraw", "0.10", "the largest share (0 to 1) of the trials mirror one sync may withdraw; a larger withdrawal fails unless forced (trials-sync -force, POST /trials/sync?force=true)")
}

// check validates the trials flags; name is how an error names a flag.
func (c *trialsConfig) check(name func(string) string) error {
	v, err := strconv.ParseFloat(c.maxWithdraw, 64)
	if err != nil || !(v > 0 && v <= 1) {
		return fmt.Errorf("%s %q: want a share from 0 to 1, such as 0.10", name("trials-max-withdraw"), c.maxWithdraw)
	}
	c.maxWithdrawVal = v
	if _, err := odcloud.New(odcloud.Config{Endpoint: c.source, Key: "check"}); err != nil {
		return fmt.Errorf("%s: %w", name("trials-source"), err)
	}
	c.schedule = nil
	if strings.EqualFold(c.syncAt, "off") {
		return nil
	}
	sc, err := trials.ParseSchedule(c.syncAt)
	if err != nil {
		return fmt.Errorf("%s: %w", name("trials-sync-at"), err)
	}
	c.schedule = &sc
	return nil
}

// newTrials builds the trials service: with the upstream as its source
// when a key is configured.
func newTrials(c *trialsConfig, store trials.Store, logger *slog.Logger) (*trials.Service, error) {
	cfg := trials.Config{Logger: logger, OnRun: c.onRun, MaxWithdraw: c.maxWithdrawVal}
	if c.key != "" {
		src, err := odcloud.New(odcloud.Config{Endpoint: c.source, Key: c.key, Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("-trials-source: %w", err)
		}
		cfg.Source = src
	}
	return trials.New(store, cfg)
}

// startTrialsSchedule runs the daily sync until ctx is done; the returned
// function waits for it to stop.
func startTrialsSchedule(ctx context.Context, c *trialsConfig, svc *trials.Service, logger *slog.Logger) (wait func()) {
	switch {
	case c.key == "":
		logger.Info("trials: no -trials-key (HANOK_TRIALS_KEY): the daily sync is off")
		return func() {}
	case c.schedule == nil:
		logger.Info("trials: -trials-sync-at is off: no daily sync")
		return func() {}
	}
	logger.Info("trials: daily sync", "at", c.schedule.String(), "source", c.source)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = svc.RunDaily(ctx, *c.schedule)
	}()
	return func() { <-done }
}

// cmdTrialsSync runs one sync with the configuration c.
func cmdTrialsSync(ctx context.Context, c *config, stdout io.Writer) error {
	if c.trials.key == "" {
		return errors.New("trials-sync: no service key: set -trials-key or HANOK_TRIALS_KEY (without one, trials import FILE fills the mirror from a file)")
	}
	return runTrialsSync(ctx, c, "trials-sync", nil, stdout)
}

// cmdTrials is the trials command: trials import FILE runs one sync from
// a dump of the dataset in the upstream's own JSON envelope (odcloud.File)
// instead of the API, recorded as any run is; trials sync is trials-sync.
func cmdTrials(ctx context.Context, c *config, args []string, stdout io.Writer) error {
	const usage = "trials import FILE.json | trials sync"
	if len(args) == 0 {
		return errors.New("usage: " + usage)
	}
	sub, args := args[0], args[1:]
	fs := newFlags("trials " + sub)
	switch sub {
	case "import", "sync":
	default:
		return fmt.Errorf("unknown command \"trials %s\"; usage: %s", sub, usage)
	}
	if err := c.parseCommand(fs, usage, args, stdout); err != nil {
		return err
	}
	if sub == "sync" {
		if fs.NArg() != 0 {
			return errors.New("usage: trials sync")
		}
		return cmdTrialsSync(ctx, c, stdout)
	}
	if fs.NArg() != 1 {
		return errors.New("usage: trials import FILE.json")
	}
	// Read before the database is opened: a bad file changes nothing.
	file, err := odcloud.OpenFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("trials import: %w", err)
	}
	return runTrialsSync(ctx, c, "trials import", file, stdout)
}

// runTrialsSync runs one sync of the mirror on c's database from src (nil:
// the upstream of c's flags): progress on stdout, then the run record. A
// failed run is an error (exit status 1); Ctrl-C cancels it and nothing is
// stored.
func runTrialsSync(ctx context.Context, c *config, what string, src trials.Source, stdout io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stdout, nil))
	st, err := openStores(ctx, c, false)
	if err != nil {
		return err
	}
	defer st.close()
	var svc *trials.Service
	if src == nil {
		svc, err = newTrials(&c.trials, st.trials, logger)
	} else {
		svc, err = trials.New(st.trials, trials.Config{Source: src, Logger: logger, MaxWithdraw: c.trials.maxWithdrawVal})
	}
	if err != nil {
		return err
	}
	started := time.Now()
	progress, bar := syncProgress(stdout, what+" pages", started)
	run, err := svc.RunSync(ctx, trials.SyncOptions{Progress: progress, Force: c.trials.force})
	bar.finish()
	if run != nil {
		out, _ := json.MarshalIndent(trialshttp.NewRunBody(run), "", "  ")
		fmt.Fprintf(stdout, "%s\n", out)
	}
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: canceled; no trial was changed", what)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	fmt.Fprintf(stdout, "%s: run %d: %d trials inserted, %d changed, %d unchanged, %d withdrawn, %d skipped\n",
		what, run.ID, run.Inserted, run.Changed, run.Unchanged, run.Withdrawn, run.Skipped)
	return nil
}

func rate(records int, started time.Time) float64 {
	secs := time.Since(started).Seconds()
	if secs <= 0 {
		return 0
	}
	return float64(records) / secs
}

// syncProgress shows a sync's pages fetched of the total and the records
// a second: a bar on a terminal, a line a page otherwise.
func syncProgress(out io.Writer, label string, started time.Time) (func(trials.Progress), *progress) {
	bar := newProgress(out, label, 0)
	return func(p trials.Progress) {
		bar.show(p.Page, p.Pages, fmt.Sprintf("%d/%d records, %.0f records/s", p.Records, p.Total, rate(p.Records, started)))
	}, bar
}
