package system

import (
	"database/sql"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hanok-dev/hanok/adapters/httpx"
)

// NewRegistry returns a Prometheus registry holding the Go runtime's and
// the process's collectors: the registry Handler uses when Config.Registry
// is nil. A program that serves /metrics elsewhere (DebugHandler) makes
// one, passes it in Config.Registry and registers its own collectors on it.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// MetricsHandler serves the metrics of g in the Prometheus text format.
func MetricsHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

// httpMetrics are the metrics of every request, whatever service serves it.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// Label values of requests that no service or route served.
const (
	noService = "none"
	noRoute   = "unmatched"
)

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hanok_http_requests_total",
			Help: "HTTP requests served, by service (mount prefix), route (ServeMux pattern), method and status code.",
		}, []string{"service", "route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hanok_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by service, route and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"service", "route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hanok_http_requests_in_flight",
			Help: "HTTP requests being served.",
		}),
	}
	m.requests = register(reg, m.requests)
	m.duration = register(reg, m.duration)
	m.inFlight = register(reg, m.inFlight)
	return m
}

// register registers c, or returns the equal collector already registered
// (a second Handler on the same registry shares the first's metrics).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if prev, ok := are.ExistingCollector.(C); ok {
				return prev
			}
		}
		panic(err)
	}
	return c
}

// observe is the outer middleware: it counts the request in flight, gives
// it a RequestInfo (httpx.RequestIDs), and when it is served records its
// count and latency under the service and route pattern the inner
// handlers recorded there.
func (m *httpMetrics) observe(next http.Handler) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.inFlight.Inc()
		defer m.inFlight.Dec()
		start := time.Now()
		rec := &httpx.StatusRecorder{ResponseWriter: w}
		// Deferred, so that a request aborted by a panic is counted too.
		defer func() {
			info := httpx.RequestInfoFrom(r.Context())
			service, route := noService, noRoute
			if info.Service != "" {
				service = info.Service
			}
			if info.Pattern != "" {
				route = info.Pattern
			}
			status := rec.Status()
			if status == 0 {
				status = http.StatusOK
			}
			method := methodLabel(r.Method)
			m.requests.WithLabelValues(service, route, method, strconv.Itoa(status)).Inc()
			m.duration.WithLabelValues(service, route, method).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(rec, r)
	})
	return httpx.RequestIDs(inner)
}

// methodLabel keeps the method label to the known methods, so that a
// client cannot grow the label set.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// dbStatsCollector exports database/sql pool statistics under the names of
// client_golang's collectors.NewDBStatsCollector (go_sql_*), one db_name
// label value per pool ("writer", "reader").
type dbStatsCollector struct {
	stats func() map[string]sql.DBStats

	maxOpen, open, inUse, idle                         *prometheus.Desc
	waitCount, waitDuration                            *prometheus.Desc
	maxIdleClosed, maxIdleTimeClosed, maxLifetimeClose *prometheus.Desc
}

func newDBStatsCollector(stats func() map[string]sql.DBStats) *dbStatsCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("go_sql_"+name, help, []string{"db_name"}, nil)
	}
	return &dbStatsCollector{
		stats:             stats,
		maxOpen:           d("max_open_connections", "Maximum number of open connections to the database."),
		open:              d("open_connections", "The number of established connections both in use and idle."),
		inUse:             d("in_use_connections", "The number of connections currently in use."),
		idle:              d("idle_connections", "The number of idle connections."),
		waitCount:         d("wait_count_total", "The total number of connections waited for."),
		waitDuration:      d("wait_duration_seconds_total", "The total time blocked waiting for a new connection."),
		maxIdleClosed:     d("max_idle_closed_total", "The total number of connections closed due to SetMaxIdleConns."),
		maxIdleTimeClosed: d("max_idle_time_closed_total", "The total number of connections closed due to SetConnMaxIdleTime."),
		maxLifetimeClose:  d("max_lifetime_closed_total", "The total number of connections closed due to SetConnMaxLifetime."),
	}
}

// Describe implements prometheus.Collector.
func (c *dbStatsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.maxOpen, c.open, c.inUse, c.idle, c.waitCount, c.waitDuration, c.maxIdleClosed, c.maxIdleTimeClosed, c.maxLifetimeClose} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *dbStatsCollector) Collect(ch chan<- prometheus.Metric) {
	for name, s := range c.stats() {
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, name)
		}
		counter := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, name)
		}
		gauge(c.maxOpen, float64(s.MaxOpenConnections))
		gauge(c.open, float64(s.OpenConnections))
		gauge(c.inUse, float64(s.InUse))
		gauge(c.idle, float64(s.Idle))
		counter(c.waitCount, float64(s.WaitCount))
		counter(c.waitDuration, s.WaitDuration.Seconds())
		counter(c.maxIdleClosed, float64(s.MaxIdleClosed))
		counter(c.maxIdleTimeClosed, float64(s.MaxIdleTimeClosed))
		counter(c.maxLifetimeClose, float64(s.MaxLifetimeClosed))
	}
}
