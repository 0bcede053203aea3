package nginxcheck

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// PushStream subscribes to a fresh channel by EventSource (/ev/),
// long-polling (/lp/) and WebSocket (/ws/), waits until the channel counts
// the three subscribers, publishes one message (POST /pub?id=) and checks
// that every subscriber got exactly that message.
func PushStream(ctx context.Context, base string) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	ch := channelName()
	msg := "hello from " + ch
	subs := map[string]func(context.Context, string) (string, error){
		"eventsource":  func(ctx context.Context, u string) (string, error) { return eventSource(ctx, u+"/ev/"+ch) },
		"long-polling": func(ctx context.Context, u string) (string, error) { return longPoll(ctx, u+"/lp/"+ch) },
		"websocket":    func(ctx context.Context, u string) (string, error) { return webSocket(ctx, u+"/ws/"+ch) },
	}
	type got struct {
		kind, msg string
		err       error
	}
	results := make(chan got, len(subs))
	for kind, sub := range subs {
		go func() {
			m, err := sub(ctx, base)
			results <- got{kind, m, err}
		}()
	}
	if err := waitSubscribers(ctx, base, ch, len(subs)); err != nil {
		return err
	}
	if err := publish(ctx, base, ch, msg); err != nil {
		return err
	}
	for range subs {
		r := <-results
		if r.err != nil {
			return fmt.Errorf("push-stream %s subscriber: %w", r.kind, r.err)
		}
		if r.msg != msg {
			return fmt.Errorf("push-stream %s subscriber got %q, want %q", r.kind, r.msg, msg)
		}
	}
	return nil
}

func channelName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "check-" + hex.EncodeToString(b)
}

// channelInfo is the publisher's answer about a channel.
type channelInfo struct {
	Channel     string `json:"channel"`
	Published   int    `json:"published_messages"`
	Subscribers int    `json:"subscribers"`
}

// waitSubscribers polls the channel's statistics: publishing before the
// subscribers are attached would lose the message for them.
func waitSubscribers(ctx context.Context, base, ch string, n int) error {
	var last string
	for ctx.Err() == nil {
		code, _, body, err := do(ctx, "GET", base+"/pub?id="+ch, "")
		if err == nil && code == 200 {
			var ci channelInfo
			if json.Unmarshal([]byte(body), &ci) == nil && ci.Subscribers >= n {
				return nil
			}
		}
		last = fmt.Sprintf("%d %q %v", code, body, err)
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("push-stream: %d subscribers never attached to %s (last stats: %s)", n, ch, last)
}

func publish(ctx context.Context, base, ch, msg string) error {
	code, _, body, err := do(ctx, "POST", base+"/pub?id="+ch, msg)
	if err != nil {
		return err
	}
	var ci channelInfo
	if code != 200 || json.Unmarshal([]byte(body), &ci) != nil || ci.Published != 1 {
		return fmt.Errorf("push-stream publish: %d %q, want 200 with published_messages 1", code, body)
	}
	return nil
}

// eventSource reads an event stream until its first data: line.
func eventSource(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req) // no timeout: ctx bounds the stream
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "text/event-stream") {
		return "", fmt.Errorf("%s: %s, Content-Type %q", url, resp.Status, ct)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			return d, nil
		}
	}
	return "", fmt.Errorf("%s: stream ended without data (%v)", url, sc.Err())
}

func longPoll(ctx context.Context, url string) (string, error) {
	code, _, body, err := do(ctx, "GET", url, "")
	if err != nil {
		return "", err
	}
	if code != 200 {
		return "", fmt.Errorf("%s: %d %q", url, code, body)
	}
	return body, nil
}

func webSocket(ctx context.Context, url string) (string, error) {
	ws, err := wsDial(ctx, url)
	if err != nil {
		return "", err
	}
	defer ws.Close()
	return ws.readText()
}
