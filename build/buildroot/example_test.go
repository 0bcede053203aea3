package buildroot_test

import (
	"context"
	"log"
	"os"

	"github.com/repoctl/repoctl/build/buildroot"
)

// A build of one recipe for trixie: the root, a throw-away session, the
// sources in, configure and make as the build user, the staging tree out,
// and its Depends computed against trixie's libraries.
func Example() {
	ctx := context.Background()
	root, err := buildroot.Ensure(ctx, "trixie", []string{"libssl-dev", "libpcre2-dev", "zlib1g-dev"},
		buildroot.Options{CacheDir: "/var/lib/repoctl/roots", Log: os.Stderr})
	if err != nil {
		log.Fatal(err)
	}
	s, err := root.Session(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	if err := s.CopyIn("/var/lib/repoctl/builds/KEY/src", "/build/src"); err != nil {
		log.Fatal(err)
	}
	env := s.Env("SOURCE_DATE_EPOCH=1700000000", "CFLAGS=-O2")
	for _, step := range [][]string{{"./configure", "--prefix=/usr"}, {"make", "-j2"}, {"make", "install", "DESTDIR=/build/staging"}} {
		if err := s.Run(ctx, "/build/src/nginx", env, os.Stderr, step[0], step[1:]...); err != nil {
			log.Fatal(err)
		}
	}
	if err := s.CopyOut("/build/staging", "/var/lib/repoctl/builds/KEY/staging"); err != nil {
		log.Fatal(err)
	}
	depends, err := s.Shlibdeps(ctx, "openresty-realtime", "/var/lib/repoctl/builds/KEY/staging",
		[]string{"usr/sbin/nginx"}, os.Stderr)
	if err != nil {
		log.Fatal(err)
	}
	log.Println(depends) // libc6 (>= 2.38), libssl3t64 (>= 3.0.0), ...
}
