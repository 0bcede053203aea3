package publish

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/repoctl/repoctl/internal/errs"
)

// classify turns an SDK error into one a person can act on. Problems of
// configuration or credentials are errs.Usage (exit 2); an unreachable
// endpoint is a plain failure: the configuration may be right and the
// server down.
func (t *s3Target) classify(ctx context.Context, op, key string, err error) error {
	where := fmt.Sprintf("%s %s/%s", op, t, key)
	if ctx.Err() != nil { // the caller gave up: not the server's fault
		return fmt.Errorf("%s: %w", where, err)
	}
	if isNoCredentials(err) {
		return errs.Usage(fmt.Errorf("%s: no AWS credentials found: set AWS_ACCESS_KEY_ID and "+
			"AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an instance role (%w)", where, err))
	}
	if m := t.apiMessage(err); m != "" {
		return errs.Usage(&s3Error{fmt.Sprintf("%s: %s (S3 said %s)", where, m, apiSaid(err)), err})
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return errs.Usage(&s3Error{fmt.Sprintf("%s: cannot reach endpoint %s: host %q not found",
			where, t.endpoint, dnsErr.Name), err})
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return &s3Error{fmt.Sprintf("%s: cannot reach endpoint %s: no answer within %s (tried %d times)",
			where, t.endpoint, s3AnswerTimeout, s3MaxAttempts), err}
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) || isConnError(err) {
		return &s3Error{fmt.Sprintf("%s: cannot reach endpoint %s: %v (tried %d times)",
			where, t.endpoint, connCause(err, opErr), s3MaxAttempts), err}
	}
	return fmt.Errorf("%s: %w", where, err)
}

// s3Error is a message for a person that keeps the SDK's error for
// errors.Is/As without printing its request IDs.
type s3Error struct {
	msg string
	err error
}

func (e *s3Error) Error() string { return e.msg }
func (e *s3Error) Unwrap() error { return e.err }

func apiSaid(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return fmt.Sprintf("%s: %s", ae.ErrorCode(), ae.ErrorMessage())
	}
	return fmt.Sprintf("HTTP %d", httpStatus(err))
}

func connCause(err error, op *net.OpError) string {
	if op != nil {
		return op.Error()
	}
	return err.Error()
}

// apiMessage explains the S3 error codes a user can cause, or returns "".
func (t *s3Target) apiMessage(err error) string {
	switch code := apiCode(err); code {
	case "NoSuchBucket":
		return fmt.Sprintf("bucket %q does not exist at %s", t.bucket, t.endpoint)
	case "InvalidAccessKeyId", "XAdminUserNotFound": // the latter: versitygw
		return fmt.Sprintf("credentials refused by %s: the access key ID is unknown", t.endpoint)
	case "SignatureDoesNotMatch":
		return fmt.Sprintf("credentials refused by %s: the secret key does not match the access key", t.endpoint)
	case "AccessDenied", "Forbidden":
		return fmt.Sprintf("credentials refused by %s: access denied to %s (check the key's policy for bucket %q)",
			t.endpoint, opAction(err), t.bucket)
	case "ExpiredToken", "InvalidToken", "TokenRefreshRequired":
		return fmt.Sprintf("credentials refused by %s: the session token is expired or invalid (%s)", t.endpoint, code)
	case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
		return fmt.Sprintf("wrong region: bucket %q is not in region %q%s; set region", t.bucket, t.region, bucketRegion(err))
	}
	switch httpStatus(err) {
	case http.StatusMovedPermanently:
		return fmt.Sprintf("wrong region: bucket %q is not in region %q%s; set region", t.bucket, t.region, bucketRegion(err))
	case http.StatusForbidden:
		return fmt.Sprintf("credentials refused by %s: access denied to %s", t.endpoint, opAction(err))
	}
	return ""
}

func opAction(err error) string {
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		return "s3:" + strings.TrimSuffix(oe.OperationName, "V2")
	}
	return "this operation"
}

// bucketRegion reads the region S3 names in its redirect, if any.
func bucketRegion(err error) string {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		if r := re.Response.Header.Get("x-amz-bucket-region"); r != "" {
			return " (it is in " + r + ")"
		}
	}
	return ""
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func isNoCredentials(err error) bool {
	var se *v4.SigningError
	if errors.As(err, &se) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "failed to retrieve credentials") ||
		strings.Contains(msg, "failed to refresh cached credentials")
}

func isConnError(err error) bool {
	var op *net.OpError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EHOSTUNREACH) || errors.As(err, &op)
}
