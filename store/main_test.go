package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The Postgres tests run against a real server: CITEBOT_TEST_DATABASE_URL
// when set (.ci/run starts one), else a throwaway cluster that TestMain
// starts with testdata/postgres.sh from Debian's postgresql package. Where
// the package is not installed they are skipped with the reason, unless
// CITEBOT_REQUIRE_POSTGRES is set (as in CI), where that is a failure.
var (
	pgURL  string // the admin URL of the test server, "" if none
	pgWhy  string // why there is none
	pgFail bool   // the server is installed but failed to start
)

func TestMain(m *testing.M) {
	os.Exit(func() int {
		stop := startPostgres()
		defer stop()
		return m.Run()
	}())
}

func startPostgres() (stop func()) {
	if u := os.Getenv("CITEBOT_TEST_DATABASE_URL"); u != "" {
		pgURL = u
		return func() {}
	}
	// Under /tmp, not in a test's own 0700 directory: the server runs as
	// the postgres user when the tests run as root, and must reach it.
	dir, err := os.MkdirTemp("", "citebot-pg-")
	if err != nil {
		pgWhy, pgFail = "Postgres tests: "+err.Error(), true
		return func() {}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join("testdata", "postgres.sh"), "start", dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() == 3:
		pgWhy = "Postgres tests skipped: no PostgreSQL server installed (apt-get install postgresql, or `bash store/testdata/postgres.sh install`), and CITEBOT_TEST_DATABASE_URL is not set"
		os.RemoveAll(dir)
		return func() {}
	case err != nil:
		pgWhy, pgFail = fmt.Sprintf("Postgres tests: starting a test server failed: %v\n%s", err, stderr.String()), true
		os.RemoveAll(dir)
		return func() {}
	}
	pgURL = strings.TrimSpace(string(out))
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "bash", filepath.Join("testdata", "postgres.sh"), "stop", dir).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "stopping the test Postgres: %v\n%s", err, out)
		}
		os.RemoveAll(dir)
	}
}

// backend is one kind of database the tests run against.
type backend struct {
	name string
	// config returns a Config for a new, empty database.
	config func(t *testing.T) Config
}

var backends = []backend{
	{"sqlite", func(t *testing.T) Config {
		return Config{Path: filepath.Join(t.TempDir(), "citebot.db")}
	}},
	{"postgres", func(t *testing.T) Config {
		return Config{DatabaseURL: newPostgresDatabase(t)}
	}},
}

// eachBackend runs f against SQLite and Postgres, each on a new database.
func eachBackend(t *testing.T, f func(t *testing.T, cfg Config)) {
	t.Helper()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			f(t, b.config(t))
		})
	}
}

var dbSeq atomic.Int64

// newPostgresDatabase creates a database on the test server for one test
// and drops it after; it skips or fails the test when there is no server.
func newPostgresDatabase(t *testing.T) string {
	t.Helper()
	switch {
	case pgFail:
		t.Fatal(pgWhy)
	case pgURL == "" && os.Getenv("CITEBOT_REQUIRE_POSTGRES") != "":
		t.Fatalf("CITEBOT_REQUIRE_POSTGRES is set but: %s", pgWhy)
	case pgURL == "":
		t.Skip(pgWhy)
	}
	admin := openAdmin(t)
	name := fmt.Sprintf("citebot_test_%d_%d", os.Getpid(), dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
		admin.Close()
	})
	return withDatabase(t, pgURL, name)
}

func openAdmin(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", pgURL)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// withDatabase replaces the database name in a Postgres URL.
func withDatabase(t *testing.T, u, name string) string {
	t.Helper()
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		t.Fatalf("test database URL %q has no scheme", u)
	}
	hostPart, query, _ := strings.Cut(rest, "?")
	host, _, _ := strings.Cut(hostPart, "/")
	out := scheme + "://" + host + "/" + name
	if query != "" {
		out += "?" + query
	}
	return out
}

// open opens cfg's store for one test.
func open(t *testing.T, cfg Config) *Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
