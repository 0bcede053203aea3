package publish

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/repoctl/repoctl/internal/errs"
)

func TestParseClearsignedRelease(t *testing.T) {
	in := "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: x\nAcquire-By-Hash: yes\nSHA256:\n" +
		" aa 10 main/binary-amd64/Packages\n- dash-escaped: line\n\n-----BEGIN PGP SIGNATURE-----\nxyz\n-----END PGP SIGNATURE-----\n"
	rel, err := parseRelease("bookworm", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	keys := rel.keys()
	sort.Strings(keys)
	want := []string{"dists/bookworm/main/binary-amd64/Packages", "dists/bookworm/main/binary-amd64/by-hash/SHA256/aa"}
	if !rel.byHash || !reflect.DeepEqual(keys, want) {
		t.Errorf("keys = %v, byHash %v; want %v", keys, rel.byHash, want)
	}
	for _, bad := range []string{"SHA256:\n aa x Packages\n", "SHA256:\n aa 1 ../../etc/passwd\n", "Origin: x\n"} {
		if _, err := parseRelease("d", []byte(bad)); err == nil {
			t.Errorf("parseRelease(%q) succeeded", bad)
		}
	}
}

func TestPoolRefsSources(t *testing.T) {
	src := "Package: nginx\nDirectory: pool/main/n/nginx\nFiles:\n md5a 10 nginx_1.dsc\nChecksums-Sha256:\n shaA 10 nginx_1.dsc\n shaB 20 nginx_1.orig.tar.gz\n\n" +
		"Package: bin\nFilename: pool/main/b/bin/bin_1_amd64.deb\nSize: 5\nSHA256: ShaC\n"
	refs, err := poolRefs("Sources", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []poolRef{
		{"pool/main/n/nginx/nginx_1.dsc", 10, ""},
		{"pool/main/n/nginx/nginx_1.dsc", 10, "shaa"},
		{"pool/main/n/nginx/nginx_1.orig.tar.gz", 20, "shab"},
		{"pool/main/b/bin/bin_1_amd64.deb", 5, "shac"},
	}
	if !reflect.DeepEqual(refs, want) {
		t.Errorf("refs = %v\nwant %v", refs, want)
	}
}

func TestMetaFor(t *testing.T) {
	for key, want := range map[string]Meta{
		"pool/main/n/nginx/nginx_1_amd64.deb":                 {"application/vnd.debian.binary-package", cacheImmutable},
		"dists/bookworm/main/binary-amd64/by-hash/SHA256/abc": {"application/octet-stream", cacheImmutable},
		"dists/bookworm/main/binary-amd64/Packages":           {"text/plain; charset=utf-8", cacheIndex},
		"dists/bookworm/main/binary-amd64/Packages.xz":        {"application/x-xz", cacheIndex},
		"dists/bookworm/InRelease":                            {"text/plain; charset=utf-8", cacheRelease},
		"dists/bookworm/Release.gpg":                          {"application/pgp-signature", cacheRelease},
		"dists/bookworm/main/i18n/Translation-en.bz2":         {"application/x-bzip2", cacheIndex},
		stateKey: {"application/json", cacheState},
	} {
		if got := metaFor(key); got != want {
			t.Errorf("metaFor(%s) = %v, want %v", key, got, want)
		}
	}
}

func TestOpenTargetURLs(t *testing.T) {
	s3Env(t, "AK", "SK", "us-east-1")
	for _, c := range []struct{ url, want string }{
		{"s3://bucket/a/b/", "s3://bucket/a/b"},
		{"s3://bucket", "s3://bucket/"},
		{"file:///srv/apt", "file:///srv/apt"},
		{"file://./public", "file://./public"},
	} {
		tg, err := OpenTarget(context.Background(), c.url, TargetOptions{})
		if err != nil || tg.String() != c.want {
			t.Errorf("OpenTarget(%s) = %v, %v; want %s", c.url, tg, err, c.want)
		}
	}
	for _, bad := range []string{"s3://AKIA:secret@bucket/x", "s3://ab", "ftp://x", "bucket/x", "file://"} {
		_, err := OpenTarget(context.Background(), bad, TargetOptions{})
		if err == nil || errs.Code(err) != errs.ExitUsage || strings.Contains(err.Error(), "secret") {
			t.Errorf("OpenTarget(%s): %v, want a usage error without the secret", bad, err)
		}
	}
}
