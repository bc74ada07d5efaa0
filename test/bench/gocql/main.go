// gocql-bench: the Go peer of test/bench/bench.py (make bench).
//
// A benchmark tool only, never a dependency of cql_fdw: it runs the same
// work as the other peers against the same node, times only that work
// (connecting is excluded), and prints one JSON line:
//
//	gocql-bench scan   -keyspace K -table T                  full scan, every column decoded
//	gocql-bench lookup -keyspace K -table T -keys FILE       one prepared single-key SELECT at a time
//	gocql-bench write  -keyspace K -table T -rows N -concurrency C
//	                                                         the rows of bench.py's row(i), C at a time
//
// Protocol v4, page size 5000, consistency LOCAL_ONE: as cql_fdw and the
// Python driver are run.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gocql/gocql"
	"gopkg.in/inf.v0"
)

const cols = "id, b, t, d, f, ts, u, dec, bl, l"

type result struct {
	Op      string  `json:"op"`
	Rows    int64   `json:"rows"`
	Seconds float64 `json:"seconds"`
	CPU     float64 `json:"cpu"` // user + system seconds of this process in the timed part
	Errors  int64   `json:"errors,omitempty"`
	Error   string  `json:"error,omitempty"`
}

func die(op string, err error) {
	json.NewEncoder(os.Stdout).Encode(result{Op: op, Error: err.Error()})
	os.Exit(1)
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gocql-bench scan|lookup|write [flags]")
		os.Exit(2)
	}
	op := os.Args[1]
	fs := flag.NewFlagSet(op, flag.ExitOnError)
	host := fs.String("host", "127.0.0.1", "contact point")
	port := fs.Int("port", 9042, "native protocol port")
	ks := fs.String("keyspace", "cqlfdw_bench", "keyspace")
	table := fs.String("table", "bench", "table")
	keys := fs.String("keys", "", "file of keys, one a line (lookup)")
	rows := fs.Int("rows", 0, "rows to write (write)")
	conc := fs.Int("concurrency", 100, "writes in flight (write)")
	coalesce := fs.Duration("coalesce", 200*time.Microsecond, "gocql's WriteCoalesceWaitTime (its default: 200µs)")
	fs.Parse(os.Args[2:])

	cluster := gocql.NewCluster(*host)
	cluster.Port = *port
	cluster.Keyspace = *ks
	cluster.ProtoVersion = 4
	cluster.Consistency = gocql.LocalOne
	cluster.PageSize = 5000
	cluster.Timeout = 12 * time.Second
	cluster.ConnectTimeout = 5 * time.Second
	cluster.WriteCoalesceWaitTime = *coalesce
	// one node: skip waiting for peers' schema agreement on connect
	cluster.DisableInitialHostLookup = true
	sess, err := cluster.CreateSession()
	if err != nil {
		die(op, err)
	}
	defer sess.Close()

	var res result
	cpu0 := cpuSeconds()
	switch op {
	case "scan":
		res = scan(sess, *table)
	case "lookup":
		res = lookup(sess, *table, *keys)
	case "write":
		res = write(sess, *table, *rows, *conc)
	default:
		fmt.Fprintln(os.Stderr, "unknown op", op)
		os.Exit(2)
	}
	res.Op = op
	// connecting is excluded; preparing (one request) is not worth a split
	res.CPU = cpuSeconds() - cpu0
	json.NewEncoder(os.Stdout).Encode(res)
	if res.Error != "" {
		os.Exit(1)
	}
}

// every column into its natural Go type, as an application would
type row struct {
	id  int
	b   int64
	t   string
	d   float64
	f   bool
	ts  time.Time
	u   gocql.UUID
	dec *inf.Dec
	bl  []byte
	l   []int
}

func (r *row) dest() []interface{} {
	return []interface{}{&r.id, &r.b, &r.t, &r.d, &r.f, &r.ts, &r.u, &r.dec, &r.bl, &r.l}
}

func scan(sess *gocql.Session, table string) result {
	// prepare outside the timed part, as the other peers do
	q := sess.Query("SELECT " + cols + " FROM " + table)
	var r row
	start := time.Now()
	iter := q.Iter()
	var n int64
	for iter.Scan(r.dest()...) {
		n++
	}
	err := iter.Close()
	el := time.Since(start).Seconds()
	if err != nil {
		return result{Rows: n, Seconds: el, Error: err.Error()}
	}
	return result{Rows: n, Seconds: el}
}

func lookup(sess *gocql.Session, table, file string) result {
	fh, err := os.Open(file)
	if err != nil {
		return result{Error: err.Error()}
	}
	var ks []int
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		k, err := strconv.Atoi(sc.Text())
		if err == nil {
			ks = append(ks, k)
		}
	}
	fh.Close()
	stmt := "SELECT " + cols + " FROM " + table + " WHERE id = ?"
	var r row
	// prepares the statement (gocql prepares on first use)
	if err := sess.Query(stmt, -1).Scan(r.dest()...); err != nil && err != gocql.ErrNotFound {
		return result{Error: err.Error()}
	}
	var found int64
	start := time.Now()
	for _, k := range ks {
		err := sess.Query(stmt, k).Scan(r.dest()...)
		if err == nil {
			found++
		} else if err != gocql.ErrNotFound {
			return result{Rows: found, Seconds: time.Since(start).Seconds(), Error: err.Error()}
		}
	}
	return result{Rows: found, Seconds: time.Since(start).Seconds()}
}

// the same values as row(i) in bench.py and the INSERT ... SELECT of cql_fdw
func values(i int) []interface{} {
	var u gocql.UUID
	binary.BigEndian.PutUint32(u[0:4], 0)
	u[6] = 0x40
	u[8] = 0x80
	var tail [8]byte
	binary.BigEndian.PutUint64(tail[:], uint64(i))
	copy(u[10:16], tail[2:8])
	bl := make([]byte, 16)
	binary.BigEndian.PutUint64(bl[8:], uint64(i))
	return []interface{}{
		i,
		int64(i) * 1000003,
		fmt.Sprintf("row %08d text value", i),
		float64(i) * 0.25,
		i%2 == 0,
		time.UnixMilli(1700000000000 + int64(i)*1000).UTC(),
		u,
		inf.NewDec(int64(i), 2),
		bl,
		[]int{i, i + 1, i + 2, i + 3},
	}
}

func write(sess *gocql.Session, table string, rows, conc int) result {
	stmt := "INSERT INTO " + table + " (" + cols + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	// prepare outside the timed part
	if err := sess.Query(stmt, values(0)...).Exec(); err != nil {
		return result{Error: err.Error()}
	}
	var next, errs int64 = -1, 0
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := atomic.AddInt64(&next, 1)
				if i >= int64(rows) {
					return
				}
				if err := sess.Query(stmt, values(int(i))...).Idempotent(true).Exec(); err != nil {
					atomic.AddInt64(&errs, 1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		}()
	}
	wg.Wait()
	res := result{Rows: int64(rows) - errs, Seconds: time.Since(start).Seconds(), Errors: errs}
	if e := firstErr.Load(); e != nil {
		res.Error = e.(string)
	}
	return res
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
