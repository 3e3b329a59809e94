package system

import (
	"net/http"
	"net/http/pprof"

	"github.com/prometheus/client_golang/prometheus"
)

// DebugHandler is the handler of a separate, private listener (the
// server's -debug-addr): GET /metrics from g, and net/http/pprof under
// /debug/pprof/. pprof is served only here, never by Handler.
func DebugHandler(g prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", MetricsHandler(g))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
