package publish

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/repoctl/repoctl/internal/errs"
)

// Bounds that make "S3 is down" fail in bounded time: each request is
// tried at most s3MaxAttempts times, waiting at most s3MaxBackoff between
// tries; a connection that cannot be opened in s3DialTimeout fails, and so
// does a server that accepts but does not answer within s3AnswerTimeout
// of getting the whole request (so a large upload is not cut short).
// Worst case: refused at once; black hole 4*3s + 3*2s = 18s; hung server
// 4*20s + 3*2s = 86s.
var (
	s3DialTimeout   = 3 * time.Second
	s3AnswerTimeout = 20 * time.Second
)

const (
	s3MaxAttempts = 4
	s3MaxBackoff  = 2 * time.Second
	// s3MaxPut is the largest single PUT S3 accepts; repoctl uploads in one
	// PUT so that the ETag is the MD5 of the content.
	s3MaxPut = 5 << 30
)

type s3Target struct {
	client   *s3.Client
	bucket   string
	prefix   string // "" or ends in "/"
	endpoint string // for messages: the URL or "AWS"
	region   string
	pageSize int32 // list page size; 0: the server's default (1000)
}

func openS3Target(ctx context.Context, rest string, opts TargetOptions) (Target, error) {
	bucket, prefix, _ := strings.Cut(rest, "/")
	if strings.Contains(bucket, "@") {
		return nil, errs.Usage(fmt.Errorf("target %s: credentials in the URL are not supported: "+
			"use AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile", redact("s3://"+rest)))
	}
	if len(bucket) < 3 || len(bucket) > 63 {
		return nil, errs.Usage(fmt.Errorf("target s3://%s: bucket name must be 3 to 63 characters", rest))
	}
	if prefix = strings.Trim(prefix, "/"); prefix != "" {
		prefix += "/"
	}
	cfg, err := loadAWSConfig(ctx, opts.Region)
	if err != nil {
		return nil, err
	}
	endpoint := opts.Endpoint
	if endpoint == "" {
		endpoint = aws.ToString(cfg.BaseEndpoint)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
		}
		o.UsePathStyle = opts.PathStyle || needsPathStyle(endpoint)
		if endpoint != "" && !isAWS(endpoint) {
			// SDK >= v1.73 sends CRC32 checksums that some S3-compatible
			// stores reject (FACTS §3).
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	shown := endpoint
	if shown == "" {
		shown = "AWS S3 (" + cfg.Region + ")"
	}
	return &s3Target{client: client, bucket: bucket, prefix: prefix, endpoint: shown, region: cfg.Region}, nil
}

// loadAWSConfig uses the SDK's standard chain (environment, shared
// profile, SSO, instance role) with bounded retries and connect timeouts.
func loadAWSConfig(ctx context.Context, region string) (aws.Config, error) {
	httpClient := awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = s3DialTimeout }).
		WithTransportOptions(func(t *http.Transport) {
			t.ResponseHeaderTimeout = s3AnswerTimeout
			t.MaxIdleConnsPerHost = 64
		})
	load := []func(*config.LoadOptions) error{
		config.WithHTTPClient(httpClient),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = s3MaxAttempts
				o.MaxBackoff = s3MaxBackoff
				// No client-side retry quota: with 16 parallel uploads the
				// quota runs out and hides the real error.
				o.RateLimiter = ratelimit.None
			})
		}),
	}
	if region != "" {
		load = append(load, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return aws.Config{}, errs.Usage(fmt.Errorf("AWS configuration: %w", err))
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return cfg, nil
}

// needsPathStyle: a bucket cannot be a subdomain of an IP address or of
// localhost, so virtual-hosted addressing could never work there.
func needsPathStyle(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return false
	}
	h := u.Hostname()
	return net.ParseIP(h) != nil || h == "localhost"
}

func isAWS(endpoint string) bool {
	u, err := url.Parse(endpoint)
	return err == nil && strings.HasSuffix(u.Hostname(), ".amazonaws.com")
}

func (t *s3Target) String() string {
	return "s3://" + t.bucket + "/" + strings.TrimSuffix(t.prefix, "/")
}

func (t *s3Target) List(ctx context.Context, prefix string) ([]Object, error) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(t.bucket), Prefix: aws.String(t.prefix + prefix)}
	if t.pageSize > 0 {
		in.MaxKeys = aws.Int32(t.pageSize)
	}
	var out []Object
	p := s3.NewListObjectsV2Paginator(t.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, t.classify(ctx, "list", prefix, err)
		}
		for _, o := range page.Contents {
			out = append(out, Object{
				Key:      strings.TrimPrefix(aws.ToString(o.Key), t.prefix),
				Size:     aws.ToInt64(o.Size),
				ETag:     strings.ToLower(strings.Trim(aws.ToString(o.ETag), `"`)),
				Modified: aws.ToTime(o.LastModified),
			})
		}
	}
	return out, nil
}

func (t *s3Target) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	out, err := t.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(t.bucket), Key: aws.String(t.prefix + key)})
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) || httpStatus(err) == http.StatusNotFound && apiCode(err) != "NoSuchBucket" {
			return nil, fmt.Errorf("get %s/%s: %w", t, key, ErrNotFound)
		}
		return nil, t.classify(ctx, "get", key, err)
	}
	return out.Body, nil
}

// Put uploads in one PUT with Content-MD5: the server checks the bytes it
// got, and the ETag it keeps is the MD5 that the next publish compares.
func (t *s3Target) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, meta Meta) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if size > s3MaxPut {
		return fmt.Errorf("put %s/%s: %d bytes is more than a single S3 PUT takes (5 GiB)", t, key, size)
	}
	sum, err := readerMD5(body)
	if err != nil {
		return fmt.Errorf("put %s/%s: %w", t, key, err)
	}
	in := &s3.PutObjectInput{
		Bucket: aws.String(t.bucket), Key: aws.String(t.prefix + key),
		Body: body, ContentLength: aws.Int64(size),
		ContentMD5: aws.String(base64.StdEncoding.EncodeToString(sum)),
	}
	if meta.ContentType != "" {
		in.ContentType = aws.String(meta.ContentType)
	}
	if meta.CacheControl != "" {
		in.CacheControl = aws.String(meta.CacheControl)
	}
	if _, err := t.client.PutObject(ctx, in); err != nil {
		return t.classify(ctx, "put", key, err)
	}
	return nil
}

func (t *s3Target) PutIfAbsent(ctx context.Context, key string, body []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	sum := md5.Sum(body)
	_, err := t.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(t.bucket), Key: aws.String(t.prefix + key),
		Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body))),
		ContentMD5:   aws.String(base64.StdEncoding.EncodeToString(sum[:])),
		ContentType:  aws.String("application/json"),
		CacheControl: aws.String("no-store"),
		IfNoneMatch:  aws.String("*"),
	})
	switch {
	case err == nil:
		return nil
	case httpStatus(err) == http.StatusPreconditionFailed, apiCode(err) == "PreconditionFailed",
		apiCode(err) == "ConditionalRequestConflict": // another writer, same key, same moment
		return fmt.Errorf("put %s/%s: %w", t, key, ErrExists)
	}
	return t.classify(ctx, "put", key, err)
}

// Delete removes keys in batches of 1000, S3's limit per DeleteObjects.
func (t *s3Target) Delete(ctx context.Context, keys []string) error {
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		if err := t.deleteBatch(ctx, keys[:n]); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

func (t *s3Target) deleteBatch(ctx context.Context, keys []string) error {
	ids := make([]types.ObjectIdentifier, len(keys))
	for i, k := range keys {
		if err := checkKey(k); err != nil {
			return err
		}
		ids[i] = types.ObjectIdentifier{Key: aws.String(t.prefix + k)}
	}
	out, err := t.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
		Bucket: aws.String(t.bucket),
		Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
	})
	if err != nil {
		return t.classify(ctx, "delete", keys[0], err)
	}
	if len(out.Errors) > 0 {
		e := out.Errors[0]
		return fmt.Errorf("delete %s/%s: %s: %s (and %d more)", t, strings.TrimPrefix(aws.ToString(e.Key), t.prefix),
			aws.ToString(e.Code), aws.ToString(e.Message), len(out.Errors)-1)
	}
	return nil
}

// readerMD5 hashes r to its end and rewinds it.
func readerMD5(r io.ReadSeeker) ([]byte, error) {
	h := md5.New()
	if _, err := io.Copy(h, r); err != nil {
		return nil, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
