package trialstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/trials"
)

// EndpointPath is the path of the upstream's dataset endpoint.
const EndpointPath = "/api/3074271/v1/uddi:cfc19dda-6f75-4c57-86a8-bb9c8b103887"

// UpstreamKey is the service key the fake upstream accepts.
const UpstreamKey = "test-service-key"

// Failure is a way the fake upstream fails one request.
type Failure int

// The failures of the fake upstream.
const (
	// Fail500 answers 500 with a plain-text body.
	Fail500 Failure = iota + 1
	// FailQuota answers the upstream's -10 (traffic quota exceeded).
	FailQuota
	// FailKey answers the upstream's -4 (unregistered key).
	FailKey
	// FailHTML answers 200 with an HTML page.
	FailHTML
	// FailNoData answers 200 with a JSON object without "data".
	FailNoData
)

// Upstream is a fake of the public-data API on loopback: it serves its
// records in pages in the upstream's JSON envelope and can be told to fail.
type Upstream struct {
	// URL is the endpoint URL (the server's address + EndpointPath), what
	// the odcloud client is configured with.
	URL    string
	Server *httptest.Server

	mu       sync.Mutex
	records  []trials.Record
	encoded  [][]byte          // each record as the upstream writes it
	failures map[int][]Failure // by page; 0 is any page
	requests int
	total    int // the totalCount sent; -1: the records' count
}

// NewUpstream starts a fake upstream serving records; it is closed when
// the test ends.
func NewUpstream(tb testing.TB, records []trials.Record) *Upstream {
	tb.Helper()
	u := &Upstream{failures: map[int][]Failure{}, total: -1}
	u.SetRecords(records)
	u.Server = httptest.NewServer(http.HandlerFunc(u.serve))
	u.URL = u.Server.URL + EndpointPath
	tb.Cleanup(u.Server.Close)
	return u
}

// SetRecords replaces what the upstream serves.
func (u *Upstream) SetRecords(records []trials.Record) {
	encoded := make([][]byte, len(records))
	for i, r := range records {
		encoded[i], _ = json.Marshal(wireRecord(r))
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.records = append([]trials.Record(nil), records...)
	u.encoded = encoded
}

// SetTotal makes the upstream lie: every page says totalCount n, whatever
// it serves; -1 makes it tell the truth again.
func (u *Upstream) SetTotal(n int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.total = n
}

// Records returns a copy of what the upstream serves.
func (u *Upstream) Records() []trials.Record {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]trials.Record(nil), u.records...)
}

// Fail makes the next requests for page fail, one failure each, in
// order; page 0 means the next requests for any page.
func (u *Upstream) Fail(page int, fs ...Failure) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.failures[page] = append(u.failures[page], fs...)
}

// Requests returns the number of requests served so far.
func (u *Upstream) Requests() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.requests
}

type upstreamError struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// wireRecord is a record as the upstream writes it.
func wireRecord(r trials.Record) map[string]string {
	return map[string]string{
		"과제번호":         r.Number,
		"과제명":          r.Title,
		"진료과":          r.Department,
		"연구책임기관":       r.Institute,
		"전체목표연구대상자수":   r.TargetSize,
		"연구기간":         r.Duration,
		"연구종류":         r.StudyType,
		"임상시험단계(연구모형)": r.Phase,
		"연구범위":         r.Scope,
	}
}

func (u *Upstream) serve(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.requests++
	q := r.URL.Query()
	page, perr := strconv.Atoi(q.Get("page"))
	perPage, pperr := strconv.Atoi(q.Get("perPage"))
	var failure Failure
	for _, p := range []int{page, 0} {
		if fs := u.failures[p]; len(fs) > 0 {
			failure, u.failures[p] = fs[0], fs[1:]
			break
		}
	}
	records := u.encoded
	total := u.total
	if total < 0 {
		total = len(records)
	}
	u.mu.Unlock()

	switch {
	case r.URL.Path != EndpointPath:
		http.NotFound(w, r)
		return
	case r.Method != http.MethodGet:
		writeJSON(w, http.StatusBadRequest, upstreamError{-2, "잘못된 요청 파라메터 에러"})
		return
	case q.Get("serviceKey") == "":
		writeJSON(w, http.StatusUnauthorized, upstreamError{-401, "유효하지 않은 인증키 입니다."})
		return
	case q.Get("serviceKey") != UpstreamKey:
		writeJSON(w, http.StatusUnauthorized, upstreamError{-4, "등록되지 않은 인증키 입니다."})
		return
	case perr != nil || pperr != nil || page < 1 || perPage < 1:
		writeJSON(w, http.StatusBadRequest, upstreamError{-2, "잘못된 요청 파라메터 에러"})
		return
	}
	switch failure {
	case Fail500:
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	case FailQuota:
		writeJSON(w, http.StatusBadRequest, upstreamError{-10, "트래픽 초과"})
		return
	case FailKey:
		writeJSON(w, http.StatusUnauthorized, upstreamError{-4, "등록되지 않은 인증키 입니다."})
		return
	case FailHTML:
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body><h1>Service temporarily unavailable</h1></body></html>")
		return
	case FailNoData:
		writeJSON(w, http.StatusOK, map[string]any{"page": page, "perPage": perPage, "totalCount": total})
		return
	}
	from := min((page-1)*perPage, len(records))
	to := min(from+perPage, len(records))
	size := 200
	for _, rec := range records[from:to] {
		size += len(rec) + 1
	}
	b := bytes.NewBuffer(make([]byte, 0, size))
	fmt.Fprintf(b, `{"page":%d,"perPage":%d,"totalCount":%d,"currentCount":%d,"matchCount":%d,"data":[`,
		page, perPage, total, to-from, total)
	b.Write(bytes.Join(records[from:to], []byte(",")))
	b.WriteString("]}\n")
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.Write(b.Bytes())
}

// RealRecordsPath is where the 145 real upstream records are kept, relative
// to the module's root: the whole dataset in the upstream's own envelope.
const RealRecordsPath = "testdata/trials/odcloud_3074271_all.json"

// RealRecords returns the 145 real upstream records from the module's
// testdata.
func RealRecords(tb testing.TB) []trials.Record {
	tb.Helper()
	path := testkit.ModuleFile(tb, RealRecordsPath)
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("the real trials records: %v", err)
	}
	var env struct {
		Data []map[string]string `json:"data"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	out := make([]trials.Record, len(env.Data))
	for i, m := range env.Data {
		out[i] = trials.Record{
			Number: m["과제번호"], Title: m["과제명"], Department: m["진료과"], Institute: m["연구책임기관"],
			TargetSize: m["전체목표연구대상자수"], Duration: m["연구기간"], StudyType: m["연구종류"],
			Phase: m["임상시험단계(연구모형)"], Scope: m["연구범위"],
		}
	}
	return out
}

// Synthetic returns n made-up records with distinct numbers (S0000001...)
// and values like the real ones.
func Synthetic(n int) []trials.Record {
	departments := []string{"Cardiology", "Psychiatry", "Gastroenterology", "Neurology", "Others"}
	types := []string{"관찰연구", "중재연구", "기타"}
	phases := []string{"코호트", "Phase 4", "Case-only", "Phase 3", ""}
	scopes := []string{"국내다기관", "단일기관"}
	out := make([]trials.Record, n)
	for i := range out {
		out[i] = trials.Record{
			Number:     fmt.Sprintf("S%07d", i+1),
			Title:      fmt.Sprintf("임상연구 네트워크 구축 및 코호트 연구 %d", i+1),
			Department: departments[i%len(departments)],
			Institute:  fmt.Sprintf("병원 %d", i%97),
			TargetSize: strconv.Itoa(100 + i%1000),
			Duration:   fmt.Sprintf("%d개월", 6+i%60),
			StudyType:  types[i%len(types)],
			Phase:      phases[i%len(phases)],
			Scope:      scopes[i%len(scopes)],
		}
	}
	return out
}

// StaticSource is a trials.Source over records in memory, PerPage a page
// (100 when 0). Its pages say their currentCount.
type StaticSource struct {
	Records []trials.Record
	PerPage int
}

// Page implements trials.Source.
func (s *StaticSource) Page(_ context.Context, n int) (*trials.Page, error) {
	per := s.PerPage
	if per == 0 {
		per = 100
	}
	from := min((n-1)*per, len(s.Records))
	to := min(from+per, len(s.Records))
	current := to - from
	return &trials.Page{Number: n, PerPage: per, Total: len(s.Records), Current: &current, Records: append([]trials.Record(nil), s.Records[from:to]...)}, nil
}
