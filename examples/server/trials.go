package main

import (
	"context"
	"encoding/json"
	"errors"
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

type strFlag func(p *string, name, def, usage string)

func trialsFlags(str strFlag, c *trialsConfig) {
	str(&c.source, "trials-source", odcloud.DefaultEndpoint, "the trials upstream's endpoint URL (the client adds page, perPage and serviceKey)")
	str(&c.key, "trials-key", "", "the trials upstream's service key; without one the daily sync is off")
	str(&c.syncAt, "trials-sync-at", "00:00", `time of day (HH:MM, Asia/Seoul) of the daily trials sync, or "off"`)
	str(&c.maxWithdraw, "trials-max-withdraw", "0.10", "the largest share (0 to 1) of the trials mirror one sync may withdraw; a larger withdrawal fails unless forced (trials-sync -force, POST /trials/sync?force=true)")
}

func (c *trialsConfig) check() error {
	v, err := strconv.ParseFloat(c.maxWithdraw, 64)
	if err != nil || !(v > 0 && v <= 1) {
		return fmt.Errorf("-trials-max-withdraw %q: want a share from 0 to 1, such as 0.10", c.maxWithdraw)
	}
	c.maxWithdrawVal = v
	if _, err := odcloud.New(odcloud.Config{Endpoint: c.source, Key: "check"}); err != nil {
		return fmt.Errorf("-trials-source: %w", err)
	}
	if strings.EqualFold(c.syncAt, "off") {
		return nil
	}
	sc, err := trials.ParseSchedule(c.syncAt)
	if err != nil {
		return fmt.Errorf("-trials-sync-at: %w", err)
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

// trialsSync is the trials-sync subcommand: one sync against the
// configured source, progress on stdout, then the run record. A failed run
// is an error (exit status 1); Ctrl-C cancels it and nothing is stored.
// -force among its flags lets the run withdraw more than
// -trials-max-withdraw.
func trialsSync(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	rest, force := forceFlag(args)
	c, err := parseConfig(rest, getenv, stdout)
	if err != nil {
		return err
	}
	c.trials.force = force
	if len(c.command) > 0 {
		return fmt.Errorf("trials-sync: unexpected argument %q (flags only)", c.command[0])
	}
	return cmdTrialsSync(ctx, c, stdout)
}

// cmdTrialsSync runs one sync with the configuration c.
func cmdTrialsSync(ctx context.Context, c *config, stdout io.Writer) error {
	if c.trials.key == "" {
		return errors.New("trials-sync: no service key: set -trials-key or HANOK_TRIALS_KEY")
	}
	logger := slog.New(slog.NewTextHandler(stdout, nil))
	st, err := openStores(ctx, c)
	if err != nil {
		return err
	}
	defer st.close()
	svc, err := newTrials(&c.trials, st.trials, logger)
	if err != nil {
		return err
	}
	started := time.Now()
	progress, bar := syncProgress(stdout, started)
	run, err := svc.RunSync(ctx, trials.SyncOptions{Progress: progress, Force: c.trials.force})
	bar.finish()
	if run != nil {
		out, _ := json.MarshalIndent(trialshttp.NewRunBody(run), "", "  ")
		fmt.Fprintf(stdout, "%s\n", out)
	}
	if err != nil {
		if ctx.Err() != nil {
			return errors.New("trials-sync: canceled; no trial was changed")
		}
		return fmt.Errorf("trials-sync: %w", err)
	}
	return nil
}

// forceFlag takes -force (or --force) out of args.
func forceFlag(args []string) (rest []string, force bool) {
	for _, a := range args {
		if a == "-force" || a == "--force" || a == "-force=true" || a == "--force=true" {
			force = true
			continue
		}
		rest = append(rest, a)
	}
	return rest, force
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
func syncProgress(out io.Writer, started time.Time) (func(trials.Progress), *progress) {
	bar := newProgress(out, "trials-sync pages", 0)
	return func(p trials.Progress) {
		bar.show(p.Page, p.Pages, fmt.Sprintf("%d/%d records, %.0f records/s", p.Records, p.Total, rate(p.Records, started)))
	}, bar
}
