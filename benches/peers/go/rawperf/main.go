// Command rawperf is the Go peer of `ipv4kit send` / `ipv4kit sink`: a
// raw-IPv4 traffic generator and counter built on golang.org/x/net/ipv4.
//
//	rawperf send --dst ADDR [--protocol N] [--size BYTES] [--batch N]
//	             [--count N | --duration-s S] [--ttl N]
//	rawperf sink [--protocol N] [--batch N] [--duration-s S]
//	             [--idle-timeout-ms N]
//
// Both modes open net.ListenPacket("ip4:N", "0.0.0.0") and wrap it with
// ipv4.NewRawConn, which sets IP_HDRINCL. send builds one datagram (an
// ipv4.Header marshalled by x/net, then a zero payload) and writes it with
// RawConn.WriteBatch (sendmmsg on Linux); sink reads with RawConn.ReadBatch
// (recvmmsg on Linux), whole datagrams including the IPv4 header.
//
// Both print one final line on stdout:  packets=N seconds=S pps=P
// For send, seconds is the time spent sending; for sink it is the time from
// the first received batch to the last one. Diagnostics go to stderr.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"
)

const (
	maxBatch    = 1024
	slotBytes   = 2048             // per received datagram; longer ones are counted, truncated
	rcvbufBytes = 64 * 1024 * 1024 // asked for with SO_RCVBUFFORCE
)

func usage() {
	fmt.Fprint(os.Stderr, `usage: rawperf send --dst ADDR [--protocol N] [--size BYTES] [--batch N]
                    [--count N | --duration-s S] [--ttl N]
       rawperf sink [--protocol N] [--batch N] [--duration-s S]
                    [--idle-timeout-ms N]
`)
	os.Exit(2)
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "rawperf: "+format+"\n", args...)
	os.Exit(1)
}

func summary(packets uint64, seconds float64) {
	var pps uint64
	if seconds > 0 {
		pps = uint64(float64(packets)/seconds + 0.5)
	}
	fmt.Printf("packets=%d seconds=%.3f pps=%d\n", packets, seconds, pps)
}

// checkRange exits with a usage error when v is outside [lo, hi].
func checkRange(name string, v, lo, hi int) {
	if v < lo || v > hi {
		fmt.Fprintf(os.Stderr, "rawperf: --%s wants an integer in %d..%d, got %d\n", name, lo, hi, v)
		os.Exit(2)
	}
}

// openRaw opens a raw IPv4 socket for the protocol, header included.
func openRaw(protocol int) *ipv4.RawConn {
	c, err := net.ListenPacket("ip4:"+strconv.Itoa(protocol), "0.0.0.0")
	if err != nil {
		fail("listen: %v", err)
	}
	r, err := ipv4.NewRawConn(c)
	if err != nil {
		fail("NewRawConn: %v", err)
	}
	return r
}

// stopOnSignal returns a flag that SIGINT/SIGTERM set; the handler also
// closes the connection so that a blocked ReadBatch/WriteBatch returns.
func stopOnSignal(conn *ipv4.RawConn) *atomic.Bool {
	stop := new(atomic.Bool)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-ch
		stop.Store(true)
		conn.Close()
	}()
	return stop
}

func send(args []string) {
	fs := flag.NewFlagSet("send", flag.ExitOnError)
	dst := fs.String("dst", "", "destination IPv4 address")
	protocol := fs.Int("protocol", 253, "IP protocol number")
	size := fs.Int("size", 48, "datagram size in bytes, header included")
	batch := fs.Int("batch", 64, "datagrams per WriteBatch call")
	count := fs.Int64("count", 0, "datagrams to send (0: use the duration)")
	duration := fs.Float64("duration-s", 0, "seconds to send (default 5 when no count)")
	ttl := fs.Int("ttl", 64, "time to live")
	fs.Parse(args)
	if fs.NArg() > 0 {
		usage()
	}
	checkRange("protocol", *protocol, 1, 255)
	checkRange("size", *size, ipv4.HeaderLen, 65535)
	checkRange("batch", *batch, 1, maxBatch)
	checkRange("ttl", *ttl, 1, 255)
	ip := net.ParseIP(*dst).To4()
	if ip == nil {
		fmt.Fprintln(os.Stderr, "rawperf: send needs --dst with an IPv4 address")
		os.Exit(2)
	}
	if *count < 0 || *duration < 0 || (*count > 0 && *duration > 0) {
		fmt.Fprintln(os.Stderr, "rawperf: give one of --count N or --duration-s S")
		os.Exit(2)
	}
	if *count == 0 && *duration == 0 {
		*duration = 5
	}

	conn := openRaw(*protocol)
	defer conn.Close()
	stop := stopOnSignal(conn)

	// The datagram: x/net marshals the header; the kernel fills in the
	// checksum, ID and source because we leave them zero.
	hdr := ipv4.Header{
		Version:  ipv4.Version,
		Len:      ipv4.HeaderLen,
		TotalLen: *size,
		TTL:      *ttl,
		Protocol: *protocol,
		Dst:      ip,
	}
	hb, err := hdr.Marshal()
	if err != nil {
		fail("marshal header: %v", err)
	}
	pkt := make([]byte, *size)
	copy(pkt, hb)

	// Every message of the batch points at the same datagram and address.
	addr := &net.IPAddr{IP: ip}
	msgs := make([]ipv4.Message, *batch)
	for i := range msgs {
		msgs[i] = ipv4.Message{Buffers: [][]byte{pkt}, Addr: addr}
	}

	var sent uint64
	limit := time.Duration(*duration * float64(time.Second))
	start := time.Now()
	elapsed := time.Duration(0)
	for !stop.Load() {
		n := len(msgs)
		if *count > 0 {
			left := uint64(*count) - sent
			if left == 0 {
				break
			}
			if left < uint64(n) {
				n = int(left)
			}
		}
		k, err := conn.WriteBatch(msgs[:n], 0)
		sent += uint64(k)
		if err != nil && !errors.Is(err, syscall.ENOBUFS) && !errors.Is(err, syscall.EINTR) {
			fmt.Fprintf(os.Stderr, "rawperf: WriteBatch: %v\n", err)
			break
		}
		elapsed = time.Since(start)
		if limit > 0 && elapsed >= limit {
			break
		}
	}
	summary(sent, elapsed.Seconds())
}

func sink(args []string) {
	fs := flag.NewFlagSet("sink", flag.ExitOnError)
	protocol := fs.Int("protocol", 253, "IP protocol number")
	batch := fs.Int("batch", 64, "datagrams per ReadBatch call")
	duration := fs.Float64("duration-s", 0, "stop after this many seconds (0: no limit)")
	idleMs := fs.Int("idle-timeout-ms", 1000, "stop after this long without packets, once one arrived")
	fs.Parse(args)
	if fs.NArg() > 0 {
		usage()
	}
	checkRange("protocol", *protocol, 1, 255)
	checkRange("batch", *batch, 1, maxBatch)
	checkRange("idle-timeout-ms", *idleMs, 1, 3600*1000)
	if *duration < 0 {
		fmt.Fprintln(os.Stderr, "rawperf: --duration-s wants seconds >= 0")
		os.Exit(2)
	}

	conn := openRaw(*protocol)
	defer conn.Close()
	stop := stopOnSignal(conn)

	// A large receive buffer, past rmem_max when we may (root).
	if sc, err := conn.IPConn.SyscallConn(); err == nil {
		var serr error
		sc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, rcvbufBytes)
		})
		if serr != nil {
			if err := conn.IPConn.SetReadBuffer(rcvbufBytes); err != nil {
				fmt.Fprintf(os.Stderr, "rawperf: SO_RCVBUF: %v\n", err)
			}
		}
	}

	// One arena cut into slots, one Message per slot, reused every call.
	arena := make([]byte, *batch*slotBytes)
	msgs := make([]ipv4.Message, *batch)
	for i := range msgs {
		msgs[i].Buffers = [][]byte{arena[i*slotBytes : (i+1)*slotBytes]}
	}

	idle := time.Duration(*idleMs) * time.Millisecond
	start := time.Now()
	var end time.Time // zero: no duration limit
	if *duration > 0 {
		end = start.Add(time.Duration(*duration * float64(time.Second)))
	}
	var received uint64
	var first, last time.Time
	var armed time.Time // the read deadline currently set (zero: none)

	for !stop.Load() {
		// Stop at the end of the duration, or idle after the first packet.
		// The deadline is not moved on every call: it is armed at the stop
		// time we know of, and when it fires we look again, since packets
		// that came meanwhile pushed the idle stop later.
		now := time.Now()
		want := end
		if received > 0 {
			if idleEnd := last.Add(idle); want.IsZero() || idleEnd.Before(want) {
				want = idleEnd
			}
		}
		if !want.IsZero() && !now.Before(want) {
			break
		}
		if !want.IsZero() && (armed.IsZero() || armed.After(want)) {
			armed = want
			conn.SetReadDeadline(armed)
		}
		n, err := conn.ReadBatch(msgs, 0)
		if n > 0 {
			last = time.Now()
			if received == 0 {
				first = last
			}
			received += uint64(n)
		}
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				armed = time.Time{} // expired: the checks above decide
				continue
			}
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			if !stop.Load() {
				fmt.Fprintf(os.Stderr, "rawperf: ReadBatch: %v\n", err)
			}
			break
		}
	}
	var seconds float64
	if received > 0 {
		seconds = last.Sub(first).Seconds()
	}
	summary(received, seconds)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "send":
		send(os.Args[2:])
	case "sink":
		sink(os.Args[2:])
	default:
		usage()
	}
}
