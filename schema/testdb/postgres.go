package testdb

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Postgres is a private PostgreSQL cluster of one test, which the test may stop and start
// (an outage) without disturbing the other tests' shared cluster.
type Postgres struct {
	AdminURL string
	t        *testing.T
	bin, dir string
	port     string
}

// PrivatePostgres initialises and starts a cluster of its own in a temporary folder, with
// the machine's PostgreSQL binaries (run as the postgres user when the test runs as root).
func PrivatePostgres(t *testing.T) *Postgres {
	t.Helper()
	Integration(t)
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(dirs) == 0 {
		t.Fatal("PostgreSQL binaries not found (make test installs them)")
	}
	p := &Postgres{t: t, bin: filepath.Dir(dirs[len(dirs)-1])}
	p.port = strings.TrimPrefix(FreeAddr(t), "127.0.0.1:")
	base, err := os.MkdirTemp("/tmp", "billrun-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(base) })
	p.dir = filepath.Join(base, "data")
	if os.Getuid() == 0 {
		if out, err := exec.Command("chown", "postgres", base).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v %s", err, out)
		}
	}
	p.run("initdb", "-D", p.dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8")
	p.Start()
	t.Cleanup(func() { _ = p.pgctl("stop", "-m", "immediate") })
	p.AdminURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%s/postgres?sslmode=disable", p.port)
	return p
}

// Start starts the cluster (again).
func (p *Postgres) Start() {
	p.t.Helper()
	if err := p.pgctl("start", "-w", "-t", "60", "-l", filepath.Join(filepath.Dir(p.dir), "log"),
		"-o", "-p "+p.port+" -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"); err != nil {
		p.t.Fatalf("pg_ctl start: %v", err)
	}
}

// Stop stops the cluster at once, as a crash or an outage would.
func (p *Postgres) Stop() {
	p.t.Helper()
	if err := p.pgctl("stop", "-m", "immediate", "-w"); err != nil {
		p.t.Fatalf("pg_ctl stop: %v", err)
	}
}

func (p *Postgres) pgctl(args ...string) error {
	out, err := p.cmd(filepath.Join(p.bin, "pg_ctl"), append([]string{"-D", p.dir}, args...)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

func (p *Postgres) run(tool string, args ...string) {
	p.t.Helper()
	if out, err := p.cmd(filepath.Join(p.bin, tool), args...).CombinedOutput(); err != nil {
		p.t.Fatalf("%s: %v\n%s", tool, err, out)
	}
}

// cmd runs a PostgreSQL tool as the postgres user when the test runs as root (PostgreSQL
// refuses to run as root).
func (p *Postgres) cmd(bin string, args ...string) *exec.Cmd {
	if os.Getuid() == 0 {
		c := exec.Command("runuser", append([]string{"-u", "postgres", "--", bin}, args...)...)
		c.Dir = "/"
		return c
	}
	return exec.Command(bin, args...)
}
