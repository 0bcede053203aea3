package publish

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/repoctl/repoctl/internal/errs"
	"github.com/repoctl/repoctl/internal/harness"
)

// TestS3Errors: each way a user gets the S3 configuration wrong gives its
// own clear message, from Check (the preflight) and from Publish, and
// writes nothing.
func TestS3Errors(t *testing.T) {
	s := harness.S3(t)
	good := newS3Target(t, s, "apt")
	publishOK(t, stageRepo(t, "bookworm", pkgs(3, "1.0-1~bookworm1")), good, Options{})
	published := snapshot(t, good)
	next := stageRepo(t, "bookworm", pkgs(4, "1.1-1~bookworm1"))

	cases := []struct {
		name     string
		url      string
		env      func(t *testing.T)
		endpoint string
		want     string
		code     int
	}{
		{name: "wrong secret", want: "credentials refused", code: errs.ExitUsage,
			env: func(t *testing.T) { s3Env(t, s.AccessKey, "wrong-secret", s.Region) }},
		{name: "unknown access key", want: "credentials refused", code: errs.ExitUsage,
			env: func(t *testing.T) { s3Env(t, "AKUNKNOWN", s.SecretKey, s.Region) }},
		{name: "no credentials", want: "no AWS credentials found", code: errs.ExitUsage,
			env: func(t *testing.T) { s3Env(t, "", "", s.Region) }},
		{name: "missing bucket", url: "s3://no-such-bucket/apt", want: `bucket "no-such-bucket" does not exist`, code: errs.ExitUsage},
		{name: "wrong region", want: "region", code: errs.ExitUsage,
			env: func(t *testing.T) { s3Env(t, s.AccessKey, s.SecretKey, "eu-west-3") }},
		{name: "nothing listening", endpoint: "http://" + closedAddr(t), want: "cannot reach endpoint", code: errs.ExitFailed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s3Env(t, s.AccessKey, s.SecretKey, s.Region)
			if c.env != nil {
				c.env(t)
			}
			url, endpoint := "s3://"+s.Bucket+"/apt", s.Endpoint
			if c.url != "" {
				url = c.url
			}
			if c.endpoint != "" {
				endpoint = c.endpoint
			}
			tg, err := OpenTarget(context.Background(), url, TargetOptions{Endpoint: endpoint, PathStyle: true})
			if err != nil {
				t.Fatal(err)
			}
			mark := s.Mark()
			start := time.Now()
			err = Check(context.Background(), tg)
			checkErr(t, "Check", err, c.want, c.code)
			_, err = Publish(context.Background(), next, tg, Options{})
			checkErr(t, "Publish", err, c.want, c.code)
			t.Logf("Check+Publish failed in %s: %v", time.Since(start).Round(time.Millisecond), err)
			if n := s.RequestCounts(mark); n["PUT"]+n["DELETE"] != 0 {
				t.Errorf("server saw writes: %v", n)
			}
			if s.Keys("apt/"+stateDir) != nil {
				t.Errorf("a probe was left behind")
			}
			if strings.Contains(err.Error(), s.SecretKey) {
				t.Errorf("the secret key is in the message")
			}
		})
	}
	if got := snapshot(t, good); len(got) != len(published) {
		t.Errorf("the published repository changed")
	}
	checkServable(t, good, "bookworm")
}

func checkErr(t *testing.T, what string, err error, want string, code int) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s succeeded", what)
	}
	if !strings.Contains(err.Error(), want) || errs.Code(err) != code {
		t.Errorf("%s: %v (exit %d); want %q, exit %d", what, err, errs.Code(err), want, code)
	}
}

// TestS3ServerDown: a stopped server fails in bounded time with "cannot
// reach", and a publish interrupted that way converges once it is back.
func TestS3ServerDown(t *testing.T) {
	s := harness.S3(t)
	tg := newS3Target(t, s, "apt")
	publishOK(t, stageRepo(t, "bookworm", pkgs(5, "1.0-1~bookworm1")), tg, Options{})
	s.Stop()
	start := time.Now()
	err := Check(context.Background(), tg)
	took := time.Since(start)
	checkErr(t, "Check", err, "cannot reach endpoint "+s.Endpoint, errs.ExitFailed)
	if took > 20*time.Second {
		t.Errorf("Check took %s to notice the server is down", took)
	}
	t.Logf("server down noticed in %s: %v", took.Round(time.Millisecond), err)
	dir := stageRepo(t, "bookworm", pkgs(6, "1.1-1~bookworm1"))
	_, err = Publish(context.Background(), dir, tg, Options{})
	checkErr(t, "Publish", err, "cannot reach endpoint", errs.ExitFailed)
	s.Start()
	publishOK(t, dir, tg, Options{})
	checkServable(t, tg, "bookworm")
}

func TestCheckOK(t *testing.T) {
	s := harness.S3(t)
	for _, tg := range []Target{newFileTarget(t), newS3Target(t, s, "apt")} {
		if err := Check(context.Background(), tg); err != nil {
			t.Errorf("Check(%s): %v", tg, err)
		}
		if objs, err := tg.List(context.Background(), ""); err != nil || len(objs) != 0 {
			t.Errorf("Check(%s) left %v (%v)", tg, objectKeys(objs), err)
		}
	}
}

// closedAddr is a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	srv := harness.S3(t)
	srv.Stop()
	return strings.TrimPrefix(srv.Endpoint, "http://")
}

// TestS3HungServer: a server that accepts connections and never answers
// fails in bounded time too (answer timeout shortened for the test).
func TestS3HungServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, say nothing
		}
	}()
	old := s3AnswerTimeout
	s3AnswerTimeout = 300 * time.Millisecond
	defer func() { s3AnswerTimeout = old }()
	s3Env(t, "AK", "SK", "us-east-1")
	tg, err := OpenTarget(context.Background(), "s3://bucket/apt", TargetOptions{Endpoint: "http://" + ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = Check(context.Background(), tg)
	took := time.Since(start)
	checkErr(t, "Check", err, "no answer within 300ms", errs.ExitFailed)
	// 4 attempts of 300ms and backoff of at most 2s each in between.
	if took > 4*300*time.Millisecond+3*s3MaxBackoff+time.Second {
		t.Errorf("Check took %s", took)
	}
	t.Logf("hung server noticed in %s: %v", took.Round(time.Millisecond), err)
}
