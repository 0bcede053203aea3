package repo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/aptly-dev/aptly/database"
	"github.com/aptly-dev/aptly/database/goleveldb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/namespace"
	"go.uber.org/zap"
)

// The database in etcd is aptly's key space under "<prefix>/": aptly's
// records and repoctl's "~repoctl/" keys, exactly as in goleveldb, so two
// repositories with different prefixes share one etcd.
//
// aptly ships an etcd backend (database/etcddb) but it is not used: it has
// no key prefix (two repositories in one etcd would mix their packages),
// its requests run under context.TODO (an etcd that goes away mid-run
// hangs repoctl forever), its prefix reads return an empty list on an
// error (a network blip would look like an empty repository to Add and
// Cleanup), and its transactions write every key twice into etcd, under a
// temporary prefix a crash leaves behind. This one implements the same
// database.Storage interface on the official client, with a namespace, a
// dial and a per-request timeout, and errors that reach the caller.

// Timeouts of the etcd client: variables so that tests can shorten them.
var (
	etcdDialTimeout = 5 * time.Second
	etcdOpTimeout   = 30 * time.Second
)

const (
	// etcdMaxTxnOps is etcd's default --max-txn-ops: a transaction with
	// more writes is committed in chunks of this size, in order.
	etcdMaxTxnOps = 128
)

// EtcdState is a parsed etcd://host:port[,host:port...]/prefix.
type EtcdState struct {
	Endpoints []string // host:port
	Prefix    string   // the namespace is Prefix + "/"
}

func (e EtcdState) String() string {
	return "etcd://" + strings.Join(e.Endpoints, ",") + "/" + e.Prefix
}

var validEtcdPrefix = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// IsEtcdURL says whether s names etcd state rather than a directory.
func IsEtcdURL(s string) bool { return strings.HasPrefix(s, "etcd://") }

// ParseEtcdURL parses etcd://HOST:PORT[,HOST:PORT...]/PREFIX. The prefix is
// one path element (letters, digits, '.', '_', '-'): nested prefixes would
// let one repository's keys show up inside another's.
func ParseEtcdURL(s string) (EtcdState, error) {
	bad := func(why string) (EtcdState, error) {
		return EtcdState{}, usagef("state %q: %s (want etcd://HOST:PORT/PREFIX, e.g. etcd://127.0.0.1:2379/repoctl)", s, why)
	}
	if !IsEtcdURL(s) {
		return bad("not an etcd:// URL")
	}
	u, err := url.Parse(s)
	if err != nil {
		return bad(err.Error())
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return bad("user info, query and fragment are not supported")
	}
	var st EtcdState
	for _, hp := range strings.Split(u.Host, ",") {
		host, port, err := net.SplitHostPort(hp)
		if err != nil || host == "" || port == "" {
			return bad(fmt.Sprintf("endpoint %q is not HOST:PORT", hp))
		}
		st.Endpoints = append(st.Endpoints, hp)
	}
	st.Prefix = strings.Trim(u.Path, "/")
	if st.Prefix == "" {
		return bad("no prefix: name this repository's key space, so that several can share one etcd")
	}
	if !validEtcdPrefix.MatchString(st.Prefix) {
		return bad(fmt.Sprintf("prefix %q: use one element of letters, digits, '.', '_' and '-'", st.Prefix))
	}
	return st, nil
}

// etcdStore is aptly's database.Storage on etcd. Prefix reads panic on a
// failed request rather than answer "nothing" (three have no error in
// their signature, and aptly ignores the error of the fourth): Repo's
// methods recover the panic into an error.
type etcdStore struct {
	cli    *clientv3.Client
	kv     clientv3.KV
	where  string // for messages: endpoints and prefix
	tmpDir string // local directory for aptly's temporary databases

	// Package records ("P<arch> <name> <version> <fileshash>") and their
	// parts ("xF", "xD", "xE", "xC" + that key) never change under their
	// key, and aptly reads them one Get at a time: loading a list of 1000
	// packages is 2000+ round trips. The first Get under one of these
	// prefixes loads the whole prefix in one range request; our own writes
	// are applied to it. A key missing from the cache is still asked of
	// etcd: another runner may have added it since.
	cache map[string]map[string][]byte // by prefix; nil map: load failed
}

// immutablePrefixes are aptly's package-record key prefixes, longest first.
var immutablePrefixes = []string{"xF", "xD", "xE", "xC", "P"}

func immutablePrefix(key string) string {
	for _, p := range immutablePrefixes {
		if strings.HasPrefix(key, p) {
			return p
		}
	}
	return ""
}

// cached answers a Get of a package record from the cache, loading its
// prefix on first use; ok is false when etcd must be asked.
func (s *etcdStore) cached(key string) (v []byte, ok bool) {
	p := immutablePrefix(key)
	if p == "" {
		return nil, false
	}
	if s.cache == nil {
		s.cache = map[string]map[string][]byte{}
	}
	m, loaded := s.cache[p]
	if !loaded {
		// A failed load is not retried (the map stays nil): Gets still work.
		if kvs, err := s.scan([]byte(p), false); err == nil {
			m = make(map[string][]byte, len(kvs))
			for _, kv := range kvs {
				m[string(kv.k)] = kv.v
			}
		}
		s.cache[p] = m
	}
	v, ok = m[key]
	return v, ok
}

// noteWrite keeps the cache equal to what we wrote (nil: deleted).
func (s *etcdStore) noteWrite(key string, v *[]byte) {
	m := s.cache[immutablePrefix(key)]
	if m == nil {
		return
	}
	if v == nil {
		delete(m, key)
	} else {
		m[key] = *v
	}
}

// openEtcd connects and checks, within etcdDialTimeout, that etcd answers.
func openEtcd(st EtcdState, tmpDir string) (*etcdStore, error) {
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   st.Endpoints,
		DialTimeout: etcdDialTimeout,
		Logger:      zap.NewNop(), // its retry warnings would flood stderr
	})
	if err != nil {
		return nil, fmt.Errorf("cannot reach etcd at %s: %w", strings.Join(st.Endpoints, ","), err)
	}
	s := &etcdStore{cli: cli, kv: namespace.NewKV(cli.KV, st.Prefix+"/"), where: st.String(), tmpDir: tmpDir}
	ctx, cancel := context.WithTimeout(context.Background(), etcdDialTimeout)
	defer cancel()
	if _, err := s.kv.Get(ctx, keyPublished, clientv3.WithCountOnly()); err != nil {
		cli.Close()
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within %s", etcdDialTimeout)
		}
		return nil, fmt.Errorf("cannot reach etcd at %s: %w", strings.Join(st.Endpoints, ","), err)
	}
	return s, nil
}

func (s *etcdStore) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), etcdOpTimeout)
}

func (s *etcdStore) fail(op string, err error) error {
	return fmt.Errorf("etcd %s: %s: %w", s.where, op, err)
}

func (s *etcdStore) Get(key []byte) ([]byte, error) {
	if v, ok := s.cached(string(key)); ok {
		return append([]byte(nil), v...), nil
	}
	ctx, cancel := s.ctx()
	defer cancel()
	resp, err := s.kv.Get(ctx, string(key))
	if err != nil {
		return nil, s.fail("get", err)
	}
	if len(resp.Kvs) == 0 {
		return nil, database.ErrNotFound
	}
	v := resp.Kvs[0].Value
	s.noteWrite(string(key), &v)
	return append([]byte(nil), v...), nil
}

func (s *etcdStore) Put(key, value []byte) error {
	ctx, cancel := s.ctx()
	defer cancel()
	if _, err := s.kv.Put(ctx, string(key), string(value)); err != nil {
		return s.fail("put", err)
	}
	v := append([]byte(nil), value...)
	s.noteWrite(string(key), &v)
	return nil
}

func (s *etcdStore) Delete(key []byte) error {
	ctx, cancel := s.ctx()
	defer cancel()
	if _, err := s.kv.Delete(ctx, string(key)); err != nil {
		return s.fail("delete", err)
	}
	s.noteWrite(string(key), nil)
	return nil
}

// scan returns every pair under prefix, in key order.
func (s *etcdStore) scan(prefix []byte, keysOnly bool) ([]*kvPair, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	opts := []clientv3.OpOption{clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend)}
	if len(prefix) == 0 {
		opts[0] = clientv3.WithFromKey() // the whole namespace
	}
	if keysOnly {
		opts = append(opts, clientv3.WithKeysOnly())
	}
	key := string(prefix)
	if key == "" {
		key = "\x00"
	}
	resp, err := s.kv.Get(ctx, key, opts...)
	if err != nil {
		return nil, s.fail("read "+fmt.Sprintf("%q", prefix), err)
	}
	out := make([]*kvPair, len(resp.Kvs))
	for i, kv := range resp.Kvs {
		out[i] = &kvPair{kv.Key, kv.Value}
	}
	return out, nil
}

type kvPair struct{ k, v []byte }

func (s *etcdStore) mustScan(prefix []byte, keysOnly bool) []*kvPair {
	kvs, err := s.scan(prefix, keysOnly)
	if err != nil {
		panic(err)
	}
	return kvs
}

func (s *etcdStore) KeysByPrefix(prefix []byte) [][]byte {
	kvs := s.mustScan(prefix, true)
	out := make([][]byte, len(kvs))
	for i, kv := range kvs {
		out[i] = kv.k
	}
	return out
}

func (s *etcdStore) FetchByPrefix(prefix []byte) [][]byte {
	kvs := s.mustScan(prefix, false)
	out := make([][]byte, len(kvs))
	for i, kv := range kvs {
		out[i] = kv.v
	}
	return out
}

func (s *etcdStore) HasPrefix(prefix []byte) bool {
	ctx, cancel := s.ctx()
	defer cancel()
	resp, err := s.kv.Get(ctx, string(prefix), clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		panic(s.fail("read", err))
	}
	return resp.Count > 0
}

// ProcessByPrefix panics, too, when etcd does not answer: aptly's
// collections drop its error (LocalRepoCollection.search), and "no
// repository" would make Add start an empty one.
func (s *etcdStore) ProcessByPrefix(prefix []byte, proc database.StorageProcessor) error {
	kvs := s.mustScan(prefix, false)
	for _, kv := range kvs {
		if err := proc(kv.k, kv.v); err != nil {
			return err
		}
	}
	return nil
}

// commit writes ops (at most one per key) in transactions of
// etcdMaxTxnOps: atomic up to that size, in order beyond it. repoctl's
// writers put content-addressed records first and the lists that
// reference them last, so a chunked commit cut short leaves only
// unreferenced records, which Cleanup removes.
func (s *etcdStore) commit(ops []clientv3.Op) error {
	for len(ops) > 0 {
		n := min(len(ops), etcdMaxTxnOps)
		ctx, cancel := s.ctx()
		_, err := s.kv.Txn(ctx).Then(ops[:n]...).Commit()
		cancel()
		if err != nil {
			return s.fail("commit", err)
		}
		ops = ops[n:]
	}
	return nil
}

// CreateTemporary is a scratch goleveldb on local disk: aptly uses it
// while rendering, and nobody else needs it.
func (s *etcdStore) CreateTemporary() (database.Storage, error) {
	if err := os.MkdirAll(s.tmpDir, 0o700); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(s.tmpDir, "tempdb-")
	if err != nil {
		return nil, err
	}
	return goleveldb.NewOpenDB(dir)
}

func (s *etcdStore) CreateBatch() database.Batch {
	return &etcdWrites{s: s, vals: map[string]*[]byte{}}
}

func (s *etcdStore) OpenTransaction() (database.Transaction, error) {
	return &etcdWrites{s: s, vals: map[string]*[]byte{}}, nil
}

func (s *etcdStore) Open() error      { return nil }
func (s *etcdStore) CompactDB() error { return nil }

// Drop would delete shared state: aptly calls it only on temporary
// databases, never on this one.
func (s *etcdStore) Drop() error {
	return errors.New("repo: refusing to drop the shared etcd database")
}

func (s *etcdStore) Close() error {
	if s.cli == nil {
		return nil
	}
	err := s.cli.Close()
	s.cli = nil
	return err
}

// etcdWrites is a batch and a transaction: writes are buffered (reads see
// them) and sent on Commit/Write, the last write of each key winning (etcd
// refuses a transaction that names a key twice).
type etcdWrites struct {
	s     *etcdStore
	vals  map[string]*[]byte // nil: deleted
	order []string
}

func (w *etcdWrites) Get(key []byte) ([]byte, error) {
	if v, ok := w.vals[string(key)]; ok {
		if v == nil {
			return nil, database.ErrNotFound
		}
		return append([]byte(nil), *v...), nil
	}
	return w.s.Get(key)
}

func (w *etcdWrites) set(key []byte, v *[]byte) {
	k := string(key)
	if _, ok := w.vals[k]; !ok {
		w.order = append(w.order, k)
	}
	w.vals[k] = v
}

func (w *etcdWrites) Put(key, value []byte) error {
	v := append([]byte(nil), value...)
	w.set(key, &v)
	return nil
}

func (w *etcdWrites) Delete(key []byte) error {
	w.set(key, nil)
	return nil
}

func (w *etcdWrites) Commit() error {
	ops := make([]clientv3.Op, 0, len(w.order))
	for _, k := range w.order {
		if v := w.vals[k]; v != nil {
			ops = append(ops, clientv3.OpPut(k, string(*v)))
		} else {
			ops = append(ops, clientv3.OpDelete(k))
		}
	}
	vals, order := w.vals, w.order
	w.Discard()
	err := w.s.commit(ops)
	// Even after a failed commit some chunks may have landed: forget what
	// we know of the keys rather than guess.
	for _, k := range order {
		if err != nil {
			w.s.noteWrite(k, nil)
		} else {
			w.s.noteWrite(k, vals[k])
		}
	}
	return err
}

func (w *etcdWrites) Write() error { return w.Commit() }

func (w *etcdWrites) Discard() {
	w.vals, w.order = map[string]*[]byte{}, nil
}

// tmpDBDir is where etcd-backed state keeps aptly's scratch databases.
func tmpDBDir(dir string) string { return filepath.Join(dir, "tmp") }

var (
	_ database.Storage     = (*etcdStore)(nil)
	_ database.Transaction = (*etcdWrites)(nil)
	_ database.Batch       = (*etcdWrites)(nil)
)

// Shared reports whether the database is in etcd, shared with other
// runners (the local flock then guards this directory only).
func (r *Repo) Shared() bool { return r.shared }

// CopyTo copies every key of this database into the etcd key space db
// names (etcd://HOST:PORT/PREFIX), which must be empty: the move from a
// local state directory to shared state. The pool is not copied: the
// target already serves every published file, and Render reports the
// files a runner does not hold. It returns the number of keys copied.
func (r *Repo) CopyTo(db string) (n int, err error) {
	defer recoverInto(&err)
	st, err := ParseEtcdURL(db)
	if err != nil {
		return 0, err
	}
	if r.shared {
		return 0, usagef("copy to %s: this state is already in etcd", st)
	}
	dst, err := openEtcd(st, tmpDBDir(r.dir))
	if err != nil {
		return 0, err
	}
	defer dst.Close()
	ctx, cancel := dst.ctx()
	resp, err := dst.kv.Get(ctx, "\x00", clientv3.WithFromKey(), clientv3.WithCountOnly())
	cancel()
	if err != nil {
		return 0, dst.fail("count", err)
	}
	if resp.Count > 0 {
		return 0, usagef("copy to %s: it already holds %d keys; copy only into an empty prefix", st, resp.Count)
	}
	w := &etcdWrites{s: dst, vals: map[string]*[]byte{}}
	err = r.db.ProcessByPrefix(nil, func(k, v []byte) error {
		w.Put(k, v)
		n++
		if len(w.order) == etcdMaxTxnOps {
			return w.Commit()
		}
		return nil
	})
	if err == nil {
		err = w.Commit()
	}
	if err != nil {
		return n, fmt.Errorf("copy to %s: %w (the prefix holds part of the database: delete it with etcdctl del --prefix %s/ before trying again)", st, err, st.Prefix)
	}
	return n, nil
}
