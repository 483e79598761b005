//! Interfaces of the *other* network namespaces of the live host (containers, `ip netns`): name,
//! index, `IFF_*` flags and promiscuity count of each link, per namespace.
//!
//! **Where it lives:** the namespaces are the `/proc/PID/ns/net` of every process whose namespace
//! differs from huoyan's own, plus the bind mounts `ip netns add` leaves under `/run/netns/NAME`
//! (a namespace kept alive with no process in it). `/sys/class/net` and `/proc/net/dev` only
//! describe the namespace sysfs was mounted in / the reader's, and no /proc file lists a
//! namespace's interface flags, so huoyan opens the namespace file, checks with `fstat` that its
//! inode is the namespace it meant (a pid may have been reused), moves one short-lived thread of
//! its own into it with `setns(2)` and asks the kernel over a route netlink socket created there
//! (`RTM_GETLINK` dump). No host binary runs and nothing in the namespace is changed; the thread
//! exits afterwards, the rest of huoyan never leaves its namespace.
//!
//! **Why it matters:** a sniffer started inside a container or an `ip netns` namespace puts *that*
//! namespace's interface in promiscuous mode; the host's sysfs never shows it. The kernel reports
//! promiscuity as a counter (`IFLA_PROMISCUITY`: raised by `ip link set … promisc on` and by every
//! packet socket that asked for `PACKET_MR_PROMISC`, as tcpdump does), while the `IFF_PROMISC`
//! bit of the netlink flags only reflects the administrator's setting; both are read.
//!
//! The reply bytes are parsed by the pure [`parse_link_dump`] (hostile input: lengths checked,
//! names escaped later, no panics).

use std::collections::BTreeMap;
use std::os::fd::OwnedFd;

use huoyan_core::{Gap, GapReason, ProcFs, Root};
use serde::Serialize;

use crate::ParseError;

const RTM_NEWLINK: u16 = 16;
const RTM_GETLINK: u16 = 18;
const IFINFOMSG: usize = 16;
const IFLA_IFNAME: u16 = 3;
const IFLA_MASTER: u16 = 10;
const IFLA_PROMISCUITY: u16 = 30;

/// Most namespaces entered in one capture (a container host may run thousands).
pub const MAX_NAMESPACES: usize = 4096;

/// Most namespaces that could not be entered reported one by one (the rest are counted).
const MAX_NAMESPACE_GAPS: usize = 20;

/// Most links kept per namespace.
pub const MAX_LINKS: usize = 4096;

/// One interface of a namespace, as `RTM_NEWLINK` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NsLink {
    /// Kernel index (unique inside its namespace only).
    pub index: u32,
    /// Name (`eth0`); attacker-controlled text, escape before display.
    pub name: String,
    /// `IFF_*` flags as netlink reports them.
    pub flags: u32,
    /// Flag names.
    pub flag_names: Vec<&'static str>,
    /// Promiscuity count (`IFLA_PROMISCUITY`; `None` on kernels that do not send it).
    pub promiscuity: Option<u32>,
    /// True when the interface captures every frame (flag set or count above zero).
    pub promisc: bool,
    /// Index of the bridge or bond this link is enslaved to (`IFLA_MASTER`).
    pub master: Option<u32>,
}

/// A network namespace other than huoyan's own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NetNamespace {
    /// Namespace inode (the number in `net:[N]`).
    pub inode: u64,
    /// `ip netns` names whose `/run/netns/NAME` bind mount is this namespace.
    pub names: Vec<String>,
    /// Processes living in it (sorted; at most the first 64).
    pub pids: Vec<u32>,
    /// How many processes live in it.
    pub process_count: usize,
    /// Its interfaces (empty when it could not be entered).
    pub links: Vec<NsLink>,
    /// True when the links were read.
    pub entered: bool,
}

impl NetNamespace {
    /// The link with this index.
    pub fn link(&self, index: u32) -> Option<&NsLink> {
        self.links.iter().find(|l| l.index == index)
    }

    /// `4026532456 (ip netns "blue")`, for summaries.
    pub fn label(&self) -> String {
        if self.names.is_empty() {
            format!("net:[{}]", self.inode)
        } else {
            let names: Vec<String> = self.names.iter().map(|n| format!("\"{n}\"")).collect();
            format!("net:[{}] (ip netns {})", self.inode, names.join(", "))
        }
    }
}

/// Parses the bytes of one or more `RTM_NEWLINK` messages. Returns the links and whether the dump
/// is complete (an `NLMSG_DONE` was seen).
pub fn parse_link_dump(data: &[u8]) -> Result<(Vec<NsLink>, bool), ParseError> {
    use super::netlink::u32_at;
    let what = "netlink RTM_GETLINK reply";
    let mut out = Vec::new();
    let done = super::netlink::walk_messages(data, what, |kind, msg| {
        if kind != RTM_NEWLINK {
            return Ok(());
        }
        if msg.len() < IFINFOMSG {
            return Err(ParseError::Truncated {
                what,
                need: IFINFOMSG,
                have: msg.len(),
            });
        }
        let index = u32_at(msg, 4).unwrap_or(0);
        let flags = u32_at(msg, 8).unwrap_or(0);
        let mut link = NsLink {
            index,
            flags,
            flag_names: super::dev::flag_names(flags),
            ..NsLink::default()
        };
        super::netlink::walk_attributes(msg, IFINFOMSG, what, |akind, payload| match akind {
            IFLA_IFNAME => {
                let end = memchr::memchr(0, payload).unwrap_or(payload.len());
                link.name = huoyan_core::text::bytes_to_string(&payload[..end]);
            }
            IFLA_MASTER => link.master = u32_at(payload, 0).filter(|m| *m != 0),
            IFLA_PROMISCUITY => link.promiscuity = u32_at(payload, 0),
            _ => {}
        })?;
        link.promisc =
            flags & super::dev::IFF_PROMISC != 0 || link.promiscuity.is_some_and(|p| p > 0);
        if out.len() < MAX_LINKS {
            out.push(link);
        }
        Ok(())
    })?;
    Ok((out, done))
}

/// Dumps the links of the calling thread's network namespace over a route netlink socket.
pub fn dump_links() -> std::io::Result<Vec<NsLink>> {
    super::netlink::dump(RTM_GETLINK, IFINFOMSG, MAX_LINKS, parse_link_dump)
}

/// Opens a namespace file and checks that it is namespace `inode` (not a reused pid's).
fn open_namespace(path: &std::path::Path, inode: u64) -> std::io::Result<OwnedFd> {
    use rustix::fs::{fstat, open, Mode, OFlags};
    let fd = open(path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())?;
    let st = fstat(&fd)?;
    if st.st_ino != inode {
        return Err(std::io::Error::other(format!(
            "{} is now namespace {}, not {inode}",
            path.display(),
            st.st_ino
        )));
    }
    Ok(fd)
}

/// Enters the namespace `fd` from a thread of its own, dumps its links and lets the thread end.
fn links_in(fd: OwnedFd) -> std::io::Result<Vec<NsLink>> {
    let worker = std::thread::Builder::new()
        .name("huoyan-netns".into())
        .spawn(move || {
            rustix::thread::move_into_link_name_space(
                std::os::fd::AsFd::as_fd(&fd),
                Some(rustix::thread::LinkNameSpaceType::Network),
            )?;
            dump_links()
        })?;
    worker
        .join()
        .unwrap_or_else(|_| Err(std::io::Error::other("namespace reader thread failed")))
}

/// `/run/netns/NAME` bind mounts: namespace inode → names.
fn netns_names(host: &Root, gaps: &mut Vec<Gap>) -> BTreeMap<u64, Vec<String>> {
    let mut names: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let entries = match host.read_dir("/run/netns") {
        Ok(e) => e,
        Err(e) => {
            if !e.is_not_found() {
                gaps.push(Gap::from_error("artifacts.netns", &e));
            }
            return names;
        }
    };
    for entry in entries.iter().take(MAX_NAMESPACES) {
        if let Ok(meta) = host.stat(&entry.path) {
            names
                .entry(meta.ino)
                .or_default()
                .push(huoyan_core::root::display_name(&entry.name));
        }
    }
    names
}

/// Reads every network namespace other than `own_ns`: those of `processes` (pid, its namespace)
/// and those `/run/netns` names. Live host only; needs `CAP_SYS_ADMIN` to enter.
pub fn read_namespaces(
    proc_fs: &ProcFs,
    host: &Root,
    processes: &[(u32, Option<u64>)],
    own_ns: Option<u64>,
) -> (Vec<NetNamespace>, Vec<Gap>) {
    let mut gaps = Vec::new();
    let Some(own_ns) = own_ns else {
        gaps.push(Gap::new(
            "artifacts.netns",
            GapReason::Error,
            "huoyan's own network namespace is unknown (/proc/self/ns/net unreadable): other \
             namespaces' interfaces not read",
        ));
        return (Vec::new(), gaps);
    };
    let names = netns_names(host, &mut gaps);
    let mut members: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
    for &(pid, ns) in processes {
        if let Some(ns) = ns.filter(|ns| *ns != own_ns) {
            members.entry(ns).or_default().push(pid);
        }
    }
    for ns in names.keys() {
        if *ns != own_ns {
            members.entry(*ns).or_default();
        }
    }
    if members.len() > MAX_NAMESPACES {
        gaps.push(Gap::new(
            "artifacts.netns",
            GapReason::Truncated,
            format!(
                "{} network namespaces; only the first {MAX_NAMESPACES} were entered",
                members.len()
            ),
        ));
    }
    let mut out = Vec::new();
    let mut failed = 0usize;
    for (inode, mut pids) in members.into_iter().take(MAX_NAMESPACES) {
        pids.sort_unstable();
        let ns_names = names.get(&inode).cloned().unwrap_or_default();
        // Ways in: a member's ns link (try a few, one may have exited), then the bind mounts.
        let mut ways: Vec<std::path::PathBuf> = pids
            .iter()
            .take(4)
            .map(|pid| proc_fs.base().join(format!("{pid}/ns/net")))
            .collect();
        ways.extend(
            ns_names
                .iter()
                .filter(|n| !n.contains('/') && !n.starts_with('.'))
                .map(|n| host.base().join("run/netns").join(n)),
        );
        let mut last_err = None;
        let mut links = None;
        for way in &ways {
            match open_namespace(way, inode).and_then(links_in) {
                Ok(l) => {
                    links = Some(l);
                    break;
                }
                Err(e) => last_err = Some(format!("{}: {e}", way.display())),
            }
        }
        if links.is_none() {
            failed += 1;
        }
        if links.is_none() && failed <= MAX_NAMESPACE_GAPS {
            gaps.push(Gap {
                area: "artifacts.netns".into(),
                path: ways.first().map(|w| w.display().to_string()),
                reason: if last_err.as_deref().is_some_and(|e| e.contains("ermission")) {
                    GapReason::PermissionDenied
                } else {
                    GapReason::Error
                },
                detail: format!(
                    "network namespace {inode}: its interfaces could not be read ({})",
                    last_err.unwrap_or_else(|| "no way in".into())
                ),
            });
        }
        out.push(NetNamespace {
            inode,
            names: ns_names,
            process_count: pids.len(),
            pids: pids.into_iter().take(64).collect(),
            entered: links.is_some(),
            links: links.unwrap_or_default(),
        });
    }
    if failed > MAX_NAMESPACE_GAPS {
        gaps.push(Gap::new(
            "artifacts.netns",
            GapReason::Error,
            format!(
                "{} more network namespaces whose interfaces could not be read",
                failed - MAX_NAMESPACE_GAPS
            ),
        ));
    }
    (out, gaps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::netlink::{NLMSG_DONE, NLMSG_HDR};

    fn attr(kind: u16, payload: &[u8]) -> Vec<u8> {
        let mut a = Vec::new();
        a.extend_from_slice(&((4 + payload.len()) as u16).to_ne_bytes());
        a.extend_from_slice(&kind.to_ne_bytes());
        a.extend_from_slice(payload);
        while a.len() % 4 != 0 {
            a.push(0);
        }
        a
    }

    fn newlink(index: u32, flags: u32, name: &str, promiscuity: Option<u32>) -> Vec<u8> {
        let mut attrs = attr(IFLA_IFNAME, format!("{name}\0").as_bytes());
        if let Some(p) = promiscuity {
            attrs.extend(attr(IFLA_PROMISCUITY, &p.to_ne_bytes()));
        }
        let mut m = Vec::new();
        let len = (NLMSG_HDR + IFINFOMSG + attrs.len()) as u32;
        m.extend_from_slice(&len.to_ne_bytes());
        m.extend_from_slice(&RTM_NEWLINK.to_ne_bytes());
        m.extend_from_slice(&[0u8; 10]);
        m.extend_from_slice(&[0, 0, 1, 0]);
        m.extend_from_slice(&index.to_ne_bytes());
        m.extend_from_slice(&flags.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(&attrs);
        m
    }

    #[test]
    fn parses_links_and_promiscuity() {
        let mut dump = newlink(1, 0x49, "lo", Some(0));
        dump.extend(newlink(2, 0x1003, "veth-in", Some(1)));
        dump.extend(newlink(3, 0x1103, "eth1", None));
        let mut done = vec![0u8; 20];
        done[0..4].copy_from_slice(&20u32.to_ne_bytes());
        done[4..6].copy_from_slice(&NLMSG_DONE.to_ne_bytes());
        dump.extend(done);
        let (v, complete) = parse_link_dump(&dump).expect("dump");
        assert!(complete);
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].name, "lo");
        assert!(!v[0].promisc);
        assert_eq!(v[1].name, "veth-in");
        assert!(v[1].promisc, "promiscuity count 1 without the flag");
        assert!(v[2].promisc && v[2].flag_names.contains(&"PROMISC"));
    }

    #[test]
    fn truncated_and_garbage_are_errors() {
        let one = newlink(2, 0x1003, "eth0", Some(1));
        assert!(parse_link_dump(&one[..30]).is_err());
        let mut bad = one.clone();
        bad[NLMSG_HDR + IFINFOMSG] = 0xff; // first attribute length now overruns
        assert!(parse_link_dump(&bad).is_err());
        let mut huge = one;
        huge[0..4].copy_from_slice(&u32::MAX.to_ne_bytes());
        assert!(parse_link_dump(&huge).is_err());
        assert_eq!(parse_link_dump(b"\x01\x02").map(|r| r.0.len()), Ok(0));
    }

    #[test]
    fn own_namespace_dump_has_loopback() {
        if let Ok(v) = dump_links() {
            assert!(v.iter().any(|l| l.name == "lo"));
        }
    }

    #[test]
    fn a_reused_pid_is_not_entered() {
        let Some(proc_fs) = ProcFs::live() else {
            return;
        };
        let Some(own) = proc_fs
            .read_link("self/ns/net")
            .ok()
            .and_then(|t| crate::proc::parse_ns_link(&t))
        else {
            return;
        };
        // Our own pid claimed to live in another namespace (as when a pid was reused): its ns
        // file is checked by inode and refused, never entered.
        let me = std::process::id();
        let (v, gaps) = read_namespaces(&proc_fs, &Root::host(), &[(me, Some(own + 1))], Some(own));
        let ns = v.iter().find(|n| n.inode == own + 1).expect("listed");
        assert!(!ns.entered && ns.links.is_empty());
        assert!(gaps
            .iter()
            .any(|g| g.detail.contains(&format!("{}", own + 1))));
        // Without knowing our own namespace nothing is entered.
        let (v, gaps) = read_namespaces(&proc_fs, &Root::host(), &[(me, Some(own))], None);
        assert!(v.is_empty() && gaps.len() == 1);
    }
}
