package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// s3Server is versitygw (posix backend) on loopback with one bucket and an
// access log: the same server and flags as internal/harness (which needs a
// testing.TB, so its minimum is repeated here for a plain binary).
type s3Server struct {
	Endpoint, Addr    string
	Bucket            string
	AccessKey, Secret string
	Region            string
	logPath           string
	cmd               *exec.Cmd
	exited            chan struct{}
}

func startS3(bin, dir string) (*s3Server, error) {
	s := &s3Server{Bucket: "bench", AccessKey: "AK" + randHex(8), Secret: randHex(20), Region: "us-east-1",
		logPath: filepath.Join(dir, "access.log")}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return nil, err
	}
	var err error
	for i := 0; i < 5; i++ {
		s.Addr = freeAddr()
		s.Endpoint = "http://" + s.Addr
		if err = s.start(bin, dir); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.Bucket)}); err != nil {
		s.Stop()
		return nil, fmt.Errorf("create bucket: %w", err)
	}
	return s, nil
}

func (s *s3Server) start(bin, dir string) error {
	out, err := os.OpenFile(filepath.Join(dir, "versitygw.out"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.Command(bin, "--port", s.Addr, "--access", s.AccessKey, "--secret", s.Secret,
		"--region", s.Region, "--access-log", s.logPath, "--quiet", "posix", filepath.Join(dir, "data"))
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-exited:
			return fmt.Errorf("versitygw exited (port %s taken?)", s.Addr)
		default:
		}
		resp, err := http.Get(s.Endpoint + "/")
		if err == nil {
			resp.Body.Close()
			s.cmd, s.exited = cmd, exited
			return nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			return fmt.Errorf("versitygw did not answer on %s", s.Addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *s3Server) Stop() {
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
	s.cmd = nil
}

func (s *s3Server) client() *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(s.Endpoint), Region: s.Region, UsePathStyle: true,
		Credentials:                credentials.NewStaticCredentialsProvider(s.AccessKey, s.Secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

// env is the environment for a tool talking to this server (endpoint is
// the server or the delaying proxy in front of it).
func (s *s3Server) env(endpoint string) []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.Secret,
		"AWS_REGION=" + s.Region, "AWS_DEFAULT_REGION=" + s.Region,
		"AWS_ENDPOINT_URL=" + endpoint, "AWS_ENDPOINT_URL_S3=" + endpoint,
		"AWS_REQUEST_CHECKSUM_CALCULATION=when_required", "AWS_RESPONSE_CHECKSUM_VALIDATION=when_required",
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// mark is the current end of the access log; versitygw writes a line
// before it answers, so every answered request is before it.
func (s *s3Server) mark() int64 {
	fi, err := os.Stat(s.logPath)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// counts is what the server saw in one step.
type counts struct {
	ByMethod  map[string]int
	PutBytes  int64 // bytes of objects uploaded (PUT bodies)
	RespBytes int64 // bytes the server sent back (GET bodies, listings)
	Errors    int   // answers >= 400
}

func (c counts) total() int {
	n := 0
	for _, v := range c.ByMethod {
		n += v
	}
	return n
}

// after the status: error code, bytes sent, object size.
var statusField = regexp.MustCompile(` (/\S*|-) (\d{3}) (\S+) (\d+) (-?\d+) `)

func (s *s3Server) countSince(mark int64) (counts, error) {
	c := counts{ByMethod: map[string]int{}}
	f, err := os.Open(s.logPath)
	if err != nil {
		return c, err
	}
	defer f.Close()
	if _, err := f.Seek(mark, io.SeekStart); err != nil {
		return c, err
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.HasPrefix(line, []byte("log starts ")) {
			continue
		}
		fs := strings.SplitN(string(line), " ", 9)
		if len(fs) < 9 {
			continue
		}
		m := statusField.FindStringSubmatch(fs[8])
		if m == nil {
			continue
		}
		c.ByMethod[methodOf(fs[7])]++
		status, _ := strconv.Atoi(m[2])
		if status >= 400 {
			c.Errors++
		}
		sent, _ := strconv.ParseInt(m[4], 10, 64)
		size, _ := strconv.ParseInt(m[5], 10, 64)
		c.RespBytes += sent
		if op := strings.TrimPrefix(fs[7], "s3_"); op == "PutObject" || op == "UploadPart" {
			c.PutBytes += max(size, 0)
		}
	}
	return c, sc.Err()
}

// methodOf groups versitygw operations as internal/harness does.
func methodOf(op string) string {
	name := strings.TrimPrefix(op, "s3_")
	switch name {
	case "CopyObject", "UploadPartCopy":
		return "COPY"
	case "DeleteObjects", "AbortMultipartUpload":
		return "DELETE"
	case "CreateMultipartUpload", "CompleteMultipartUpload", "PostObject":
		return "POST"
	case "CreateBucket", "UploadPart":
		return "PUT"
	}
	for _, p := range []string{"List", "Get", "Head", "Put", "Delete"} {
		if strings.HasPrefix(name, p) {
			if p == "List" {
				return "LIST"
			}
			return strings.ToUpper(p)
		}
	}
	return "OTHER"
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
