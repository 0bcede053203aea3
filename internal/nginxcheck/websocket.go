package nginxcheck

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// wsGUID is RFC 6455's constant for Sec-WebSocket-Accept.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// wsConn is the least of a WebSocket client a subscriber needs: the
// handshake and reading the server's (unmasked) frames. Hand-written to
// keep golang.org/x/net out of the module's direct dependencies.
type wsConn struct {
	c  net.Conn
	br *bufio.Reader
}

// wsDial opens a WebSocket to rawURL (http:// form) and checks the
// handshake, including the Sec-WebSocket-Accept hash.
func wsDial(ctx context.Context, rawURL string) (*wsConn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 16)
	rand.Read(key)
	k := base64.StdEncoding.EncodeToString(key)
	req := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", u.RequestURI(), u.Host, k)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		return nil, err
	}
	ws := &wsConn{c: c, br: bufio.NewReader(c)}
	if err := ws.handshake(k); err != nil {
		c.Close()
		return nil, err
	}
	return ws, nil
}

func (ws *wsConn) handshake(key string) error {
	resp, err := http.ReadResponse(ws.br, nil)
	if err != nil {
		return fmt.Errorf("websocket handshake: %w", err)
	}
	resp.Body.Close()
	sum := sha1.Sum([]byte(key + wsGUID))
	want := base64.StdEncoding.EncodeToString(sum[:])
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != want {
		return fmt.Errorf("websocket handshake: %s, Sec-WebSocket-Accept %q (want 101, %q)",
			resp.Status, resp.Header.Get("Sec-WebSocket-Accept"), want)
	}
	return nil
}

// readText returns the payload of the next text frame, skipping control
// frames (ping, pong); a close frame is an error.
func (ws *wsConn) readText() (string, error) {
	for {
		op, payload, err := ws.frame()
		if err != nil {
			return "", err
		}
		switch op {
		case 0x1:
			return string(payload), nil
		case 0x8:
			return "", fmt.Errorf("websocket closed by the server: %q", payload)
		}
	}
}

// frame reads one unfragmented frame.
func (ws *wsConn) frame() (byte, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(ws.br, h[:]); err != nil {
		return 0, nil, err
	}
	op, n := h[0]&0x0f, uint64(h[1]&0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(ws.br, b[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(ws.br, b[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if h[1]&0x80 != 0 || n > 1<<20 {
		return 0, nil, fmt.Errorf("websocket: unexpected frame (masked or %d bytes)", n)
	}
	payload := make([]byte, n)
	_, err := io.ReadFull(ws.br, payload)
	return op, payload, err
}

func (ws *wsConn) Close() error { return ws.c.Close() }
