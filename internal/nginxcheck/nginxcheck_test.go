package nginxcheck

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestErrorLog(t *testing.T) {
	cases := []struct {
		name, log string
		bad       bool
	}{
		{"clean", "2026/01/01 00:00:00 [notice] 1#1: start worker processes\n2026/01/01 [info] 5#5: *1 client closed connection\n", false},
		{"crashed worker", "2026/01/01 [alert] 1#1: worker process 7 exited on signal 11\n", true},
		{"crit", "2026/01/01 [crit] 5#5: *4 open() \"/x\" failed (13: Permission denied)\n", true},
		{"emerg", "2026/01/01 [emerg] 1#1: unknown directive \"foo\"\n", true},
		{"error is fine", "2026/01/01 [error] 5#5: *1 open() \"/favicon.ico\" failed (2: No such file)\n", false},
	}
	for _, c := range cases {
		p := filepath.Join(t.TempDir(), "error.log")
		os.WriteFile(p, []byte(c.log), 0o644)
		err := ErrorLog(p)
		if (err != nil) != c.bad {
			t.Errorf("%s: ErrorLog = %v, want bad=%v", c.name, err, c.bad)
		}
		if err != nil && !strings.Contains(err.Error(), strings.TrimSpace(c.log)) {
			t.Errorf("%s: error does not quote the line: %v", c.name, err)
		}
	}
	if ErrorLog(filepath.Join(t.TempDir(), "none.log")) == nil {
		t.Error("a missing error log must fail the check")
	}
}

func TestConfig(t *testing.T) {
	conf, err := Config(Conf{Dir: "/tmp/x", Listen: "127.0.0.1:8080", Upstream: "127.0.0.1:9090", LuaLib: "/p/lualib"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"listen 127.0.0.1:8080;", "proxy_pass http://127.0.0.1:9090;", `lua_package_path "/p/lualib/?.lua;;";`,
		"proxy_cache_purge PURGE from 127.0.0.1;", "push_stream_subscriber websocket;", "pid /tmp/x/nginx.pid;"} {
		if !strings.Contains(conf, want) {
			t.Errorf("config lacks %q", want)
		}
	}
	if strings.Contains(conf, "user ") {
		t.Error("user set though not asked")
	}
	if conf, _ := Config(Conf{Dir: "/d", Listen: "127.0.0.1:1", Upstream: "127.0.0.1:2"}); strings.Contains(conf, "lua_package_path") {
		t.Error("lua_package_path set without LuaLib")
	}
}

// wsServer accepts one WebSocket, answers the handshake (with a wrong
// accept hash when bad), sends a ping and then msg as a text frame.
func wsServer(t *testing.T, msg string, bad bool) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + wsGUID))
		if bad {
			sum[0] ^= 1
		}
		c.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
			base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n"))
		c.Write([]byte{0x89, 0x00}) // ping, empty
		hdr := []byte{0x81, 126, 0, 0}
		binary.BigEndian.PutUint16(hdr[2:], uint16(len(msg)))
		c.Write(append(hdr, msg...))
	}()
	return "http://" + l.Addr().String() + "/ws/ch"
}

func TestWebSocketClient(t *testing.T) {
	msg := strings.Repeat("m", 300) // needs the 16-bit length form
	got, err := webSocket(context.Background(), wsServer(t, msg, false))
	if err != nil || got != msg {
		t.Fatalf("got %d bytes, %v; want the 300-byte message", len(got), err)
	}
	if _, err := webSocket(context.Background(), wsServer(t, msg, true)); err == nil || !strings.Contains(err.Error(), "Sec-WebSocket-Accept") {
		t.Fatalf("a wrong accept hash must fail the handshake, got %v", err)
	}
}
