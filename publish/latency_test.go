package publish

import (
	"net"
	"testing"
	"time"
)

// delayProxy forwards 127.0.0.1 connections to target, holding each chunk
// for delay in each direction: a request and its answer take about
// 2*delay more, as over a network with that round-trip time.
func delayProxy(t testing.TB, target string, delay time.Duration) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go proxyConn(c, target, delay)
		}
	}()
	return ln.Addr().String()
}

func proxyConn(c net.Conn, target string, delay time.Duration) {
	defer c.Close()
	up, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 64<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				time.Sleep(delay)
				if _, werr := dst.Write(buf[:n]); werr != nil {
					break
				}
			}
			if err != nil { // EOF or closed: this direction is done
				break
			}
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
}
