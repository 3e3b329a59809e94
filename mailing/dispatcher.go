package mailing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DispatcherConfig configures a Dispatcher. Zero fields take the defaults
// named.
type DispatcherConfig struct {
	// Routing picks each recipient's transport. Routing.Default is
	// required.
	Routing Routing
	// From is the From: header, an address with an optional display
	// name (default "hanok mailing <mailing@localhost>").
	From string
	// ReplyTo, if set, is the Reply-To: header of every message.
	ReplyTo string
	// ReturnPath is the envelope sender (SMTP MAIL FROM), where bounces
	// go (default: From's address).
	ReturnPath string
	// VERP, if set, makes each message's envelope sender the VERP
	// address of its delivery instead of ReturnPath, so that a bounce
	// names the delivery it is about.
	VERP *VERP
	// PublicURL is the public base URL of the HTTP adapter, under which
	// the unsubscribe links live (default "http://127.0.0.1:8080/mailing").
	PublicURL string
	// MessageIDDomain is the right side of every Message-ID (default: the
	// host of PublicURL).
	MessageIDDomain string

	// Workers is the number of sending goroutines (default 4).
	Workers int
	// Batch is how many deliveries a worker claims at once (default 32:
	// a claim is a write transaction, and the rows a dead dispatcher held
	// come back when their lease ends, whatever their number).
	Batch int
	// Lease is how long a claim holds its rows (default 30 minutes): a
	// row not finished by then is claimed again. It must outlast a send
	// (SendTimeout), so that a slow server is never sent a second copy
	// while the first is still under way; after a crash, the rows the
	// dead dispatcher held wait this long.
	Lease time.Duration
	// Poll is how long an idle worker waits before looking for due rows
	// again (default 1 second); Wake cuts the wait short.
	Poll time.Duration
	// SendTimeout bounds one send (default 25 minutes, the sum of RFC
	// 5321's timeouts for a one-block message, or half the lease if that
	// is shorter). A send starts only while its claim has this long left
	// to run, so a slow send never outlives its lease.
	SendTimeout time.Duration

	// MaxAttempts is the number of attempts before a temporary failure
	// becomes permanent (default 8).
	MaxAttempts int
	// Backoff is the wait after the first failed attempt, doubled after
	// each further one (default 30 seconds), up to MaxBackoff (default 1
	// hour).
	Backoff    time.Duration
	MaxBackoff time.Duration

	// Rate is the most messages a second over all domains; 0 is unlimited.
	Rate float64
	// DomainRate is the most messages a second to one recipient domain,
	// for domains not in DomainRates; 0 is unlimited.
	DomainRate float64
	// DomainRates sets the rate of single domains (lower-case); 0 is
	// unlimited.
	DomainRates map[string]float64
	// Burst is the number of messages a limiter lets through at once
	// (default 1).
	Burst int

	// Now is the clock (default time.Now).
	Now func() time.Time
	// Sleep waits until the clock reads until, or ctx is done (default: a
	// timer). Tests with a settable clock move the clock instead.
	Sleep func(ctx context.Context, until time.Time) error
	// OnOutcome, if set, is called with the outcome of every attempt to
	// send, once it is recorded: the program's metrics.
	OnOutcome func(Outcome)
	// Logger receives a line per failure (default: discard).
	Logger *slog.Logger
}

// Dispatcher sends the deliveries of a Store with a pool of workers. See
// Run.
type Dispatcher struct {
	store  Store
	cfg    DispatcherConfig
	logger *slog.Logger
	wake   chan struct{}

	global   *rate.Limiter
	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

// NewDispatcher returns a Dispatcher over store.
func NewDispatcher(store Store, cfg DispatcherConfig) (*Dispatcher, error) {
	if store == nil {
		return nil, errors.New("mailing: nil store")
	}
	if cfg.Routing.Default == nil {
		return nil, errors.New("mailing: the routing needs a default transport")
	}
	if cfg.From == "" {
		cfg.From = "hanok mailing <mailing@localhost>"
	}
	if _, err := mail.ParseAddress(cfg.From); err != nil {
		return nil, fmt.Errorf("mailing: from %q: %w", cfg.From, err)
	}
	if cfg.ReplyTo != "" {
		if _, err := mail.ParseAddress(cfg.ReplyTo); err != nil {
			return nil, fmt.Errorf("mailing: reply-to %q: %w", cfg.ReplyTo, err)
		}
	}
	if cfg.ReturnPath != "" {
		if a, err := mail.ParseAddress(cfg.ReturnPath); err != nil || a.Name != "" || a.Address != cfg.ReturnPath {
			return nil, fmt.Errorf("mailing: return path %q: want a bare address", cfg.ReturnPath)
		}
	}
	if v := cfg.VERP; v != nil {
		if len(v.Secret) < 16 {
			return nil, errors.New("mailing: the VERP secret needs 16 bytes at least")
		}
		if _, err := mail.ParseAddress(v.Address(1, 1)); err != nil {
			return nil, fmt.Errorf("mailing: VERP domain %q: %w", v.Domain, err)
		}
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://127.0.0.1:8080/mailing"
	}
	if cfg.MessageIDDomain == "" {
		if u, err := url.Parse(cfg.PublicURL); err == nil && u.Hostname() != "" {
			cfg.MessageIDDomain = u.Hostname()
		} else {
			cfg.MessageIDDomain = "localhost"
		}
	}
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	defD := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&cfg.Workers, 4)
	def(&cfg.Batch, 32)
	def(&cfg.MaxAttempts, 8)
	def(&cfg.Burst, 1)
	defD(&cfg.Lease, 30*time.Minute)
	defD(&cfg.Poll, time.Second)
	defD(&cfg.SendTimeout, min(25*time.Minute, cfg.Lease/2))
	if cfg.SendTimeout >= cfg.Lease {
		return nil, errors.New("mailing: the send timeout must be shorter than the lease")
	}
	defD(&cfg.Backoff, 30*time.Second)
	defD(&cfg.MaxBackoff, time.Hour)
	if cfg.Rate < 0 || cfg.DomainRate < 0 {
		return nil, errors.New("mailing: rates must not be negative")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		now := cfg.Now
		cfg.Sleep = func(ctx context.Context, until time.Time) error {
			t := time.NewTimer(until.Sub(now()))
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{store: store, cfg: cfg, logger: logger, wake: make(chan struct{}, 1), limiters: map[string]*rate.Limiter{}}
	d.global = d.limiter(cfg.Rate)
	return d, nil
}

func (d *Dispatcher) limiter(perSecond float64) *rate.Limiter {
	if perSecond <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(perSecond), d.cfg.Burst)
}

// domainLimiter returns the limiter of domain, nil when unlimited.
func (d *Dispatcher) domainLimiter(domain string) *rate.Limiter {
	d.mu.Lock()
	defer d.mu.Unlock()
	if l, ok := d.limiters[domain]; ok {
		return l
	}
	r, ok := d.cfg.DomainRates[domain]
	if !ok {
		r = d.cfg.DomainRate
	}
	l := d.limiter(r)
	d.limiters[domain] = l
	return l
}

// Wake makes idle workers look for due deliveries now instead of at
// their next poll (call it after creating a campaign).
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run sends due deliveries until ctx is done, then lets the sends in
// flight finish and record their outcome, releases the rows claimed but
// not started, and returns nil. Running it again (or another Dispatcher
// on the same store) resumes where it stopped; rows of a dispatcher that
// died without releasing them are claimed again when their lease ends.
func (d *Dispatcher) Run(ctx context.Context) error {
	rec := newRecorder(d)
	var wg sync.WaitGroup
	for i := range d.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.work(ctx, i, rec)
		}()
	}
	// A worker returns only once its last outcome is recorded: the
	// recorder has nothing left.
	wg.Wait()
	rec.close()
	return nil
}

func (d *Dispatcher) work(ctx context.Context, worker int, rec *recorder) {
	// The campaigns being sent are few and their text does not change:
	// each worker reads each once.
	campaigns := map[CampaignID]Campaign{}
	for ctx.Err() == nil {
		now := d.cfg.Now()
		ds, err := d.store.ClaimDeliveries(ctx, now, now.Add(d.cfg.Lease), d.cfg.Batch)
		if err != nil {
			if ctx.Err() == nil {
				d.logger.ErrorContext(ctx, "mailing: claiming deliveries", "worker", worker, "err", err)
			}
			d.idle(ctx)
			continue
		}
		if len(ds) == 0 {
			d.idle(ctx)
			continue
		}
		if len(ds) == d.cfg.Batch {
			// There may be more: let another idle worker look too.
			d.Wake()
		}
		// prev is the recording of the message sent last, which runs
		// while the next one is staged (deliver).
		var prev *recording
		stopped := false
		for i, del := range ds {
			if ctx.Err() != nil {
				prev.wait()
				d.release(ds[i:])
				return
			}
			c, ok := campaigns[del.Campaign]
			if !ok {
				var err error
				if c, err = d.store.Campaign(context.WithoutCancel(ctx), del.Campaign); err != nil {
					d.logger.ErrorContext(ctx, "mailing: reading campaign", "campaign", del.Campaign, "err", err)
					prev.wait()
					d.release(ds[i:])
					break
				}
				if len(campaigns) > 64 {
					clear(campaigns)
				}
				campaigns[del.Campaign] = c
			}
			next, from := d.deliver(ctx, c, del, prev, rec)
			prev = next
			if from >= 0 {
				// The store could not record a delivery: it is
				// likely down, and whatever else this claim sends
				// would go out unrecorded and again once the lease
				// ends. Give the rest back if the store takes it,
				// otherwise leave it to its lease, and wait before
				// claiming again. So an outage costs at most one
				// duplicate per worker: the message sent last.
				d.release(ds[i+from:])
				d.idle(ctx)
				stopped = true
				break
			}
		}
		if !prev.wait() && !stopped {
			d.idle(ctx)
		}
	}
}

// recording is the recording of a sent message's outcome, which the
// recorder writes while the worker stages its next message. A nil
// *recording is none, and succeeded. Only its worker waits for it.
type recording struct {
	ctx    context.Context
	del    Delivery
	o      Outcome
	ok     chan bool
	waited bool
	result bool
}

// wait waits for the recording and reports whether the store took it.
func (r *recording) wait() bool {
	if r == nil {
		return true
	}
	if !r.waited {
		r.result, r.waited = <-r.ok, true
	}
	return r.result
}

// groupWait is the longest the recorder holds a lone outcome for a
// second one.
const groupWait = 500 * time.Microsecond

// recorder writes the outcomes of a Run's sends in groups
// (Store.FinishDeliveries), so that the workers share the store's
// writes. The outcomes that come while a group is being written make up
// the next group. A group of one waits, up to groupWait, for a second
// outcome while a worker is sending a message (between expect and
// submit), whose outcome needs no write to come: waiting for every
// sending worker instead saves more writes, but makes the workers wait
// for each other, and sends fewer messages a second. A worker sends its
// next message only once its last outcome is written, so it never has
// more than one message delivered and not recorded.
type recorder struct {
	d      *Dispatcher
	signal chan struct{}
	stop   chan struct{}
	done   chan struct{}

	mu      sync.Mutex
	queue   []*recording
	sending int
}

func newRecorder(d *Dispatcher) *recorder {
	rc := &recorder{d: d, signal: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go rc.run()
	return rc
}

// expect says a worker is about to deliver a message, whose outcome it
// will submit without waiting for any write.
func (rc *recorder) expect() {
	rc.mu.Lock()
	rc.sending++
	rc.mu.Unlock()
}

// submit queues the outcome of the message announced by expect.
func (rc *recorder) submit(r *recording) {
	rc.mu.Lock()
	rc.sending--
	rc.queue = append(rc.queue, r)
	rc.mu.Unlock()
	select {
	case rc.signal <- struct{}{}:
	default:
	}
}

// close stops the recorder once the workers are done.
func (rc *recorder) close() {
	close(rc.stop)
	<-rc.done
}

func (rc *recorder) run() {
	defer close(rc.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		rc.mu.Lock()
		for len(rc.queue) == 0 {
			rc.mu.Unlock()
			select {
			case <-rc.signal:
			case <-rc.stop:
				return
			}
			rc.mu.Lock()
		}
		if rc.sending > 0 && len(rc.queue) == 1 {
			timer.Reset(groupWait)
		wait:
			for rc.sending > 0 && len(rc.queue) == 1 {
				rc.mu.Unlock()
				select {
				case <-rc.signal:
					rc.mu.Lock()
				case <-timer.C:
					rc.mu.Lock()
					break wait
				}
			}
			timer.Stop()
		}
		group := rc.queue
		rc.queue = nil
		rc.mu.Unlock()
		rc.write(group)
	}
}

// write records a group of outcomes and hands each its result.
func (rc *recorder) write(group []*recording) {
	d := rc.d
	fs := make([]Finish, len(group))
	for i, r := range group {
		fs[i] = Finish{Delivery: r.del, Outcome: r.o}
	}
	errs := d.store.FinishDeliveries(context.Background(), fs)
	for i, r := range group {
		if err := errs[i]; err != nil {
			d.logger.ErrorContext(r.ctx, "mailing: recording a delivery", "delivery", r.del.ID, "status", r.o.Status, "err", err)
			r.ok <- false
			continue
		}
		if d.cfg.OnOutcome != nil {
			d.cfg.OnOutcome(r.o)
		}
		r.ok <- true
	}
}

// idle waits for the poll interval, a Wake, or the end of ctx.
func (d *Dispatcher) idle(ctx context.Context) {
	t := time.NewTimer(d.cfg.Poll)
	defer t.Stop()
	select {
	case <-t.C:
	case <-d.wake:
	case <-ctx.Done():
	}
}

// release gives claimed rows back without counting an attempt. It stops
// at the first row the store fails to take: the others come back when
// their lease ends.
func (d *Dispatcher) release(ds []Delivery) {
	ctx := context.Background()
	for _, del := range ds {
		o := Outcome{Status: DeliveryPending, At: d.cfg.Now(), NextAttempt: del.NextAttempt}
		if err := d.store.FinishDelivery(ctx, del, o); err != nil {
			d.logger.Warn("mailing: releasing a delivery", "delivery", del.ID, "err", err)
			if !errors.Is(err, ErrNotHeld) {
				return
			}
		}
	}
}

// MessageID is the Message-ID (without angle brackets) of a campaign's
// message to a subscriber: the same for every attempt.
func MessageID(c CampaignID, s SubscriberID, domain string) string {
	return fmt.Sprintf("campaign-%d.subscriber-%d@%s", c, s, domain)
}

// message renders the delivery's message.
func (d *Dispatcher) message(c Campaign, del Delivery) Message {
	link := UnsubscribeURL(d.cfg.PublicURL, del.Token)
	return Message{
		MessageID:       MessageID(del.Campaign, del.Subscriber, d.cfg.MessageIDDomain),
		Campaign:        del.Campaign,
		CampaignCreated: c.Created,
		Subscriber:      del.Subscriber,
		From:            d.cfg.From,
		ReplyTo:         d.cfg.ReplyTo,
		ReturnPath:      d.returnPath(del),
		To:              del.Email,
		ToName:          del.Name,
		Subject:         c.Subject,
		Text:            textWithLink(c.Text, link),
		HTML:            htmlWithLink(c.HTML, link),
		UnsubscribeURL:  link,
	}
}

// SendConfirmation implements Confirmer: it sends sub the confirmation
// mail of confirmed opt-in (ConfirmationMessage, with the link
// ConfirmURL under PublicURL) now, through sub's domain's transport and
// within the rate limits.
func (d *Dispatcher) SendConfirmation(ctx context.Context, sub Subscriber) error {
	link := ConfirmURL(d.cfg.PublicURL, sub.Token)
	subject, text := ConfirmationMessage(sub, link)
	return d.sendNow(ctx, Message{
		MessageID: fmt.Sprintf("confirm-%d.%d@%s", sub.ID, d.cfg.Now().UnixNano(), d.cfg.MessageIDDomain), Subscriber: sub.ID,
		From: d.cfg.From, ReplyTo: d.cfg.ReplyTo, ReturnPath: d.cfg.ReturnPath, To: sub.Email, ToName: sub.Name,
		Subject: subject, Text: text,
	})
}

// SendTest implements Tester: it sends campaign c's message to the
// address to now (within the rate limits), as subscriber 0, its
// unsubscribe link one that names nobody.
func (d *Dispatcher) SendTest(ctx context.Context, c Campaign, to string) error {
	m := d.message(c, Delivery{Campaign: c.ID, Email: to, Token: "test"})
	m.MessageID = fmt.Sprintf("test-%d.%d@%s", c.ID, d.cfg.Now().UnixNano(), d.cfg.MessageIDDomain)
	m.ReturnPath = d.cfg.ReturnPath
	return d.sendNow(ctx, m)
}

// sendNow sends one message outside the outbox, within the rate limits.
func (d *Dispatcher) sendNow(ctx context.Context, m Message) error {
	for _, l := range []*rate.Limiter{d.global, d.domainLimiter(Domain(m.To))} {
		if l == nil {
			continue
		}
		if err := l.Wait(ctx); err != nil {
			return fmt.Errorf("mailing: waiting for the rate limit: %w", err)
		}
	}
	sendCtx, cancel := context.WithTimeout(ctx, d.cfg.SendTimeout)
	defer cancel()
	return d.cfg.Routing.Transport(m.To).Send(sendCtx, m)
}

// returnPath is the envelope sender of del's message.
func (d *Dispatcher) returnPath(del Delivery) string {
	if d.cfg.VERP != nil {
		return d.cfg.VERP.Address(del.Campaign, del.Subscriber)
	}
	return d.cfg.ReturnPath
}

// waitTurn waits for the rate limiters' permission to send to domain. It
// returns ok false (and gives the tokens back) when ctx ends first, or
// when the send could not finish within the lease after the wait: then
// the row is released to be due at the returned time.
func (d *Dispatcher) waitTurn(ctx context.Context, domain string, leaseUntil time.Time) (due time.Time, ok bool) {
	now := d.cfg.Now()
	var rs []*rate.Reservation
	until := now
	for _, l := range []*rate.Limiter{d.global, d.domainLimiter(domain)} {
		if l == nil {
			continue
		}
		r := l.ReserveN(now, 1)
		rs = append(rs, r)
		if at := now.Add(r.DelayFrom(now)); at.After(until) {
			until = at
		}
	}
	cancel := func() {
		for _, r := range rs {
			r.CancelAt(now)
		}
	}
	if until.Add(d.cfg.SendTimeout).After(leaseUntil) {
		// Too late in the claim for a whole send (a slow batch, or a
		// long wait for a limiter): give the row back.
		cancel()
		return until, false
	}
	if !until.After(now) {
		return now, true
	}
	if err := d.cfg.Sleep(ctx, until); err != nil {
		cancel()
		return now, false
	}
	return until, true
}

// deliver sends one claimed delivery and starts the recording of its
// outcome with rec, which it returns. A send that has started is
// finished even if ctx ends meanwhile.
//
// The recording of the worker's previous message, prev, runs meanwhile:
// over a StagedTransport this message is staged (all sent but what
// delivers it) while prev is written, and committed only once prev has
// been recorded, so that the worker never has more than one message
// delivered and not recorded (after a crash, at most one is sent again).
// Over any other transport the send waits for prev.
//
// from is -1 when the worker may go on, else where in the claim the rows
// to release start, relative to this delivery: 0 when prev failed (this
// message was not delivered), 1 when this delivery's own release failed.
func (d *Dispatcher) deliver(ctx context.Context, c Campaign, del Delivery, prev *recording, rec *recorder) (next *recording, from int) {
	if due, ok := d.waitTurn(ctx, Domain(del.Email), del.LeaseUntil); !ok {
		if !prev.wait() {
			return nil, 0
		}
		next := del.NextAttempt
		if due.After(next) {
			next = due
		}
		if err := d.store.FinishDelivery(context.WithoutCancel(ctx), del, Outcome{Status: DeliveryPending, At: d.cfg.Now(), NextAttempt: next}); err != nil {
			d.logger.Warn("mailing: releasing a delivery", "delivery", del.ID, "err", err)
			return nil, 1
		}
		return nil, -1
	}
	msg := d.message(c, del)
	sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.SendTimeout)
	defer cancel()
	var err error
	tr := d.cfg.Routing.Transport(del.Email)
	if st, ok := tr.(StagedTransport); ok {
		var staged Staged
		staged, err = st.Stage(sendCtx, msg)
		if !prev.wait() {
			if err == nil {
				staged.Abort()
			}
			return nil, 0
		}
		rec.expect()
		if err == nil {
			err = staged.Commit()
		}
	} else {
		if !prev.wait() {
			return nil, 0
		}
		rec.expect()
		err = tr.Send(sendCtx, msg)
	}
	o := d.Outcome(del, err, d.cfg.Now())
	if err != nil {
		d.logger.WarnContext(ctx, "mailing: send failed", "delivery", del.ID, "to", del.Email, "attempt", del.Attempts+1, "status", o.Status, "err", err)
	}
	r := &recording{ctx: ctx, del: del, o: o, ok: make(chan bool, 1)}
	rec.submit(r)
	return r, -1
}

// Outcome decides how an attempt of del that ended with err (nil for
// success) at now is recorded: sent; failed when err is permanent or the
// attempts are used up; otherwise pending again after the backoff.
func (d *Dispatcher) Outcome(del Delivery, err error, now time.Time) Outcome {
	if err == nil {
		return Outcome{Status: DeliverySent, Attempted: true, At: now}
	}
	msg := err.Error()
	if len(msg) > 1000 {
		msg = strings.ToValidUTF8(msg[:1000], "")
	}
	attempts := del.Attempts + 1
	if IsPermanent(err) {
		return Outcome{Status: DeliveryFailed, Attempted: true, At: now, Error: msg}
	}
	if attempts >= d.cfg.MaxAttempts {
		return Outcome{Status: DeliveryFailed, Attempted: true, At: now, Error: fmt.Sprintf("%s (attempt %d of %d)", msg, attempts, d.cfg.MaxAttempts)}
	}
	wait := d.cfg.Backoff
	for i := 1; i < attempts && wait < d.cfg.MaxBackoff; i++ {
		wait *= 2
	}
	wait = min(wait, d.cfg.MaxBackoff)
	return Outcome{Status: DeliveryPending, Attempted: true, At: now, NextAttempt: now.Add(wait), Error: msg}
}
