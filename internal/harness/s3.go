package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3Server is a real S3 server (versitygw, posix backend) on loopback with
// one bucket whose objects anyone may GET, as a public apt bucket.
type S3Server struct {
	Endpoint  string // http://127.0.0.1:PORT
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string

	t       testing.TB
	bin     string
	addr    string
	dir     string
	logPath string
	setup   Mark // end of the harness's own requests in the access log

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// S3 starts a versitygw server for the test and stops it in t.Cleanup.
func S3(t testing.TB) *S3Server {
	t.Helper()
	dir := t.TempDir()
	s := &S3Server{
		Bucket:    "repoctl-test",
		AccessKey: "AK" + randomHex(t, 8),
		SecretKey: randomHex(t, 20),
		Region:    "us-east-1",
		t:         t,
		bin:       versitygwBinary(t),
		dir:       dir,
		logPath:   filepath.Join(dir, "access.log"),
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	s.startFreePort()
	s.createPublicBucket()
	s.setup = s.Mark()
	return s
}

// startFreePort picks a free port and starts there; another process may
// grab the port between the probe and the start, so it tries a few times.
func (s *S3Server) startFreePort() {
	s.t.Helper()
	var err error
	for i := 0; i < 5; i++ {
		s.addr = freeAddr(s.t)
		s.Endpoint = "http://" + s.addr
		if err = s.start(); err == nil {
			return
		}
	}
	s.t.Fatalf("start versitygw: %v", err)
}

// Start restarts a stopped server on the same port and data directory, so
// a test can fail a transfer midway and resume it. A running server is
// left alone.
func (s *S3Server) Start() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("restart versitygw on %s: %v", s.addr, err)
	}
}

func (s *S3Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	out, err := os.OpenFile(filepath.Join(s.dir, "versitygw.out"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.Command(s.bin, "--port", s.addr, "--access", s.AccessKey, "--secret", s.SecretKey,
		"--region", s.Region, "--access-log", s.logPath, "--quiet", "posix", filepath.Join(s.dir, "data"))
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group: a Ctrl-C of go test must not reach it first, and
	// Stop signals exactly this server.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	if err := waitHTTP(s.Endpoint, exited); err != nil {
		cmd.Process.Kill()
		<-exited
		log, _ := os.ReadFile(out.Name())
		return fmt.Errorf("%v\n%s", err, tail(string(log), 20))
	}
	s.cmd, s.exited = cmd, exited
	return nil
}

// Stop stops the server (SIGTERM, then SIGKILL after 5 s). The data and
// the access log stay; Start brings it back.
func (s *S3Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd, s.exited = nil, nil
}

// PublicURL is the anonymous, path-style HTTP URL of prefix in the bucket:
// what an apt source on a fleet host points at.
func (s *S3Server) PublicURL(prefix string) string {
	return s.Endpoint + "/" + s.Bucket + "/" + strings.TrimLeft(prefix, "/")
}

// Env is the environment for a process (repoctl, the AWS CLI) that should
// talk to this server.
func (s *S3Server) Env() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + s.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
		"AWS_REGION=" + s.Region,
		"AWS_DEFAULT_REGION=" + s.Region,
		"AWS_ENDPOINT_URL=" + s.Endpoint,
		"AWS_ENDPOINT_URL_S3=" + s.Endpoint,
		// SDK >= v1.73 sends CRC32 checksums by default (FACTS §3).
		"AWS_REQUEST_CHECKSUM_CALCULATION=when_required",
		"AWS_RESPONSE_CHECKSUM_VALIDATION=when_required",
	}
}

// Client is an SDK client with the server's root credentials, path-style.
func (s *S3Server) Client() *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint:               aws.String(s.Endpoint),
		Region:                     s.Region,
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// Keys lists every object key in the bucket under prefix, sorted.
func (s *S3Server) Keys(prefix string) []string {
	s.t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.Client(), &s3.ListObjectsV2Input{
		Bucket: aws.String(s.Bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			s.t.Fatalf("list s3://%s/%s: %v", s.Bucket, prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

// createPublicBucket creates the bucket and lets anyone GET its objects
// (FACTS §4): apt reads a public bucket over plain HTTP.
func (s *S3Server) createPublicBucket() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := s.Client()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.Bucket)}); err != nil {
		s.t.Fatalf("create bucket %s: %v", s.Bucket, err)
	}
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",`+
		`"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::%s/*"]}]}`, s.Bucket)
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{
		Bucket: aws.String(s.Bucket), Policy: aws.String(policy)}); err != nil {
		s.t.Fatalf("put policy on %s: %v", s.Bucket, err)
	}
}

// waitHTTP waits until url answers anything over HTTP (versitygw answers
// 403 to an anonymous GET /), or the process exits, or 20 s pass.
func waitHTTP(url string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("versitygw exited before answering on %s", url)
		default:
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("versitygw did not answer on %s within 20s", url)
}

// freeAddr returns a 127.0.0.1 address whose port was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// tail returns the last n lines of s, for error messages.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
