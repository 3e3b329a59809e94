package calendarhttp

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav/caldav"

	"github.com/hanok-dev/hanok/calendar"
)

// sync-collection (RFC 6578), which go-webdav v0.6.0's caldav server does
// not have: its REPORT answers calendar-query and calendar-multiget only
// (anything else is 400), and its PROPFIND of a calendar knows neither
// DAV:sync-token, DAV:supported-report-set nor getctag. So the DAV
// handler answers, before go-webdav sees them:
//
//   - REPORT sync-collection on a calendar: with no token, every event;
//     with one, only the events added or changed since (their props) and
//     the ones gone (404), and a new token. A token is the hash of the
//     calendar's state (each resource and its ETag), which the calendar
//     store keeps (calendar.SyncState) for the newest few tokens of each
//     calendar; an unknown or expired one is 403 DAV:valid-sync-token,
//     on which clients sync again from nothing. Diffing states rather
//     than logging changes sees every change whatever made it: the API,
//     CalDAV, a group's deletion, a new selection of groups.
//   - PROPFIND of a calendar that asks for DAV:sync-token,
//     DAV:supported-report-set or CS:getctag: go-webdav answers it, then
//     the values are put in its answer (go-webdav reports them 404).

const (
	nsDAV    = "DAV:"
	nsCalDAV = "urn:ietf:params:xml:ns:caldav"
	nsCS     = "http://calendarserver.org/ns/"
)

// propName is an XML element name in a request's prop.
type propName struct {
	XMLName xml.Name
}

type syncCollectionReq struct {
	XMLName   xml.Name `xml:"DAV: sync-collection"`
	SyncToken string   `xml:"DAV: sync-token"`
	Prop      struct {
		Names []propName `xml:",any"`
	} `xml:"DAV: prop"`
}

// zeroTime is an open bound of a range.
var zeroTime time.Time

// davState is a calendar's state: resource name -> ETag.
type davState map[string]string

func (s davState) encode() []byte {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		b.WriteString(url.PathEscape(n))
		b.WriteByte(' ')
		b.WriteString(s[n])
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func decodeState(b []byte) davState {
	s := davState{}
	for _, line := range strings.Split(string(b), "\n") {
		name, tag, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if n, err := url.PathUnescape(name); err == nil {
			s[n] = tag
		}
	}
	return s
}

// current returns the objects of a calendar and its state.
func (b *davBackend) current(ctx context.Context, d *davRequest, c collection) ([]caldav.CalendarObject, davState, error) {
	es, err := b.events(ctx, d, c, zeroTime, zeroTime)
	if err != nil {
		return nil, nil, err
	}
	objs, err := b.objects(ctx, d, c, es)
	if err != nil {
		return nil, nil, err
	}
	st := davState{}
	for _, e := range es {
		st[e.Resource] = calendar.ETag(e)
	}
	return objs, st, nil
}

// syncToken returns the token of calendar c as it is now.
func (b *davBackend) syncToken(ctx context.Context, d *davRequest, c collection) (string, error) {
	_, st, err := b.current(ctx, d, c)
	if err != nil {
		return "", err
	}
	tok, err := b.h.svc.SyncToken(ctx, d.actor, c.name, st.encode())
	return tok, b.davError(ctx, err)
}

// readBody reads a request body (bounded) and puts it back for whoever
// reads it next.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, davMaxBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > davMaxBody {
		return nil, errors.New("request body too large")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// serveSync answers r itself if it is a sync-collection REPORT, or a
// PROPFIND of a calendar asking for what go-webdav lacks, and reports
// whether it did.
func (b *davBackend) serveSync(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != "REPORT" && r.Method != "PROPFIND" {
		return false
	}
	body, err := readBody(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return true
	}
	switch r.Method {
	case "REPORT":
		var req syncCollectionReq
		if xml.Unmarshal(body, &req) != nil {
			return false // not a sync-collection: go-webdav's
		}
		b.serveSyncCollection(w, r, &req)
		return true
	default:
		return b.servePropfindExtras(w, r, body)
	}
}

func (b *davBackend) serveSyncCollection(w http.ResponseWriter, r *http.Request, req *syncCollectionReq) {
	ctx := r.Context()
	d, c, file, err := b.resolve(ctx, r.URL.Path)
	if err == nil && file != "" {
		err = davStatus(http.StatusForbidden, "sync-collection is a report of a calendar")
	}
	if err != nil {
		serveDAVError(w, err)
		return
	}
	objs, now, err := b.current(ctx, d, c)
	if err != nil {
		serveDAVError(w, err)
		return
	}
	var before davState
	if req.SyncToken != "" {
		old, err := b.h.svc.SyncState(ctx, d.actor, c.name, req.SyncToken)
		if errors.Is(err, calendar.ErrSyncToken) {
			w.Header().Set("Content-Type", "application/xml; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, xml.Header+`<d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>`)
			return
		}
		if err != nil {
			serveDAVError(w, b.davError(ctx, err))
			return
		}
		before = decodeState(old)
	}
	token, err := b.h.svc.SyncToken(ctx, d.actor, c.name, now.encode())
	if err != nil {
		serveDAVError(w, b.davError(ctx, err))
		return
	}
	var out bytes.Buffer
	out.WriteString(xml.Header + `<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">`)
	for _, o := range objs {
		name := o.Path[strings.LastIndexByte(o.Path, '/')+1:]
		if n, err := url.PathUnescape(name); err == nil {
			name = n
		}
		if tag, ok := before[name]; ok && tag == o.ETag {
			continue
		}
		if err := writeObjectResponse(&out, o, req.Prop.Names); err != nil {
			serveDAVError(w, b.davError(ctx, err))
			return
		}
	}
	gone := make([]string, 0)
	for name := range before {
		if _, ok := now[name]; !ok {
			gone = append(gone, name)
		}
	}
	sort.Strings(gone)
	for _, name := range gone {
		fmt.Fprintf(&out, `<d:response><d:href>%s</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`, escapeHref(d.objectPath(c.name, name)))
	}
	out.WriteString(`<d:sync-token>` + xmlText(token) + `</d:sync-token></d:multistatus>`)
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	_, _ = w.Write(out.Bytes())
}

// writeObjectResponse writes the response of one changed object with the
// props asked (getetag, getcontenttype, calendar-data; 404 for others).
func writeObjectResponse(out *bytes.Buffer, o caldav.CalendarObject, props []propName) error {
	var found, missing strings.Builder
	for _, p := range props {
		switch p.XMLName {
		case xml.Name{Space: nsDAV, Local: "getetag"}:
			found.WriteString(`<d:getetag>` + xmlText(`"`+o.ETag+`"`) + `</d:getetag>`)
		case xml.Name{Space: nsDAV, Local: "getcontenttype"}:
			found.WriteString(`<d:getcontenttype>` + ical.MIMEType + `</d:getcontenttype>`)
		case xml.Name{Space: nsCalDAV, Local: "calendar-data"}:
			var data bytes.Buffer
			if err := ical.NewEncoder(&data).Encode(o.Data); err != nil {
				return fmt.Errorf("calendarhttp: encode object: %w", err)
			}
			found.WriteString(`<c:calendar-data>` + xmlText(data.String()) + `</c:calendar-data>`)
		default:
			fmt.Fprintf(&missing, `<x:%s xmlns:x="%s"/>`, p.XMLName.Local, xmlText(p.XMLName.Space))
		}
	}
	out.WriteString(`<d:response><d:href>` + escapeHref(o.Path) + `</d:href>`)
	if found.Len() > 0 || missing.Len() == 0 {
		out.WriteString(`<d:propstat><d:prop>` + found.String() + `</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>`)
	}
	if missing.Len() > 0 {
		out.WriteString(`<d:propstat><d:prop>` + missing.String() + `</d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>`)
	}
	out.WriteString(`</d:response>`)
	return nil
}

func xmlText(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func escapeHref(p string) string { return xmlText((&url.URL{Path: p}).EscapedPath()) }

// serveDAVError writes err as go-webdav would: its status and words.
// go-webdav's HTTPError (of webdav.NewHTTPError, in an internal package)
// says "<code> <status text>: <cause>"; anything else is a 500.
func serveDAVError(w http.ResponseWriter, err error) {
	msg := err.Error()
	status, rest, _ := strings.Cut(msg, " ")
	code, convErr := strconv.Atoi(status)
	if convErr != nil || code < 400 || code > 599 {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if _, cause, ok := strings.Cut(rest, ": "); ok {
		msg = cause
	}
	http.Error(w, msg, code)
}

// extraProps are the calendar properties hanok adds to go-webdav's
// PROPFIND answer.
var extraProps = []xml.Name{
	{Space: nsDAV, Local: "sync-token"},
	{Space: nsCS, Local: "getctag"},
	{Space: nsDAV, Local: "supported-report-set"},
}

// servePropfindExtras answers a PROPFIND of a calendar that asks for one
// of extraProps: go-webdav answers it into a buffer (reporting those 404)
// and their values are moved into the calendar's 200 propstat.
func (b *davBackend) servePropfindExtras(w http.ResponseWriter, r *http.Request, body []byte) bool {
	ctx := r.Context()
	d, c, file, err := b.resolve(ctx, r.URL.Path)
	if err != nil || file != "" {
		return false
	}
	var asked []xml.Name
	for _, n := range extraProps {
		if bytes.Contains(body, []byte(n.Local)) {
			asked = append(asked, n)
		}
	}
	if len(asked) == 0 {
		return false
	}
	token, err := b.syncToken(ctx, d, c)
	if err != nil {
		serveDAVError(w, err)
		return true
	}
	rec := &bufferWriter{header: http.Header{}}
	(&caldav.Handler{Backend: b, Prefix: d.base}).ServeHTTP(rec, r)
	out := rec.body.String()
	if rec.status == http.StatusMultiStatus {
		out = addCalendarProps(out, d.calendarPath(c.name), asked, token)
	}
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.status)
	_, _ = io.WriteString(w, out)
	return true
}

// addCalendarProps puts the values of asked in the response of the
// calendar at href of go-webdav's multistatus out, removing them from its
// 404 propstat.
func addCalendarProps(out, href string, asked []xml.Name, token string) string {
	start := strings.Index(out, ">"+escapeHref(href)+"</href>")
	if start < 0 {
		return out
	}
	end := strings.Index(out[start:], "</response>")
	if end < 0 {
		return out
	}
	resp := out[start : start+end]
	var values strings.Builder
	for _, n := range asked {
		resp = strings.Replace(resp, fmt.Sprintf(`<%s xmlns="%s"></%s>`, n.Local, n.Space, n.Local), "", 1)
		switch n.Local {
		case "sync-token":
			values.WriteString(`<sync-token xmlns="DAV:">` + xmlText(token) + `</sync-token>`)
		case "getctag":
			values.WriteString(`<getctag xmlns="` + nsCS + `">` + xmlText(token) + `</getctag>`)
		case "supported-report-set":
			values.WriteString(`<supported-report-set xmlns="DAV:">` +
				`<supported-report><report><sync-collection/></report></supported-report>` +
				`<supported-report><report><calendar-query xmlns="` + nsCalDAV + `"/></report></supported-report>` +
				`<supported-report><report><calendar-multiget xmlns="` + nsCalDAV + `"/></report></supported-report>` +
				`</supported-report-set>`)
		}
	}
	resp = strings.Replace(resp, `<propstat xmlns="DAV:"><prop xmlns="DAV:"></prop><status>HTTP/1.1 404 Not Found</status></propstat>`, "", 1)
	resp += `<propstat xmlns="DAV:"><prop xmlns="DAV:">` + values.String() + `</prop><status>HTTP/1.1 200 OK</status></propstat>`
	return out[:start] + resp + out[start+end:]
}

// bufferWriter is a ResponseWriter into memory.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }

func (b *bufferWriter) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
