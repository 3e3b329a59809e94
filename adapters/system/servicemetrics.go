package system

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/trials"
)

// ServiceMetrics are the services' own metrics, beside the request metrics
// every mounted service gets: mail sends by result and trials sync runs by
// outcome. Their methods are the services' hooks
// (mailing.DispatcherConfig.OnOutcome, trials.Config.OnRun).
type ServiceMetrics struct {
	sends *prometheus.CounterVec
	syncs *prometheus.CounterVec
	last  *prometheus.GaugeVec
}

// NewServiceMetrics registers the services' metrics in reg.
func NewServiceMetrics(reg prometheus.Registerer) *ServiceMetrics {
	return &ServiceMetrics{
		sends: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hanok_mailing_sends_total",
			Help: "Attempts to send a mail, by result: sent, retry (a temporary failure, tried again later) or failed (given up).",
		}, []string{"result"})),
		syncs: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hanok_trials_sync_runs_total",
			Help: "Recorded trials sync runs, by outcome: done or failed.",
		}, []string{"outcome"})),
		last: register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hanok_trials_sync_last_records",
			Help: "Records of the last finished trials sync, by kind: total, inserted, changed, unchanged, withdrawn, skipped.",
		}, []string{"kind"})),
	}
}

// MailOutcome counts one recorded send attempt (a release without an
// attempt is not counted).
func (m *ServiceMetrics) MailOutcome(o mailing.Outcome) {
	if !o.Attempted {
		return
	}
	switch o.Status {
	case mailing.DeliverySent:
		m.sends.WithLabelValues("sent").Inc()
	case mailing.DeliveryFailed:
		m.sends.WithLabelValues("failed").Inc()
	default:
		m.sends.WithLabelValues("retry").Inc()
	}
}

// TrialsRun counts one recorded sync run.
func (m *ServiceMetrics) TrialsRun(r trials.Run) {
	if r.Error != "" {
		m.syncs.WithLabelValues("failed").Inc()
		return
	}
	m.syncs.WithLabelValues("done").Inc()
	for kind, n := range map[string]int{"total": r.Total, "inserted": r.Inserted, "changed": r.Changed, "unchanged": r.Unchanged, "withdrawn": r.Withdrawn, "skipped": r.Skipped} {
		m.last.WithLabelValues(kind).Set(float64(n))
	}
}

// WatchOutbox adds the mailing outbox's depth, hanok_mailing_outbox
// {status}, read from svc's store at each scrape.
func (m *ServiceMetrics) WatchOutbox(reg prometheus.Registerer, svc *mailing.Service) {
	register(reg, &outboxCollector{svc: svc, desc: prometheus.NewDesc("hanok_mailing_outbox",
		"Deliveries in the mailing outbox, by status: pending, sent, failed.", []string{"status"}, nil)})
}

type outboxCollector struct {
	svc  *mailing.Service
	desc *prometheus.Desc
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.svc.OutboxDepth(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for _, st := range []mailing.DeliveryStatus{mailing.DeliveryPending, mailing.DeliverySent, mailing.DeliveryFailed, mailing.DeliveryCancelled} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[st]), string(st))
	}
}
