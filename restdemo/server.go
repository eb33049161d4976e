// The server: configuration, the middleware stack, health and metrics
// endpoints, and the lifecycle from listening to a graceful drain.

package main

import (
	"context"
	"crypto/rand"
	"errors"
	"expvar"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Config holds the service's knobs. Zero fields take the defaults below.
type Config struct {
	Logger *slog.Logger     // access log and errors; nil discards
	Now    func() time.Time // clock for timestamps, buckets and key expiry; nil is time.Now

	// InstanceID prefixes the request IDs this instance makes, as a pod or
	// host name would; empty means a random 8-hex-digit name.
	InstanceID string

	// Store keeps the tasks; nil is a new in-memory store. main passes the
	// kvnode-backed one (kvstore.go) under -store kv.
	Store taskStore

	RequestTimeout time.Duration // deadline of each request's context (5s)
	MaxBodyBytes   int64         // request body cap (64 KiB)

	RateLimit  float64 // requests per second per client (20)
	RateBurst  int     // bucket size (40)
	MaxClients int     // rate-limit buckets kept (10000)

	IdempotencyTTL time.Duration // how long a key is remembered (24h)
	MaxIdemKeys    int           // keys remembered at most (10000)

	// DrainDelay is how long the server keeps serving after readiness turned
	// false, so load balancers notice and stop sending new requests (5s).
	DrainDelay time.Duration
	// ShutdownTimeout bounds how long in-flight requests get to finish (10s).
	ShutdownTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.InstanceID == "" {
		c.InstanceID = rand.Text()[:8]
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.RequestTimeout, 5*time.Second)
	def(&c.IdempotencyTTL, 24*time.Hour)
	def(&c.DrainDelay, 5*time.Second)
	def(&c.ShutdownTimeout, 10*time.Second)
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 64 << 10
	}
	if c.RateLimit == 0 {
		c.RateLimit = 20
	}
	if c.RateBurst == 0 {
		c.RateBurst = 40
	}
	if c.MaxClients == 0 {
		c.MaxClients = 10000
	}
	if c.MaxIdemKeys == 0 {
		c.MaxIdemKeys = 10000
	}
	return c
}

// metrics are this server's counters, published in its own expvar.Map. The
// map is never registered with expvar.Publish: that namespace is global to
// the process and panics on a second server with the same names, and the
// tests start many servers.
type metrics struct {
	vars        *expvar.Map
	requests    *expvar.Int
	panics      *expvar.Int
	rateLimited *expvar.Int
	replays     *expvar.Int
	byClass     [6]*expvar.Int // responses by status/100: byClass[2] counts 2xx
}

func newMetrics() *metrics {
	m := &metrics{vars: new(expvar.Map).Init()}
	counter := func(name string) *expvar.Int {
		v := new(expvar.Int)
		m.vars.Set(name, v)
		return v
	}
	m.requests = counter("requests")
	m.panics = counter("panics")
	m.rateLimited = counter("rate_limited")
	m.replays = counter("idempotent_replays")
	for c := 1; c <= 5; c++ {
		m.byClass[c] = counter("responses_" + strconv.Itoa(c) + "xx")
	}
	return m
}

// countResponse counts one response by status class. The counters are
// looked up once, in newMetrics, so this is two atomic adds.
func (m *metrics) countResponse(status int) {
	m.requests.Add(1)
	if c := status / 100; c >= 1 && c <= 5 {
		m.byClass[c].Add(1)
	}
}

// server is one instance of the service. Several can share a process.
type server struct {
	cfg     Config
	log     *slog.Logger
	store   taskStore
	idem    *idemCache
	limiter *limiter
	metrics *metrics
	prom    *promMetrics  // /metrics, by route; metrics.go
	ready   atomic.Bool   // true while serving and not draining
	drained chan struct{} // closed by run when the drain begins

	// mux routes requests; tests and the tour may add routes before serving.
	mux     *http.ServeMux
	handler http.Handler // mux wrapped in the middleware stack
}

// newServer builds a server from cfg. It does not listen yet; see run.
func newServer(cfg Config) *server {
	cfg = cfg.withDefaults()
	s := &server{
		cfg:     cfg,
		log:     cfg.Logger,
		store:   cfg.Store,
		idem:    newIdemCache(cfg.IdempotencyTTL, cfg.MaxIdemKeys, cfg.Now),
		limiter: newLimiter(cfg.RateLimit, cfg.RateBurst, cfg.MaxClients, cfg.Now),
		metrics: newMetrics(),
		drained: make(chan struct{}),
		prom:    newPromMetrics(),
	}
	if s.store == nil {
		s.store = newStore(cfg.Now)
	}
	s.metrics.vars.Set("tasks", expvar.Func(func() any { return s.store.count() }))
	s.metrics.vars.Set("rate_limit_clients", expvar.Func(func() any { return s.limiter.clients() }))
	s.metrics.vars.Set("idempotency_keys", expvar.Func(func() any { return s.idem.keys() }))
	s.mux = s.routes()
	s.handler = chain(s.mux,
		requestID(cfg.InstanceID),
		observe(s.prom, s.mux), // metrics.go
		accessLog(s.log, s.metrics),
		recoverPanics(s.log, s.metrics),
		rateLimit(s.limiter, s),
		limitBody(cfg.MaxBodyBytes, s.log),
		timeout(cfg.RequestTimeout),
	)
	return s
}

// ServeHTTP serves one request through the whole stack.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// httpServer wraps h in an http.Server with timeouts against slow or idle
// clients. Without them a client that sends one header byte a minute holds a
// connection and a goroutine forever (Slowloris).
func httpServer(h http.Handler, requestTimeout time.Duration, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,                // the request line and headers
		ReadTimeout:       10 * time.Second,               // headers and body
		WriteTimeout:      requestTimeout + 5*time.Second, // the handler's time plus sending the answer
		IdleTimeout:       60 * time.Second,               // a keep-alive connection between requests
		MaxHeaderBytes:    16 << 10,                       // 16 KiB instead of the default 1 MiB
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// run serves on ln until ctx is done, then drains gracefully:
//
//  1. readiness turns false: /readyz answers 503, so a load balancer stops
//     sending new requests, while the server still serves those that come;
//  2. after DrainDelay, http.Server.Shutdown closes the listener and idle
//     connections and waits for in-flight requests to finish;
//  3. if they take longer than ShutdownTimeout, the rest are cut off.
//
// run returns nil after a clean drain.
func (s *server) run(ctx context.Context, ln net.Listener) error {
	hs := httpServer(s, s.cfg.RequestTimeout, s.log)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.ready.Store(true)

	select {
	case err := <-errc:
		s.ready.Store(false)
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	s.ready.Store(false)
	close(s.drained)
	s.log.Info("draining: readiness is false, still serving", "for", s.cfg.DrainDelay)
	drain := time.NewTimer(s.cfg.DrainDelay)
	<-drain.C

	s.log.Info("shutting down: no new connections, finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", serveErr)
	}
	if err != nil {
		hs.Close() // cut off whatever is still running
		return fmt.Errorf("shutdown: %w", err)
	}
	s.log.Info("stopped")
	return nil
}

// healthz is the liveness probe: the process is up and serving HTTP. It stays
// 200 during the drain; failing it would get the process killed, not drained.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	_ = writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz is the readiness probe: should new requests be sent here?
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if !s.ready.Load() {
		writeError(w, r, s.log, errorf(EUNAVAILABLE, "not ready: starting up or draining"))
		return
	}
	_ = writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// debugVars serves this server's expvar map: the same JSON format as
// expvar.Handler, without the process-wide globals.
func (s *server) debugVars(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintln(w, s.metrics.vars.String())
}
