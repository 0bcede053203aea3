// Package delayproxy is a TCP proxy on loopback that adds a fixed delay to
// every request, to measure publishers as if S3 were a round trip away.
//
// It does not parse HTTP. A request is "the client speaking after the
// server spoke (or first on a connection)": the first chunk the client
// sends in each such turn waits Delay before it is forwarded; the rest of
// that request's body follows at once. With HTTP/1.1 keep-alive and no
// pipelining (what Go's and the AWS SDKs' clients do) that is exactly one
// delay per request, whatever the request's size. Opening a connection is
// not delayed separately.
package delayproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy forwards connections from its listener to Upstream.
type Proxy struct {
	Upstream string        // host:port of the real server
	Delay    time.Duration // added once per request

	ln       net.Listener
	requests atomic.Int64
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	closed   bool
}

// Start listens on 127.0.0.1 (a free port) and serves until Close.
func Start(upstream string, delay time.Duration) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{Upstream: upstream, Delay: delay, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Requests is the number of delayed requests so far.
func (p *Proxy) Requests() int64 { return p.requests.Load() }

// Close stops listening and closes every open connection.
func (p *Proxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if !p.track(c) {
			continue
		}
		p.wg.Add(1)
		go p.handle(c)
	}
}

func (p *Proxy) handle(client net.Conn) {
	defer p.wg.Done()
	defer p.untrack(client)
	server, err := net.DialTimeout("tcp", p.Upstream, 5*time.Second)
	if err != nil {
		return
	}
	if !p.track(server) {
		return
	}
	defer p.untrack(server)
	// serverSpoke is set by the response direction; the request direction
	// takes it to start a new request (and delays it).
	var serverSpoke atomic.Bool
	serverSpoke.Store(true)
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 {
				serverSpoke.Store(true)
				if _, werr := client.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil {
				break
			}
		}
		client.Close() // wakes the request direction
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			if serverSpoke.Swap(false) {
				p.requests.Add(1)
				time.Sleep(p.Delay)
			}
			if _, werr := server.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			if err == io.EOF {
				if tc, ok := server.(*net.TCPConn); ok {
					tc.CloseWrite()
				}
			}
			break
		}
	}
	<-done
}
