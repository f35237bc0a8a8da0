//! The process figures of the STATS system object (spec §1.6.12), read from Linux's `/proc`.
//!
//! * `load`: `/proc/loadavg`, × 10000.
//! * `cpu_usage`: CPU time (user + system, all threads, from `/proc/self/stat` in USER_HZ =
//!   100 ticks per second) over wall time, × 10000 %, like `top` (so above 100 % on several
//!   cores). The window is the time since the previous STATS answer that started a window
//!   (windows are at least one second), or since the process started for the first one.
//! * `fd_*`: the targets of `/proc/self/fd/*`: `socket:[…]`, `pipe:[…]`, `anon_inode:…`,
//!   anything else.
//! * `vmsize`, `vmrss`: `VmSize`/`VmRSS` of `/proc/self/status`, in bytes; `thread_cnt`:
//!   its `Threads`.
//! * `rchar`, `wchar`: `/proc/self/io` (bytes passed to read/write-family system calls).
//! * `uptime`: the host's uptime (`/proc/uptime`); `starttime`: the process start in seconds
//!   since boot. sratool prints the server's age as their difference, as libaxa's reference
//!   vector implies (uptime 19287627, starttime 19279187).
//!
//! Where a figure cannot be read (no `/proc`: not Linux, or a restricted container) it is
//! all-ones, which the spec defines as "unavailable" (rather than 0, which would read as a
//! real measurement).

use std::sync::Mutex;
use std::time::Instant;

/// Clock ticks per second of `/proc/self/stat` (USER_HZ, fixed at 100 on Linux).
const TICKS_PER_SEC: f64 = 100.0;

/// What STATS reports about the server process; all-ones = unavailable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessFigures {
    /// 1, 5 and 15 minute load averages × 10000.
    pub load: [u32; 3],
    /// CPU usage × 10000 (percent).
    pub cpu_usage: u32,
    /// Open sockets.
    pub fd_sockets: u32,
    /// Open pipes.
    pub fd_pipes: u32,
    /// Open anonymous inodes (eventfd, epoll, timerfd ...).
    pub fd_anon_inodes: u32,
    /// Other open descriptors (files, devices).
    pub fd_other: u32,
    /// Virtual memory size in bytes.
    pub vmsize: u64,
    /// Resident set size in bytes.
    pub vmrss: u64,
    /// Bytes read through read-family system calls.
    pub rchar: u64,
    /// Bytes written through write-family system calls.
    pub wchar: u64,
    /// Threads of the process.
    pub thread_cnt: u32,
    /// The host's uptime in seconds. With `starttime` this is what the reference tools
    /// expect (sratool shows the server process's age as `uptime - starttime`), as in the
    /// reference vector (uptime 19287627, starttime 19279187).
    pub uptime: u32,
    /// When the process started, in seconds since the host booted.
    pub starttime: u32,
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The value of `key:` in a `/proc` "key: value [kB]" file.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next())
}

fn load() -> [u32; 3] {
    let text = read("/proc/loadavg").unwrap_or_default();
    let mut l = text.split_whitespace();
    [(); 3].map(|_| {
        l.next()
            .and_then(|x| x.parse::<f64>().ok())
            .map_or(u32::MAX, |v| {
                (v * 10_000.0).min(f64::from(u32::MAX - 1)) as u32
            })
    })
}

/// Fields 14.. of `/proc/self/stat` (after the parenthesised command name).
fn stat_fields() -> Option<Vec<u64>> {
    let text = read("/proc/self/stat")?;
    let rest = &text[text.rfind(')')? + 1..];
    // rest starts at field 3 (state); numeric fields from there, the state letter as 0.
    Some(
        rest.split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect(),
    )
}

/// The host's uptime in seconds (`/proc/uptime`).
fn host_uptime() -> Option<f64> {
    read("/proc/uptime")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// When the process started, in seconds since the host booted (`/proc/self/stat` field 22).
fn start_since_boot() -> Option<f64> {
    // Field n is f[n - 3].
    Some(*stat_fields()?.get(19)? as f64 / TICKS_PER_SEC)
}

/// The process's CPU seconds and its age in seconds.
fn cpu_and_age() -> Option<(f64, f64)> {
    let f = stat_fields()?;
    // Field n is f[n - 3]: utime 14, stime 15.
    let cpu = (*f.get(11)? + *f.get(12)?) as f64 / TICKS_PER_SEC;
    Some((cpu, (host_uptime()? - start_since_boot()?).max(0.0)))
}

/// The start of the current CPU window: when, and the CPU seconds then.
static WINDOW: Mutex<Option<(Instant, f64)>> = Mutex::new(None);

fn cpu_usage() -> u32 {
    let Some((cpu, age)) = cpu_and_age() else {
        return u32::MAX;
    };
    let now = Instant::now();
    let mut w = WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let (used, wall) = match *w {
        Some((t0, c0)) => (cpu - c0, now.duration_since(t0).as_secs_f64()),
        None => (cpu, age),
    };
    if w.is_none() || wall >= 1.0 {
        *w = Some((now, cpu));
    }
    if wall <= 0.0 {
        return 0;
    }
    (used.max(0.0) / wall * 100.0 * 10_000.0).min(f64::from(u32::MAX - 1)) as u32
}

/// Open descriptors by kind: sockets, pipes, anonymous inodes, others.
fn fds() -> [u32; 4] {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return [u32::MAX; 4];
    };
    // The listing's own descriptor points at the directory itself: not counted.
    let own = std::path::PathBuf::from(format!("/proc/{}/fd", std::process::id()));
    let mut n = [0u32; 4];
    for e in dir.flatten() {
        let Ok(target) = std::fs::read_link(e.path()) else {
            continue; // closed while listing
        };
        if target == own {
            continue;
        }
        let t = target.to_string_lossy();
        let i = if t.starts_with("socket:") {
            0
        } else if t.starts_with("pipe:") {
            1
        } else if t.starts_with("anon_inode:") {
            2
        } else {
            3
        };
        n[i] += 1;
    }
    n
}

impl ProcessFigures {
    /// Reads the figures now.
    pub fn read() -> ProcessFigures {
        let status = read("/proc/self/status").unwrap_or_default();
        let kb = |k| {
            field(&status, k)
                .and_then(|v| v.parse::<u64>().ok())
                .map_or(u64::MAX, |v| v * 1024)
        };
        let io = read("/proc/self/io").unwrap_or_default();
        let count = |k| {
            field(&io, k)
                .and_then(|v| v.parse().ok())
                .unwrap_or(u64::MAX)
        };
        let [fd_sockets, fd_pipes, fd_anon_inodes, fd_other] = fds();
        ProcessFigures {
            load: load(),
            cpu_usage: cpu_usage(),
            fd_sockets,
            fd_pipes,
            fd_anon_inodes,
            fd_other,
            vmsize: kb("VmSize"),
            vmrss: kb("VmRSS"),
            rchar: count("rchar"),
            wchar: count("wchar"),
            thread_cnt: field(&status, "Threads")
                .and_then(|v| v.parse().ok())
                .unwrap_or(u32::MAX),
            uptime: host_uptime().map_or(u32::MAX, |u| u as u32),
            starttime: start_since_boot().map_or(u32::MAX, |s| s as u32),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_fields() {
        let status = "Name:\tsrad\nVmSize:\t  123456 kB\nVmRSS:\t    2048 kB\nThreads:\t5\n";
        assert_eq!(field(status, "VmSize"), Some("123456"));
        assert_eq!(field(status, "Threads"), Some("5"));
        assert_eq!(field(status, "VmPeak"), None);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn reads_this_process() {
        let _keep = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let f = ProcessFigures::read();
        assert!(f.fd_sockets >= 1 && f.fd_sockets != u32::MAX, "{f:?}");
        assert!(
            f.vmsize >= f.vmrss && f.vmrss > 0 && f.vmsize != u64::MAX,
            "{f:?}"
        );
        assert!(f.thread_cnt >= 1 && f.thread_cnt != u32::MAX, "{f:?}");
        assert!(f.rchar > 0 && f.rchar != u64::MAX, "{f:?}");
        assert!(f.cpu_usage != u32::MAX, "{f:?}");
        assert!(f.load.iter().all(|l| *l != u32::MAX), "{f:?}");
    }
}
