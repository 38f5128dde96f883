//! Running the built `ipv4kit` inside a test namespace
//! (`ip netns exec NS ipv4kit ...`), in the foreground or as a background
//! process whose output lines the test reads as they come.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use ipv4kit_net::{interface_index, DatagramOptions, PacketConn};
use ipv4kit_testnet::Netns;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_ipv4kit");

/// An upper bound for anything the tests wait for (a bound so a broken run
/// ends, not a timing assertion).
pub const PATIENCE: Duration = Duration::from_secs(20);

/// `ip netns exec NS ipv4kit ARGS...`.
pub fn command(ns: &Netns, args: &[&str]) -> Command {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", ns.name(), BIN]).args(args);
    c
}

/// Runs ipv4kit in `ns` to completion; panics with its stderr on failure.
pub fn run_ok(ns: &Netns, args: &[&str]) -> String {
    let out = command(ns, args).output().unwrap();
    assert!(
        out.status.success(),
        "ipv4kit {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs ipv4kit in `ns` to completion, whatever the outcome.
pub fn run(ns: &Netns, args: &[&str]) -> Output {
    command(ns, args).output().unwrap()
}

/// A background process (ipv4kit or another tool) with its stdout and stderr
/// read line by line on threads. Killed (by its pid) on drop if still running.
pub struct Background {
    child: Child,
    pub stdout: Receiver<String>,
    pub stderr: Receiver<String>,
    pub out_lines: Vec<String>,
    pub err_lines: Vec<String>,
}

fn lines_of(r: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Background {
    /// Spawns `cmd` with piped output.
    pub fn spawn(mut cmd: Command) -> Background {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = lines_of(child.stdout.take().unwrap());
        let stderr = lines_of(child.stderr.take().unwrap());
        Background {
            child,
            stdout,
            stderr,
            out_lines: Vec::new(),
            err_lines: Vec::new(),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for a stderr line containing `text` (e.g. monitor's
    /// "monitoring" or tcpdump's "listening on"), keeping the lines.
    pub fn wait_stderr(&mut self, text: &str) {
        let end = Instant::now() + PATIENCE;
        while Instant::now() < end {
            if let Ok(line) = self.stderr.recv_timeout(Duration::from_millis(100)) {
                let hit = line.contains(text);
                self.err_lines.push(line);
                if hit {
                    return;
                }
            }
        }
        panic!("no {text:?} on stderr; got {:?}", self.err_lines);
    }

    /// Reads stdout lines until `done` says the lines so far are enough,
    /// or PATIENCE passes; returns whether `done` was satisfied.
    pub fn read_until(&mut self, mut done: impl FnMut(&[String]) -> bool) -> bool {
        let end = Instant::now() + PATIENCE;
        while Instant::now() < end {
            if done(&self.out_lines) {
                return true;
            }
            if let Ok(line) = self.stdout.recv_timeout(Duration::from_millis(100)) {
                self.out_lines.push(line);
            }
        }
        done(&self.out_lines)
    }

    /// Waits for the process to end by itself; returns all stdout lines.
    pub fn wait(mut self) -> (std::process::ExitStatus, Vec<String>, Vec<String>) {
        let status = self.child.wait().unwrap();
        let mut out = std::mem::take(&mut self.out_lines);
        out.extend(self.stdout.iter());
        let mut err = std::mem::take(&mut self.err_lines);
        err.extend(self.stderr.iter());
        (status, out, err)
    }

    /// Asks the process to stop (SIGTERM to its pid) and waits for it.
    pub fn stop(mut self) -> (Vec<String>, Vec<String>) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let (_, out, err) = {
            let status = self.child.wait().unwrap();
            let mut out = std::mem::take(&mut self.out_lines);
            out.extend(self.stdout.iter());
            let mut err = std::mem::take(&mut self.err_lines);
            err.extend(self.stderr.iter());
            (status, out, err)
        };
        (out, err)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A socket in `ns` that joins `group` on `iface` (the membership lasts as
/// long as the socket): the kernel there reports it.
pub fn join(ns: &Netns, iface: &str, group: Ipv4Addr) -> PacketConn {
    ns.run(|| {
        let c = PacketConn::bind_udp(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)).unwrap();
        c.join_group(interface_index(iface).unwrap(), group)
            .unwrap();
        c
    })
}

/// Every line parsed as JSON (monitor --json output).
pub fn json_lines(lines: &[String]) -> Vec<serde_json::Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}
