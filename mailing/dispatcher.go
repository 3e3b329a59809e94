package mailing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/mail"
	"net/url"
	"reflect"
	"slices"
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

	global *rate.Limiter
	// routes are the distinct transports of cfg.Routing.
	routes   []Transport
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
	ts := []Transport{cfg.Routing.Default}
	for _, dom := range slices.Sorted(maps.Keys(cfg.Routing.Domains)) {
		ts = append(ts, cfg.Routing.Domains[dom])
	}
	for _, t := range ts {
		if !slices.ContainsFunc(d.routes, func(r Transport) bool { return sameTransport(r, t) }) {
			d.routes = append(d.routes, t)
		}
	}
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
	// The workers are done: the recorder writes what it still holds.
	wg.Wait()
	rec.close()
	return nil
}

func (d *Dispatcher) work(ctx context.Context, worker int, rec *recorder) {
	// The campaigns being sent are few and their text does not change:
	// each worker reads each once.
	campaigns := map[CampaignID]Campaign{}
	refused := make(refusal, 1)
	for ctx.Err() == nil {
		// What this dispatcher has sent is recorded before it claims:
		// a claim never takes a row whose message is out and whose
		// outcome is not yet written, even if its lease has ended.
		rec.drain()
		now := d.cfg.Now()
		ds, err := d.store.ClaimDeliveries(ctx, now, now.Add(d.cfg.Lease), d.cfg.Batch)
		if err != nil {
			if ctx.Err() == nil {
				d.logger.ErrorContext(ctx, "mailing: claiming deliveries", "worker", worker, "err", err)
			}
			d.idle(ctx)
			continue
		}
		// The store takes writes: the slots of the outcomes it refused
		// before are free.
		rec.storeBack()
		rec.hold(ds)
		if len(ds) == 0 {
			d.idle(ctx)
			continue
		}
		if len(ds) == d.cfg.Batch {
			// There may be more: let another idle worker look too.
			d.Wake()
		}
		if d.sendClaim(ctx, ds, campaigns, refused, rec) {
			d.idle(ctx)
		}
	}
}

// sending is a claimed delivery whose message a worker has staged (or
// failed to stage), and not yet delivered.
type sending struct {
	i      int // the delivery's index in its claim
	del    Delivery
	tr     Transport
	staged Staged // nil when the stage failed with err
	err    error
	cancel context.CancelFunc // of the send's context
}

// sendClaim sends a worker's claimed deliveries ds, those of one
// transport after another (in due order within each), and reports
// whether the worker should wait before it claims again: the store
// refused an outcome of the worker's, and is likely down, so that
// whatever else this claim sends would go out unrecorded, and again once
// the leases end. The rows not sent are given back if the store takes
// them, otherwise left to their lease. So an outage costs at most one
// duplicate per worker.
//
// Each message is staged, and delivered when the worker has the next one
// (or has no next): with a transport whose Staged can, one exchange
// delivers a message and stages the next (Staged.CommitNext). A message
// is delivered only with one of rec's slots (see recorder); a send that
// has started is finished even if ctx ends meanwhile.
func (d *Dispatcher) sendClaim(ctx context.Context, ds []Delivery, campaigns map[CampaignID]Campaign, refused refusal, rec *recorder) (wait bool) {
	d.byTransport(ds)
	var cur *sending
	// stop gives back the rows from the staged message's on (or from i),
	// which it drops undelivered.
	stop := func(i int) bool {
		if cur != nil {
			if cur.staged != nil {
				cur.staged.Abort()
			}
			cur.cancel()
			i = cur.i
		}
		d.release(ds[i:])
		rec.unhold(ds[i:])
		return ctx.Err() == nil
	}
	for i, del := range ds {
		if ctx.Err() != nil {
			return stop(i)
		}
		if refused.take() {
			return stop(i)
		}
		c, ok := campaigns[del.Campaign]
		if !ok {
			var err error
			if c, err = d.store.Campaign(context.WithoutCancel(ctx), del.Campaign); err != nil {
				d.logger.ErrorContext(ctx, "mailing: reading campaign", "campaign", del.Campaign, "err", err)
				stop(i)
				return false
			}
			if len(campaigns) > 64 {
				clear(campaigns)
			}
			campaigns[del.Campaign] = c
		}
		now, until, cancelTurn, ok := d.reserveTurn(Domain(del.Email), del.LeaseUntil)
		if !ok {
			// Too late in the claim for a whole send: give the row
			// back, due when the limiters allow.
			next := del.NextAttempt
			if until.After(next) {
				next = until
			}
			err := d.store.FinishDelivery(context.WithoutCancel(ctx), del, Outcome{Status: DeliveryPending, At: d.cfg.Now(), NextAttempt: next})
			rec.unhold(ds[i : i+1])
			if err != nil {
				d.logger.Warn("mailing: releasing a delivery", "delivery", del.ID, "err", err)
				if d.commit(ctx, cur, refused, rec) {
					cur = nil
				}
				return stop(i + 1)
			}
			continue
		}
		if until.After(now) {
			// The staged message is not held open across a wait for
			// the rate limits.
			if !d.commit(ctx, cur, refused, rec) {
				cancelTurn()
				return stop(i)
			}
			cur = nil
			if err := d.cfg.Sleep(ctx, until); err != nil {
				cancelTurn()
				return stop(i)
			}
		}
		msg := d.message(c, del)
		tr := d.cfg.Routing.Transport(del.Email)
		sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.SendTimeout)
		next := &sending{i: i, del: del, tr: tr, cancel: cancel}
		st, isStaged := tr.(StagedTransport)
		switch {
		case cur != nil && cur.staged != nil && isStaged && sameTransport(cur.tr, tr):
			if !rec.acquire(ctx, refused) {
				cancel()
				return stop(i)
			}
			prev := cur
			next.staged, next.err = cur.staged.CommitNext(sendCtx, msg, func(err error) {
				prev.err = err
				d.submit(ctx, prev, refused, rec, true)
			})
			prev.cancel()
		default:
			if !d.commit(ctx, cur, refused, rec) {
				cancel()
				return stop(i)
			}
			cur = nil
			if isStaged {
				next.staged, next.err = st.Stage(sendCtx, msg)
				break
			}
			if !rec.acquire(ctx, refused) {
				cancel()
				return stop(i)
			}
			next.err = tr.Send(sendCtx, msg)
			cancel()
			d.submit(ctx, next, refused, rec, true)
			continue
		}
		cur = next
	}
	if !d.commit(ctx, cur, refused, rec) {
		return stop(len(ds))
	}
	return false
}

// commit delivers the staged message s, if any, and submits its outcome
// to rec (the outcome of its failed stage, if it failed). It reports
// false, leaving s to the caller, when it may not deliver: ctx has ended,
// or the store refused an outcome of the worker's (refused).
func (d *Dispatcher) commit(ctx context.Context, s *sending, refused refusal, rec *recorder) bool {
	if s == nil {
		return true
	}
	if s.staged == nil {
		s.cancel()
		d.submit(ctx, s, refused, rec, false)
		return true
	}
	if !rec.acquire(ctx, refused) {
		return false
	}
	s.err = s.staged.Commit()
	s.cancel()
	d.submit(ctx, s, refused, rec, true)
	return true
}

// submit hands the outcome of s's attempt to rec; slot says whether it
// holds a slot (its message was delivered, or may have been).
func (d *Dispatcher) submit(ctx context.Context, s *sending, refused refusal, rec *recorder, slot bool) {
	o := d.Outcome(s.del, s.err, d.cfg.Now())
	if s.err != nil {
		d.logger.WarnContext(ctx, "mailing: send failed", "delivery", s.del.ID, "to", s.del.Email, "attempt", s.del.Attempts+1, "status", o.Status, "err", s.err)
	}
	rec.submit(&recording{ctx: ctx, del: s.del, o: o, refused: refused, slot: slot})
}

// byTransport orders a claim's deliveries by transport, keeping their
// order within each, so that a worker's messages over one transport
// follow each other (and can share exchanges, Staged.CommitNext).
func (d *Dispatcher) byTransport(ds []Delivery) {
	if len(d.cfg.Routing.Domains) == 0 {
		return
	}
	key := func(del Delivery) int {
		t := d.cfg.Routing.Transport(del.Email)
		for i, r := range d.routes {
			if sameTransport(r, t) {
				return i
			}
		}
		return len(d.routes)
	}
	slices.SortStableFunc(ds, func(a, b Delivery) int { return cmp.Compare(key(a), key(b)) })
}

// sameTransport reports whether a and b are the same transport (false
// for a transport whose type cannot be compared).
func sameTransport(a, b Transport) bool {
	ta := reflect.TypeOf(a)
	return ta != nil && ta == reflect.TypeOf(b) && ta.Comparable() && a == b
}

// recording is the recording of a sent message's outcome, which the
// recorder writes while the worker goes on.
type recording struct {
	ctx     context.Context
	del     Delivery
	o       Outcome
	refused refusal
	// slot says whether it holds one of the recorder's slots.
	slot bool
}

// refusal is a worker's signal that the store refused one of its
// outcomes, which the worker takes when it stops sending for it.
type refusal chan struct{}

// set signals the refusal.
func (r refusal) set() {
	select {
	case r <- struct{}{}:
	default:
	}
}

// take reports whether the refusal was signalled, and clears it.
func (r refusal) take() bool {
	select {
	case <-r:
		return true
	default:
		return false
	}
}

// recorder writes the outcomes of a Run's sends (Store.FinishDeliveries).
// The worker that submits an outcome writes it at once, with any others
// queued, unless a write is under way: then it goes on, and the outcomes
// that came meanwhile make up the next group, which the recorder's own
// goroutine writes. So an outcome waits for at most one write before its
// own, and the workers share the store's writes.
//
// The recorder has one slot per worker, and a message is delivered only
// with a slot, which is free again once its outcome is written: so the
// dispatcher never has more messages delivered and not recorded than it
// has workers, which is what a crash can send twice, and yet no worker
// waits for its own outcome to be written before it sends the next
// message, unless every slot is taken.
type recorder struct {
	d      *Dispatcher
	slots  chan struct{}
	signal chan struct{}
	stop   chan struct{}
	done   chan struct{}

	mu      sync.Mutex
	queue   []*recording
	writing bool
	// submitted and written count the outcomes submitted and those
	// written (or refused); wrote signals each write, for drain.
	submitted, written uint64
	wrote              *sync.Cond
	// lost is the number of slots of outcomes the store refused: they
	// stay taken until the store takes a write again (storeBack), so
	// that an outage costs at most one duplicate per worker.
	lost int
	// held counts the claimed deliveries of each campaign that the
	// workers have not finished or given back: while a campaign has
	// some, it has a pending delivery and is not done (Finish.MoreHeld).
	held map[CampaignID]int
}

func newRecorder(d *Dispatcher) *recorder {
	rc := &recorder{d: d, slots: make(chan struct{}, d.cfg.Workers), signal: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}), held: map[CampaignID]int{}}
	rc.wrote = sync.NewCond(&rc.mu)
	go rc.run()
	return rc
}

// acquire takes a slot for a message about to be delivered, whose
// outcome the caller will submit without waiting for any write. It
// reports false, with no slot taken, if ctx ends first or the store
// refuses an outcome of the caller's (refused).
func (rc *recorder) acquire(ctx context.Context, refused refusal) bool {
	select {
	case rc.slots <- struct{}{}:
	case <-ctx.Done():
		return false
	case <-refused:
		return false
	}
	if refused.take() {
		<-rc.slots
		return false
	}
	return true
}

// submit queues an outcome (that of a message delivered with a slot when
// r.slot), and writes the queue unless a write is under way.
func (rc *recorder) submit(r *recording) {
	rc.mu.Lock()
	rc.queue = append(rc.queue, r)
	rc.submitted++
	rc.mu.Unlock()
	rc.writeQueued(false)
}

// poke wakes the recorder.
func (rc *recorder) poke() {
	select {
	case rc.signal <- struct{}{}:
	default:
	}
}

// drain waits until every outcome submitted so far is written.
func (rc *recorder) drain() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.written == rc.submitted {
		return
	}
	want := rc.submitted
	rc.poke()
	for rc.written < want {
		rc.wrote.Wait()
	}
}

// hold counts ds, just claimed, as held.
func (rc *recorder) hold(ds []Delivery) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, del := range ds {
		rc.held[del.Campaign]++
	}
}

// unhold counts ds, given back, as held no more.
func (rc *recorder) unhold(ds []Delivery) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, del := range ds {
		rc.unholdOne(del.Campaign)
	}
}

// unholdOne counts one delivery of c as held no more; rc.mu is held.
func (rc *recorder) unholdOne(c CampaignID) {
	if rc.held[c]--; rc.held[c] <= 0 {
		delete(rc.held, c)
	}
}

// storeBack frees the slots of the outcomes the store refused: it takes
// writes again.
func (rc *recorder) storeBack() {
	rc.mu.Lock()
	n := rc.lost
	rc.lost = 0
	rc.mu.Unlock()
	for range n {
		<-rc.slots
	}
}

// close stops the recorder once the workers are done, when it has
// written every outcome submitted.
func (rc *recorder) close() {
	close(rc.stop)
	<-rc.done
}

// run writes what the workers leave queued.
func (rc *recorder) run() {
	defer close(rc.done)
	for {
		select {
		case <-rc.signal:
			rc.writeQueued(true)
		case <-rc.stop:
			// The workers are done, and with them their writes.
			rc.writeQueued(true)
			return
		}
	}
}

// writeQueued writes the queued outcomes, unless another goroutine is
// writing: all of them (all), or one group, leaving the rest to the
// recorder's goroutine.
func (rc *recorder) writeQueued(all bool) {
	wrote := false
	for {
		rc.mu.Lock()
		if rc.writing || len(rc.queue) == 0 {
			rc.mu.Unlock()
			return
		}
		if wrote && !all {
			rc.mu.Unlock()
			rc.poke()
			return
		}
		group := rc.queue
		rc.queue = nil
		rc.writing = true
		rc.mu.Unlock()
		rc.write(group)
		wrote = true
	}
}

// write records a group of outcomes, and frees the slot of each the
// store took.
func (rc *recorder) write(group []*recording) {
	d := rc.d
	fs := make([]Finish, len(group))
	rc.mu.Lock()
	for i, r := range group {
		c := r.del.Campaign
		in := 0
		for _, o := range group {
			if o.del.Campaign == c {
				in++
			}
		}
		fs[i] = Finish{Delivery: r.del, Outcome: r.o, MoreHeld: rc.held[c] > in}
	}
	rc.mu.Unlock()
	errs := d.store.FinishDeliveries(context.Background(), fs)
	lost := 0
	for i, r := range group {
		if err := errs[i]; err != nil {
			d.logger.ErrorContext(r.ctx, "mailing: recording a delivery", "delivery", r.del.ID, "status", r.o.Status, "err", err)
			r.refused.set()
			if r.slot {
				lost++
			}
			continue
		}
		if d.cfg.OnOutcome != nil {
			d.cfg.OnOutcome(r.o)
		}
		if r.slot {
			<-rc.slots
		}
	}
	rc.mu.Lock()
	for _, r := range group {
		rc.unholdOne(r.del.Campaign)
	}
	rc.lost += lost
	rc.written += uint64(len(group))
	rc.writing = false
	rc.mu.Unlock()
	rc.wrote.Broadcast()
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

// reserveTurn reserves the rate limiters' permission to send to domain
// at until (now when they need no wait); cancel gives it back. ok is
// false, the permission given back, when the send could not finish
// within the lease (leaseUntil) after the wait: then the row is to be
// released, due at until.
func (d *Dispatcher) reserveTurn(domain string, leaseUntil time.Time) (now, until time.Time, cancel func(), ok bool) {
	now = d.cfg.Now()
	var rs []*rate.Reservation
	until = now
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
	cancel = func() {
		for _, r := range rs {
			r.CancelAt(now)
		}
	}
	if until.Add(d.cfg.SendTimeout).After(leaseUntil) {
		// Too late in the claim for a whole send (a slow batch, or a
		// long wait for a limiter).
		cancel()
		return now, until, cancel, false
	}
	return now, until, cancel, true
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
