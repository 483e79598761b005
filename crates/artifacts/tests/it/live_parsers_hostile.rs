//! Every live-artifact parser against hostile input: every prefix of a real sample (truncation at
//! each byte), and pseudo-random garbage. None may panic; the harness only checks they return.

use huoyan_artifacts::net::{addr, dev, netns, route};
use huoyan_artifacts::proc::{
    args, crossview, kernel_stat, link, maps, mountinfo, session, stat, status, tty,
};
use huoyan_artifacts::sockets::{inet, packet, unix, InetProto};
use huoyan_artifacts::{logins, system};

fn feed_all(data: &[u8]) {
    let _ = stat::parse(data);
    let _ = status::parse(data);
    let _ = args::parse_cmdline(data);
    let _ = args::parse_environ(data, args::INTERESTING_ENV);
    let _ = link::parse(data);
    let _ = maps::parse(data);
    let _ = mountinfo::parse(data);
    let _ = kernel_stat::parse_btime(data);
    let _ = crossview::parse_pid_max(data);
    let _ = huoyan_artifacts::proc::parse_ns_link(data);
    let _ = session::parse_id(data);
    let cg = session::parse_cgroup(data);
    if let Some(p) = session::main_path(&cg) {
        let _ = session::container_id(&p);
    }
    let _ = system::parse_tainted(data);
    for proto in InetProto::ALL {
        let _ = inet::parse(data, proto);
    }
    let _ = unix::parse(data);
    let _ = packet::parse(data);
    let _ = dev::parse_dev(data);
    let _ = dev::parse_flags_file(data);
    let _ = route::parse_route(data);
    let _ = route::parse_ipv6_route(data);
    let _ = route::parse_arp(data);
    let _ = addr::parse_if_inet6(data);
    let _ = addr::parse_netlink_dump(data);
    let _ = netns::parse_link_dump(data);
    let _ = system::parse_uptime(data);
    let _ = system::parse_loadavg(data);
    let _ = system::parse_meminfo(data);
    let _ = system::parse_modules(data);
    let _ = logins::sessions(data);
    if data.len() >= 4 {
        let _ = tty::name(u32::from_le_bytes([data[0], data[1], data[2], data[3]]));
    }
}

const SAMPLES: &[&[u8]] = &[
    b"14409 (cat) R 14406 14406 6171 34816 14409 4194304 99 0 0 0 7 3 0 0 20 0 1 0 56218 3133440 360 18446744073709551615 1 2 3 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n",
    b"Name:\tbash\nTgid:\t6171\nPid:\t6171\nPPid:\t1\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\nVmRSS:\t 5120 kB\nThreads:\t1\n",
    b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 40123 1 0000000000000000 100 0 0 10 0\n",
    b"  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0\n",
    b"Num       RefCount Protocol Flags    Type St Inode Path\n0000000016afa5c0: 00000002 00000000 00010000 0001 01 16998 /run/dbus/system_bus_socket\n",
    b"sk               RefCnt Type Proto  Iface R Rmem   User   Inode\nffff8880069b1000 3      3    0003   2     1 0      0      23456\n",
    b"Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0\n",
    b"Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\neth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n",
    b"fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n",
    b"IP address       HW type     Flags       HW address            Mask     Device\n192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0\n",
    b"00000000000000000000000000000001 01 80 10 80       lo\n",
    b"55ab87ffb000-55ab87ffd000 r-xp 00000000 fe:00 247282                     /usr/bin/head (deleted)\n",
    b"MemTotal:        2030000 kB\nMemFree:  100 kB\n",
    b"diamorphine 16384 0 - Live 0xffffffffc0a00000 (OE)\n",
    b"0.97 0.40 0.16 11/163 14441\n",
    b"cpu  1 2 3 4\nbtime 1795903940\n",
    b"/memfd:payload (deleted)",
    b"socket:[19242]",
    // RTM_NEWLINK for lo (little-endian): header, ifinfomsg, IFLA_IFNAME, IFLA_PROMISCUITY.
    b"\x30\x00\x00\x00\x10\x00\x02\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x03\x01\x00\x00\x00\x49\x00\x01\x00\x00\x00\x00\x00\x07\x00\x03\x00lo\x00\x00\x08\x00\x1e\x00\x01\x00\x00\x00",
];

#[test]
fn every_prefix_of_every_sample_is_survived() {
    for sample in SAMPLES {
        for end in 0..=sample.len() {
            feed_all(&sample[..end]);
        }
    }
}

#[test]
fn random_garbage_is_survived() {
    // xorshift: deterministic, no dependency.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet = b"0123456789abcdefABCDEF:()[] \n\t-/.@\x00\xff\x1bLISTENbtimeNameUid";
    for round in 0..3000 {
        let len = (next() % 600) as usize;
        let data: Vec<u8> = (0..len)
            .map(|_| {
                let r = next();
                if round % 2 == 0 {
                    alphabet[(r % alphabet.len() as u64) as usize]
                } else {
                    r as u8
                }
            })
            .collect();
        feed_all(&data);
        // Real samples with one byte flipped.
        let sample = SAMPLES[round % SAMPLES.len()];
        if !sample.is_empty() {
            let mut mutated = sample.to_vec();
            let at = (next() as usize) % mutated.len();
            mutated[at] = next() as u8;
            feed_all(&mutated);
        }
    }
}
