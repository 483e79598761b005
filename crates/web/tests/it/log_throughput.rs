//! Classifier throughput on real traffic (the common path) and on attack payloads, printed;
//! ignored by default (run in release: `cargo test --release -p huoyan-web --no-default-features
//! --test log_throughput -- --ignored --nocapture`).

use std::time::Instant;

use huoyan_web::logs::classify::classify;
use huoyan_web::logs::parse::parse_line;

fn rate(name: &str, lines: &[String], rounds: usize) {
    let recs: Vec<_> = lines.iter().filter_map(|l| parse_line(l)).collect();
    // Warm the lazy DFAs.
    for r in &recs {
        std::hint::black_box(classify(r));
    }
    let t = Instant::now();
    let mut classified = 0usize;
    for _ in 0..rounds {
        for r in &recs {
            classified += usize::from(!classify(r).classes.is_empty());
        }
    }
    let s = t.elapsed().as_secs_f64();
    let n = recs.len() * rounds;
    println!(
        "{name}: {n} records in {s:.2} s = {:.0} records/s ({classified} classified)",
        n as f64 / s
    );
}

#[test]
#[ignore]
fn classifier_throughput() {
    let dir = huoyan_testkit::corpus("benign-traffic").join("benign-traffic");
    let real: Vec<String> = std::fs::read_to_string(dir.join("apache_logs.log"))
        .expect("apache log")
        .lines()
        .map(str::to_string)
        .collect();
    rate("real apache lines", &real, 20);
    let payloads = huoyan_testkit::corpus("web-payloads").join("payloads-patt/sqli");
    let mut attacks = Vec::new();
    for f in std::fs::read_dir(payloads).expect("dir").flatten() {
        for p in std::fs::read_to_string(f.path())
            .unwrap_or_default()
            .lines()
        {
            let q: String = p
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            attacks.push(format!(
                "203.0.113.9 - - [14/Mar/2025:10:00:00 +0000] \"GET /item.php?id={q}&page=2&sort=name HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0\""
            ));
        }
    }
    rate("sqli payload lines", &attacks, 20);
}
