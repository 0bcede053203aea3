package harness

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Mark is a point in the server's access log; requests after it are
// counted by Requests and RequestCounts. The zero Mark means "since S3
// returned", so the harness's own bucket setup is never counted.
type Mark int64

// Request is one line of the access log.
type Request struct {
	Op        string // versitygw's operation: s3_PutObject, s3_ListObjectsV2, ...
	Method    string // PUT GET HEAD DELETE POST COPY LIST OPTIONS, or ERROR
	Bucket    string
	Key       string
	Status    int
	Anonymous bool // no credentials: apt, curl
}

// Mark returns the current end of the access log. versitygw writes each
// line before it answers, so every request that got an answer is before it.
func (s *S3Server) Mark() Mark {
	fi, err := os.Stat(s.logPath)
	if err != nil {
		return s.setup
	}
	return Mark(fi.Size())
}

// Requests returns the requests logged after since, in the order the
// server handled them (useful to check that InRelease was written last).
func (s *S3Server) Requests(since Mark) []Request {
	s.t.Helper()
	since = max(since, s.setup)
	f, err := os.Open(s.logPath)
	if err != nil {
		s.t.Fatalf("read access log: %v", err)
	}
	defer f.Close()
	if _, err := f.Seek(int64(since), io.SeekStart); err != nil {
		s.t.Fatalf("read access log: %v", err)
	}
	var out []Request
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if r, ok := parseLogLine(sc.Bytes()); ok {
			out = append(out, r)
		}
	}
	if err := sc.Err(); err != nil {
		s.t.Fatalf("read access log: %v", err)
	}
	return out
}

// RequestCounts counts the requests after since by Method: c["PUT"] is the
// number of uploads, c["COPY"] server-side copies, c["LIST"] listings.
func (s *S3Server) RequestCounts(since Mark) map[string]int {
	s.t.Helper()
	c := map[string]int{}
	for _, r := range s.Requests(since) {
		c[r.Method]++
	}
	return c
}

// statusField finds the HTTP status after the request URI: the object key
// before it may contain spaces (the log writes it decoded), the URI may not.
var statusField = regexp.MustCompile(` (/\S*|-) (\d{3}) \S+ `)

// parseLogLine reads versitygw's access-log line, in the S3 server access
// log format: owner bucket [time zone] ip requester id op key uri status ...
func parseLogLine(line []byte) (Request, bool) {
	if bytes.HasPrefix(line, []byte("log starts ")) {
		return Request{}, false
	}
	f := strings.SplitN(string(line), " ", 9)
	if len(f) < 9 {
		return Request{}, false
	}
	r := Request{Bucket: f[1], Op: f[7], Anonymous: f[5] == "-"}
	m := statusField.FindStringSubmatchIndex(f[8])
	if m == nil {
		return Request{}, false
	}
	r.Key = f[8][:m[0]]
	r.Status, _ = strconv.Atoi(f[8][m[4]:m[5]])
	if r.Key == "-" {
		r.Key = ""
	}
	r.Method = methodOf(r.Op)
	return r, true
}

// methodOf groups operations the way a test thinks of them. DeleteObjects
// (a POST ?delete) counts as DELETE, CopyObject (a PUT with
// x-amz-copy-source) as COPY, and every listing as LIST.
func methodOf(op string) string {
	name := strings.TrimPrefix(op, "s3_")
	switch name {
	case "CopyObject", "UploadPartCopy":
		return "COPY"
	case "DeleteObjects", "AbortMultipartUpload":
		return "DELETE"
	case "CreateMultipartUpload", "CompleteMultipartUpload", "PostObject",
		"RestoreObject", "SelectObjectContent":
		return "POST"
	case "Options":
		return "OPTIONS"
	case "CreateBucket", "UploadPart":
		return "PUT"
	}
	for _, p := range []string{"List", "Get", "Head", "Put", "Delete"} {
		if !strings.HasPrefix(name, p) {
			continue
		}
		if p == "List" {
			return "LIST"
		}
		return strings.ToUpper(p)
	}
	return "ERROR" // s3_error: a request versitygw could not route
}
