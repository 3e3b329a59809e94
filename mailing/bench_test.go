package mailing_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/transport"
	"github.com/hanok-dev/hanok/storage/memory"
)

const benchMessages = 10_000

// benchCampaigns sends one 10,000-message campaign per iteration through
// a dispatcher with no rate limits, and reports messages a second (the
// campaign's creation, its snapshot of 10,000 delivery rows, included).
func benchCampaigns(b *testing.B, store mailing.Store, tr mailing.Transport, workers int) {
	svc := newService(b, store)
	subscribeAll(b, svc, benchMessages, "example.com", "naver.com", "example.co.kr")
	d, err := mailing.NewDispatcher(store, mailing.DispatcherConfig{Routing: mailing.SeedRouting(tr, tr), Workers: workers, Poll: time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	b.ResetTimer()
	for range b.N {
		c, n, err := svc.CreateCampaign(context.Background(), mailing.Admin, "bench", "a benchmark message\nof two lines", "")
		if err != nil || n != benchMessages {
			b.Fatalf("CreateCampaign = %d, %v", n, err)
		}
		d.Wake()
		for {
			r, err := svc.CampaignReport(context.Background(), mailing.Admin, c.ID)
			if err != nil {
				b.Fatal(err)
			}
			if r.Pending == 0 {
				if r.Sent != benchMessages {
					b.Fatalf("report %+v", r)
				}
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(benchMessages*b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func BenchmarkDispatch(b *testing.B) {
	for _, workers := range []int{4, 16} {
		b.Run(fmt.Sprintf("sqlite/smtp/workers=%d", workers), func(b *testing.B) {
			srv := newSMTPServer(b, nil)
			benchCampaigns(b, openSQLite(b, "").Mailing(), smtpTransport(b, srv.Addr), workers)
		})
		b.Run(fmt.Sprintf("sqlite/dir/workers=%d", workers), func(b *testing.B) {
			w, err := transport.NewDirWriter(filepath.Join(b.TempDir(), "out"))
			if err != nil {
				b.Fatal(err)
			}
			benchCampaigns(b, openSQLite(b, "").Mailing(), w, workers)
		})
	}
	b.Run("memory/smtp/workers=4", func(b *testing.B) {
		srv := newSMTPServer(b, nil)
		benchCampaigns(b, memory.New().Mailing(), smtpTransport(b, srv.Addr), 4)
	})
}
