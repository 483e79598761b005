//! `netstat.txt`: the `netstat -anp` view of every namespace's sockets, with owners.

use std::collections::HashMap;
use std::net::IpAddr;

use super::{banner, Table};
use crate::Scene;

pub(crate) fn endpoint(ip: &IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(_) => format!("{ip}:{port}"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("::ffff:{v4}:{port}"),
            None => format!("[{ip}]:{port}"),
        },
    }
}

pub(crate) fn owners(pids: &[u32], names: &HashMap<u32, &str>) -> String {
    if pids.is_empty() {
        return "-".into();
    }
    pids.iter()
        .map(|pid| format!("{pid}/{}", names.get(pid).copied().unwrap_or("?")))
        .collect::<Vec<_>>()
        .join(",")
}

/// Renders the socket tables.
pub fn netstat(scene: &Scene) -> String {
    let names: HashMap<u32, &str> = scene
        .processes
        .iter()
        .map(|p| (p.pid, p.comm.as_str()))
        .collect();
    let own_ns = scene
        .sockets
        .namespaces
        .iter()
        .find(|(_, via)| via.is_none())
        .map(|(ns, _)| *ns);
    let ns_label = |ns: Option<u64>| match ns {
        Some(n) if Some(n) == own_ns => "host".to_string(),
        Some(n) => n.to_string(),
        None => "?".into(),
    };
    let mut out = banner("sockets (netstat -anp)", scene);
    out.push_str("Active Internet connections (servers and established)\n");
    let mut t = Table::new(&[
        "Proto",
        "Recv-Q",
        "Send-Q",
        "Local Address",
        "Foreign Address",
        "State",
        "User",
        "NetNS",
        "PID/Program name",
    ])
    .right(&[1, 2]);
    for s in &scene.sockets.inet {
        let k = &s.socket;
        t.row(vec![
            k.proto.file().into(),
            k.rx_queue.to_string(),
            k.tx_queue.to_string(),
            endpoint(&k.local_ip, k.local_port),
            endpoint(&k.remote_ip, k.remote_port),
            k.state.clone(),
            k.uid.to_string(),
            ns_label(s.owners.net_ns),
            owners(&s.owners.pids, &names),
        ]);
    }
    out.push_str(&t.render());
    out.push_str("\nActive UNIX domain sockets (servers and established)\n");
    let mut u = Table::new(&[
        "Proto",
        "Type",
        "State",
        "I-Node",
        "NetNS",
        "PID/Program name",
        "Path",
    ])
    .right(&[3]);
    for s in &scene.sockets.unix {
        let k = &s.socket;
        u.row(vec![
            "unix".into(),
            k.kind.clone(),
            k.state.clone(),
            k.inode.to_string(),
            ns_label(s.owners.net_ns),
            owners(&s.owners.pids, &names),
            k.path.clone().unwrap_or_default(),
        ]);
    }
    out.push_str(&u.render());
    out.push_str("\nPacket (link-layer) sockets\n");
    let mut pk = Table::new(&[
        "Type",
        "Proto",
        "Ifindex",
        "User",
        "I-Node",
        "NetNS",
        "PID/Program name",
    ]);
    for s in &scene.sockets.packet {
        let k = &s.socket;
        pk.row(vec![
            k.sock_type.to_string(),
            format!("0x{:04x}", k.protocol),
            k.ifindex.to_string(),
            k.uid.to_string(),
            k.inode.to_string(),
            ns_label(s.owners.net_ns),
            owners(&s.owners.pids, &names),
        ]);
    }
    out.push_str(&pk.render());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_owners() {
        let v4: IpAddr = "127.0.0.1".parse().expect("ip");
        let v6: IpAddr = "::1".parse().expect("ip");
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().expect("ip");
        assert_eq!(endpoint(&v4, 80), "127.0.0.1:80");
        assert_eq!(endpoint(&v6, 22), "[::1]:22");
        assert_eq!(endpoint(&mapped, 443), "::ffff:10.0.0.1:443");
        let names: HashMap<u32, &str> = [(7, "sshd")].into_iter().collect();
        assert_eq!(owners(&[7, 9], &names), "7/sshd,9/?");
        assert_eq!(owners(&[], &names), "-");
    }
}
