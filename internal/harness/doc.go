// Package harness gives tests real components instead of fakes: an S3
// server, files of the Debian archive, a Debian host to install on, an
// HTTP file server. Each helper takes the test's testing.TB and cleans up
// after itself in t.Cleanup.
//
// # Missing components
//
// RequireRoot and Require hold the project's one rule: a test that needs
// something absent (root, a binary) fails when CI=true, since CI must not
// pass by skipping, and skips with the reason elsewhere.
//
// # Cache
//
// CacheDir ($REPOCTL_CACHE, or ~/.cache/repoctl) keeps what is slow to
// make; every entry is built under a file lock, so parallel test binaries
// build it once, and written under a temporary name, so a killed build
// leaves nothing half-made:
//
//	bin/versitygw                 S3 server, go install'ed at the pinned version (~75 s)
//	debian/<sha256>               Debian archive files, by content
//	fleet/<suite>-<arch>.tar      debootstrap --variant=minbase root (~30 s, 120 MB)
//	fleet/<suite>-<arch>.tar.info its mirror, date and build time
//
// Refresh the fleet image (newer packages from the mirror) by deleting the
// .tar; nothing expires it on its own, so runs are repeatable.
//
// # S3
//
// S3(t) starts versitygw (posix backend, in a temp dir) on a free
// 127.0.0.1 port with random root keys, creates the bucket and gives it a
// policy letting anyone GET objects, as a public apt bucket: anonymous
// GET/HEAD answer 200/404, anonymous PUT, DELETE and listing answer 403.
// Client() is an SDK client for it; Env() the AWS_* variables for a child
// process; PublicURL(prefix) the plain-HTTP URL apt reads. Stop and Start
// kill and restart it on the same port and data, for fault tests.
//
// Request counting reads versitygw's access log, which it writes before
// answering: take m := s.Mark(), do the work, then s.RequestCounts(m) is a
// map of PUT, GET, HEAD, DELETE, POST, COPY (CopyObject) and LIST counts,
// and s.Requests(m) the requests in order (operation, key, status,
// anonymous or not), to check that InRelease was written last.
//
// # Debian archive files
//
// DebianFile(t, "main", poolPath, sha256) locates the file through the
// host's apt sources (internal/debarchive), downloads it once into the
// cache and verifies the checksum every time.
//
// # Fleet hosts
//
// Fleet(t, suite) extracts the cached minbase root into a tmpfs (~0.2 s;
// 0.5 to 6 s onto a busy disk), mounts /proc, a private /dev/pts and
// /dev/shm, and returns a FleetRoot whose Run and Shell chroot into it.
// Its apt sources are empty: a test adds the repository under test (with
// Signed-By), or calls UseHostSources to reach the Debian mirror. When the
// test ends, pass or fail, every process whose root is inside is killed,
// the mounts are unmounted (lazily if busy) and the tree removed; a tree
// still mounted is left in place rather than deleted through the mount.
// Roots left by a killed test binary are swept by the next Fleet call.
// There is no systemd inside: a package's postinst must not need one.
//
// # ServeDir
//
// ServeDir(t, dir) serves a directory on 127.0.0.1, so a local-directory
// publish target can be read by apt in a fleet root.
package harness
