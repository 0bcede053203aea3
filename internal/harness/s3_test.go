package harness

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestS3PutGetListAndCounts(t *testing.T) {
	s := S3(t)
	ctx := context.Background()
	c := s.Client()
	for _, k := range []string{"dists/stable/InRelease", "pool/main/a/a.deb"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(k),
			Body: strings.NewReader("body of " + k)}); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	mark := s.Mark()
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String("pool/copy"),
		CopySource: aws.String(s.Bucket + "/pool/main/a/a.deb")}); err != nil {
		t.Fatalf("copy: %v", err)
	}
	got, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String("pool/copy")})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(body) != "body of pool/main/a/a.deb" {
		t.Errorf("copied object = %q", body)
	}
	if keys := s.Keys("pool/"); !reflect.DeepEqual(keys, []string{"pool/copy", "pool/main/a/a.deb"}) {
		t.Errorf("Keys(pool/) = %q", keys)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String("pool/copy")}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	want := map[string]int{"COPY": 1, "GET": 1, "LIST": 1, "DELETE": 1}
	if counts := s.RequestCounts(mark); !reflect.DeepEqual(counts, want) {
		t.Errorf("RequestCounts(mark) = %v, want %v", counts, want)
	}
	if all := s.RequestCounts(0); all["PUT"] != 2 {
		t.Errorf("RequestCounts(0)[PUT] = %d, want 2 (bucket setup must not count): %v", all["PUT"], all)
	}
	reqs := s.Requests(0)
	if len(reqs) < 2 || reqs[1].Key != "pool/main/a/a.deb" || reqs[1].Op != "s3_PutObject" || reqs[1].Status != 200 {
		t.Errorf("second request = %+v, want the PUT of pool/main/a/a.deb", reqs[1])
	}
}

func TestS3AnonymousReadOnly(t *testing.T) {
	s := S3(t)
	if _, err := s.Client().PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(s.Bucket),
		Key: aws.String("dists/x/Release"), Body: strings.NewReader("Origin: test\n")}); err != nil {
		t.Fatal(err)
	}
	mark := s.Mark()
	cases := []struct {
		method, path string
		want         int
	}{
		{"GET", "dists/x/Release", 200},
		{"HEAD", "dists/x/Release", 200},
		{"GET", "dists/x/missing", 404},
		{"PUT", "dists/x/Release", 403},
		{"DELETE", "dists/x/Release", 403},
		{"GET", "", 403}, // listing the bucket
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, s.PublicURL(c.path), bytes.NewReader(nil))
		if c.method == "PUT" {
			// Without this header versitygw answers 400 before the
			// policy check; apt never writes, so it never sends it.
			req.Body = io.NopCloser(strings.NewReader("evil"))
			req.Header.Set("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != c.want {
			b, _ := io.ReadAll(resp.Body)
			t.Errorf("anonymous %s %s = %d, want %d\n%s", c.method, c.path, resp.StatusCode, c.want, b)
		}
	}
	for _, r := range s.Requests(mark) {
		if !r.Anonymous {
			t.Errorf("request %+v logged as authenticated", r)
		}
	}
}

func TestS3StopStart(t *testing.T) {
	s := S3(t)
	ctx := context.Background()
	put := func(key string) error {
		_, err := s.Client().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.Bucket),
			Key: aws.String(key), Body: strings.NewReader(key)})
		return err
	}
	if err := put("before"); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	if err := put("while-down"); err == nil {
		t.Fatal("PUT succeeded while the server was stopped")
	}
	s.Start()
	if err := put("after"); err != nil {
		t.Fatalf("PUT after restart: %v", err)
	}
	if keys := s.Keys(""); !reflect.DeepEqual(keys, []string{"after", "before"}) {
		t.Errorf("keys after restart = %q, want the data kept", keys)
	}
	if n := s.RequestCounts(0)["PUT"]; n != 2 {
		t.Errorf("PUT count across restart = %d, want 2", n)
	}
}

func TestParseLogLine(t *testing.T) {
	line := "- bkt [03/December/2026:03:02:25 +0000] 127.0.0.1 AK12 RID s3_PutObject a b/c.deb /bkt/a%20b/c.deb 200 - 0 5 1 1 - aws-sdk-go-v2/1.0 os/linux - - SigV4 - AuthHeader s3.us-east-1.amazonaws.com - arn:aws:s3:::/bkt/a b/c.deb Yes"
	r, ok := parseLogLine([]byte(line))
	want := Request{Op: "s3_PutObject", Method: "PUT", Bucket: "bkt", Key: "a b/c.deb", Status: 200}
	if !ok || r != want {
		t.Errorf("parse = %+v %v, want %+v", r, ok, want)
	}
	if _, ok := parseLogLine([]byte("log starts 2026-12-03 03:02:24")); ok {
		t.Error("header line parsed as a request")
	}
	if versitygwOK(os.Args[0]) {
		t.Error("versitygwOK accepted the test binary as versitygw")
	}
	for op, m := range map[string]string{"s3_ListObjectsV2": "LIST", "s3_HeadObject": "HEAD", "s3_DeleteObjects": "DELETE",
		"s3_CopyObject": "COPY", "s3_CompleteMultipartUpload": "POST", "s3_GetObject": "GET", "s3_error": "ERROR"} {
		if got := methodOf(op); got != m {
			t.Errorf("methodOf(%s) = %s, want %s", op, got, m)
		}
	}
}
