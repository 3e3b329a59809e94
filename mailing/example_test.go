package mailing_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/transport"
	"github.com/hanok-dev/hanok/storage/memory"
)

// A list of two, a campaign, and a dispatcher that writes the mail to a
// directory until the campaign is done.
func Example() {
	ctx := context.Background()
	store := memory.New().Mailing()
	svc, _ := mailing.New(store, mailing.Config{})
	svc.Subscribe(ctx, "mirim@example.com", "Mirim")
	svc.Subscribe(ctx, "jun@naver.com", "Jun")

	campaign, n, _ := svc.CreateCampaign(ctx, mailing.Admin, "Hello", "News of the week.", "")
	fmt.Println("deliveries:", n)

	dir, _ := os.MkdirTemp("", "mail")
	defer os.RemoveAll(dir)
	out, _ := transport.NewDirWriter(dir)
	d, _ := mailing.NewDispatcher(store, mailing.DispatcherConfig{
		Routing:   mailing.SeedRouting(out, out),
		PublicURL: "https://lists.example.com/mailing",
		Poll:      time.Millisecond,
	})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- d.Run(runCtx) }()
	for {
		r, _ := svc.CampaignReport(ctx, mailing.Admin, campaign.ID)
		if r.Pending == 0 {
			fmt.Println("sent:", r.Sent, "failed:", r.Failed)
			break
		}
		time.Sleep(time.Millisecond)
	}
	stop()
	<-done
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	fmt.Println("files:", len(files))
	// Output:
	// deliveries: 2
	// sent: 2 failed: 0
	// files: 2
}
