//! Multi-buffer MD5: eight files hashed at once, one per AVX2 lane.
//!
//! dpkg records MD5 for every packaged file, and MD5 of one stream cannot be parallelised: each
//! block depends on the previous one. Eight *independent* streams can: the same 64 steps run on
//! eight 32-bit lanes of a 256-bit register, so one core hashes eight files for little more than
//! the cost of one. This is what makes full package verification several times faster than
//! `dpkg --verify` even on a two-core machine. Each worker thread keeps its eight lanes busy by
//! pulling the next file from a shared queue as soon as a lane finishes; when the queue is empty
//! and at most two lanes remain, they are finished with scalar MD5 from their current state.
//!
//! Files are opened through [`Root`] like everywhere else. Without AVX2 (or off x86-64) the
//! caller falls back to the scalar hasher ([`available`] says which).

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use huoyan_core::{Root, RootError};

/// What hashing one file gives: hex MD5, bytes read, the first four bytes.
pub type Hashed = Result<(String, u64, [u8; 4]), RootError>;

const K: [u32; 64] = [
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
];
const S: [u32; 64] = [
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9,
    14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15,
    21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
];
const INIT: [u32; 4] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
const LANES: usize = 8;
const CHUNK: usize = 128 * 1024;

fn message_index(i: usize) -> usize {
    match i / 16 {
        0 => i,
        1 => (5 * i + 1) % 16,
        2 => (3 * i + 5) % 16,
        _ => (7 * i) % 16,
    }
}

/// True when the eight-lane path can run on this CPU.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// One MD5 block on one state (scalar), used to finish the last lanes.
fn compress1(state: &mut [u32; 4], block: &[u8; 64]) {
    let mut w = [0u32; 16];
    for (i, word) in w.iter_mut().enumerate() {
        *word = u32::from_le_bytes([
            block[4 * i],
            block[4 * i + 1],
            block[4 * i + 2],
            block[4 * i + 3],
        ]);
    }
    let [mut a, mut b, mut c, mut d] = *state;
    for i in 0..64 {
        let f = match i / 16 {
            0 => (b & c) | (!b & d),
            1 => (d & b) | (!d & c),
            2 => b ^ c ^ d,
            _ => c ^ (b | !d),
        };
        let x = a
            .wrapping_add(f)
            .wrapping_add(K[i])
            .wrapping_add(w[message_index(i)]);
        let tmp = d;
        d = c;
        c = b;
        b = b.wrapping_add(x.rotate_left(S[i]));
        a = tmp;
    }
    state[0] = state[0].wrapping_add(a);
    state[1] = state[1].wrapping_add(b);
    state[2] = state[2].wrapping_add(c);
    state[3] = state[3].wrapping_add(d);
}

/// Eight MD5 blocks on eight states at once (the 64 steps unrolled, shifts as immediates).
///
/// # Safety
/// The CPU must support AVX2 ([`available`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn compress8(state: &mut [[u32; LANES]; 4], blocks: &[[u8; 64]; LANES]) {
    use std::arch::x86_64::*;
    // SAFETY: AVX2 is enabled for this function; every load and store is an unaligned variant on
    // an array of exactly eight u32 (32 bytes).
    unsafe {
        let mut t = [[0u32; LANES]; 16];
        for (lane, block) in blocks.iter().enumerate() {
            for (i, row) in t.iter_mut().enumerate() {
                row[lane] = u32::from_le_bytes([
                    block[4 * i],
                    block[4 * i + 1],
                    block[4 * i + 2],
                    block[4 * i + 3],
                ]);
            }
        }
        let w: [__m256i; 16] = std::array::from_fn(|i| _mm256_loadu_si256(t[i].as_ptr().cast()));
        let ones = _mm256_set1_epi32(-1);
        macro_rules! ff {
            ($b:expr, $c:expr, $d:expr) => {
                _mm256_xor_si256($d, _mm256_and_si256($b, _mm256_xor_si256($c, $d)))
            };
        }
        macro_rules! gg {
            ($b:expr, $c:expr, $d:expr) => {
                _mm256_xor_si256($c, _mm256_and_si256($d, _mm256_xor_si256($b, $c)))
            };
        }
        macro_rules! hh {
            ($b:expr, $c:expr, $d:expr) => {
                _mm256_xor_si256(_mm256_xor_si256($b, $c), $d)
            };
        }
        macro_rules! ii {
            ($b:expr, $c:expr, $d:expr) => {
                _mm256_xor_si256($c, _mm256_or_si256($b, _mm256_xor_si256($d, ones)))
            };
        }
        macro_rules! step {
            ($f:ident, $a:ident, $b:ident, $c:ident, $d:ident, $w:expr, $k:expr, $s:literal) => {
                let x = _mm256_add_epi32(
                    _mm256_add_epi32($a, $f!($b, $c, $d)),
                    _mm256_add_epi32(_mm256_set1_epi32($k as i32), $w),
                );
                $a = _mm256_add_epi32(
                    $b,
                    _mm256_or_si256(
                        _mm256_slli_epi32::<$s>(x),
                        _mm256_srli_epi32::<{ 32 - $s }>(x),
                    ),
                );
            };
        }
        let load = |v: &[u32; LANES]| _mm256_loadu_si256(v.as_ptr().cast());
        let (aa, bb, cc, dd) = (
            load(&state[0]),
            load(&state[1]),
            load(&state[2]),
            load(&state[3]),
        );
        let (mut a, mut b, mut c, mut d) = (aa, bb, cc, dd);
        step!(ff, a, b, c, d, w[0], 0xd76aa478u32, 7);
        step!(ff, d, a, b, c, w[1], 0xe8c7b756u32, 12);
        step!(ff, c, d, a, b, w[2], 0x242070dbu32, 17);
        step!(ff, b, c, d, a, w[3], 0xc1bdceeeu32, 22);
        step!(ff, a, b, c, d, w[4], 0xf57c0fafu32, 7);
        step!(ff, d, a, b, c, w[5], 0x4787c62au32, 12);
        step!(ff, c, d, a, b, w[6], 0xa8304613u32, 17);
        step!(ff, b, c, d, a, w[7], 0xfd469501u32, 22);
        step!(ff, a, b, c, d, w[8], 0x698098d8u32, 7);
        step!(ff, d, a, b, c, w[9], 0x8b44f7afu32, 12);
        step!(ff, c, d, a, b, w[10], 0xffff5bb1u32, 17);
        step!(ff, b, c, d, a, w[11], 0x895cd7beu32, 22);
        step!(ff, a, b, c, d, w[12], 0x6b901122u32, 7);
        step!(ff, d, a, b, c, w[13], 0xfd987193u32, 12);
        step!(ff, c, d, a, b, w[14], 0xa679438eu32, 17);
        step!(ff, b, c, d, a, w[15], 0x49b40821u32, 22);
        step!(gg, a, b, c, d, w[1], 0xf61e2562u32, 5);
        step!(gg, d, a, b, c, w[6], 0xc040b340u32, 9);
        step!(gg, c, d, a, b, w[11], 0x265e5a51u32, 14);
        step!(gg, b, c, d, a, w[0], 0xe9b6c7aau32, 20);
        step!(gg, a, b, c, d, w[5], 0xd62f105du32, 5);
        step!(gg, d, a, b, c, w[10], 0x02441453u32, 9);
        step!(gg, c, d, a, b, w[15], 0xd8a1e681u32, 14);
        step!(gg, b, c, d, a, w[4], 0xe7d3fbc8u32, 20);
        step!(gg, a, b, c, d, w[9], 0x21e1cde6u32, 5);
        step!(gg, d, a, b, c, w[14], 0xc33707d6u32, 9);
        step!(gg, c, d, a, b, w[3], 0xf4d50d87u32, 14);
        step!(gg, b, c, d, a, w[8], 0x455a14edu32, 20);
        step!(gg, a, b, c, d, w[13], 0xa9e3e905u32, 5);
        step!(gg, d, a, b, c, w[2], 0xfcefa3f8u32, 9);
        step!(gg, c, d, a, b, w[7], 0x676f02d9u32, 14);
        step!(gg, b, c, d, a, w[12], 0x8d2a4c8au32, 20);
        step!(hh, a, b, c, d, w[5], 0xfffa3942u32, 4);
        step!(hh, d, a, b, c, w[8], 0x8771f681u32, 11);
        step!(hh, c, d, a, b, w[11], 0x6d9d6122u32, 16);
        step!(hh, b, c, d, a, w[14], 0xfde5380cu32, 23);
        step!(hh, a, b, c, d, w[1], 0xa4beea44u32, 4);
        step!(hh, d, a, b, c, w[4], 0x4bdecfa9u32, 11);
        step!(hh, c, d, a, b, w[7], 0xf6bb4b60u32, 16);
        step!(hh, b, c, d, a, w[10], 0xbebfbc70u32, 23);
        step!(hh, a, b, c, d, w[13], 0x289b7ec6u32, 4);
        step!(hh, d, a, b, c, w[0], 0xeaa127fau32, 11);
        step!(hh, c, d, a, b, w[3], 0xd4ef3085u32, 16);
        step!(hh, b, c, d, a, w[6], 0x04881d05u32, 23);
        step!(hh, a, b, c, d, w[9], 0xd9d4d039u32, 4);
        step!(hh, d, a, b, c, w[12], 0xe6db99e5u32, 11);
        step!(hh, c, d, a, b, w[15], 0x1fa27cf8u32, 16);
        step!(hh, b, c, d, a, w[2], 0xc4ac5665u32, 23);
        step!(ii, a, b, c, d, w[0], 0xf4292244u32, 6);
        step!(ii, d, a, b, c, w[7], 0x432aff97u32, 10);
        step!(ii, c, d, a, b, w[14], 0xab9423a7u32, 15);
        step!(ii, b, c, d, a, w[5], 0xfc93a039u32, 21);
        step!(ii, a, b, c, d, w[12], 0x655b59c3u32, 6);
        step!(ii, d, a, b, c, w[3], 0x8f0ccc92u32, 10);
        step!(ii, c, d, a, b, w[10], 0xffeff47du32, 15);
        step!(ii, b, c, d, a, w[1], 0x85845dd1u32, 21);
        step!(ii, a, b, c, d, w[8], 0x6fa87e4fu32, 6);
        step!(ii, d, a, b, c, w[15], 0xfe2ce6e0u32, 10);
        step!(ii, c, d, a, b, w[6], 0xa3014314u32, 15);
        step!(ii, b, c, d, a, w[13], 0x4e0811a1u32, 21);
        step!(ii, a, b, c, d, w[4], 0xf7537e82u32, 6);
        step!(ii, d, a, b, c, w[11], 0xbd3af235u32, 10);
        step!(ii, c, d, a, b, w[2], 0x2ad7d2bbu32, 15);
        step!(ii, b, c, d, a, w[9], 0xeb86d391u32, 21);
        for (row, (v, orig)) in state.iter_mut().zip([(a, aa), (b, bb), (c, cc), (d, dd)]) {
            _mm256_storeu_si256(row.as_mut_ptr().cast(), _mm256_add_epi32(v, orig));
        }
    }
}

/// One file being hashed in a lane.
struct Stream {
    job: usize,
    file: std::fs::File,
    shown: String,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    total: u64,
    head: [u8; 4],
    eof: bool,
    tail: Vec<u8>,
    tail_pos: usize,
}

impl Stream {
    fn new(job: usize, file: std::fs::File, shown: String, buf: Vec<u8>) -> Self {
        Stream {
            job,
            file,
            shown,
            buf,
            pos: 0,
            len: 0,
            total: 0,
            head: [0; 4],
            eof: false,
            tail: Vec::new(),
            tail_pos: 0,
        }
    }

    /// The next 64-byte block (message or padding); `Ok(true)` when it is the last one.
    fn next_block(&mut self, out: &mut [u8; 64]) -> std::io::Result<bool> {
        if !self.eof {
            if self.len - self.pos < 64 {
                self.buf.copy_within(self.pos..self.len, 0);
                self.len -= self.pos;
                self.pos = 0;
                while self.len < 64 {
                    let n = match self.file.read(&mut self.buf[self.len..]) {
                        Ok(n) => n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(e),
                    };
                    if n == 0 {
                        break;
                    }
                    if self.total < 4 {
                        let start = self.total as usize;
                        let take = (4 - start).min(n);
                        self.head[start..start + take]
                            .copy_from_slice(&self.buf[self.len..self.len + take]);
                    }
                    self.total += n as u64;
                    self.len += n;
                }
            }
            if self.len - self.pos >= 64 {
                out.copy_from_slice(&self.buf[self.pos..self.pos + 64]);
                self.pos += 64;
                return Ok(false);
            }
            // End of data: the remainder, 0x80, zeros, and the length in bits.
            let mut tail = self.buf[self.pos..self.len].to_vec();
            tail.push(0x80);
            while tail.len() % 64 != 56 {
                tail.push(0);
            }
            tail.extend_from_slice(&self.total.wrapping_mul(8).to_le_bytes());
            self.tail = tail;
            self.eof = true;
        }
        out.copy_from_slice(&self.tail[self.tail_pos..self.tail_pos + 64]);
        self.tail_pos += 64;
        Ok(self.tail_pos == self.tail.len())
    }

    fn digest(state: [u32; 4]) -> String {
        let mut bytes = [0u8; 16];
        for (i, s) in state.iter().enumerate() {
            bytes[4 * i..4 * i + 4].copy_from_slice(&s.to_le_bytes());
        }
        hex::encode(bytes)
    }
}

/// Hashes every path (inside the root) with MD5, eight lanes per worker thread. Results are in
/// the order of `paths`. Call only when [`available`] is true.
pub fn hash_many(root: &Root, paths: &[&Path], threads: usize) -> Vec<Hashed> {
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<Hashed>> = (0..paths.len()).map(|_| None).collect();
    let collected: Vec<Vec<(usize, Hashed)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| scope.spawn(|| worker(root, paths, &next)))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    for (i, h) in collected.into_iter().flatten() {
        if let Some(slot) = results.get_mut(i) {
            *slot = Some(h);
        }
    }
    results
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|| {
                Err(RootError::Io {
                    path: paths[i].display().to_string(),
                    source: std::io::Error::other("not hashed"),
                })
            })
        })
        .collect()
}

fn worker(root: &Root, paths: &[&Path], next: &AtomicUsize) -> Vec<(usize, Hashed)> {
    let mut done = Vec::new();
    let mut lanes: Vec<Option<Stream>> = (0..LANES).map(|_| None).collect();
    let mut state = [[0u32; LANES]; 4];
    let mut blocks = [[0u8; 64]; LANES];
    let mut queue_empty = false;
    // Read buffers are reused from finished streams (no 128 KiB allocation per file).
    let mut spare: Vec<Vec<u8>> = Vec::new();
    loop {
        // Fill free lanes from the shared queue.
        for (l, lane) in lanes.iter_mut().enumerate() {
            while lane.is_none() && !queue_empty {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = paths.get(i) else {
                    queue_empty = true;
                    break;
                };
                match root.open(path) {
                    Ok(file) => {
                        for row in state.iter_mut().zip(INIT) {
                            row.0[l] = row.1;
                        }
                        let buf = spare.pop().unwrap_or_else(|| vec![0u8; CHUNK]);
                        *lane = Some(Stream::new(i, file, path.display().to_string(), buf));
                    }
                    Err(e) => done.push((i, Err(e))),
                }
            }
        }
        let active = lanes.iter().filter(|l| l.is_some()).count();
        if active == 0 {
            return done;
        }
        if queue_empty && active <= 2 {
            // Finish the stragglers one by one (scalar, from their current state).
            for (l, lane) in lanes.iter_mut().enumerate() {
                if let Some(mut s) = lane.take() {
                    let mut st = [state[0][l], state[1][l], state[2][l], state[3][l]];
                    let mut block = [0u8; 64];
                    let result = loop {
                        match s.next_block(&mut block) {
                            Ok(last) => {
                                compress1(&mut st, &block);
                                if last {
                                    break Ok((Stream::digest(st), s.total, s.head));
                                }
                            }
                            Err(e) => break Err(RootError::from_io(s.shown.clone(), e)),
                        }
                    };
                    done.push((s.job, result));
                }
            }
            continue;
        }
        let mut last = [false; LANES];
        for (l, lane) in lanes.iter_mut().enumerate() {
            let Some(s) = lane else { continue };
            match s.next_block(&mut blocks[l]) {
                Ok(is_last) => last[l] = is_last,
                Err(e) => {
                    done.push((s.job, Err(RootError::from_io(s.shown.clone(), e))));
                    *lane = None;
                }
            }
        }
        #[cfg(target_arch = "x86_64")]
        // SAFETY: hash_many is only called when `available()` confirmed AVX2.
        unsafe {
            compress8(&mut state, &blocks)
        };
        #[cfg(not(target_arch = "x86_64"))]
        for l in 0..LANES {
            let mut st = [state[0][l], state[1][l], state[2][l], state[3][l]];
            compress1(&mut st, &blocks[l]);
            for r in 0..4 {
                state[r][l] = st[r];
            }
        }
        for (l, lane) in lanes.iter_mut().enumerate() {
            if last[l] {
                if let Some(s) = lane.take() {
                    let st = [state[0][l], state[1][l], state[2][l], state[3][l]];
                    done.push((s.job, Ok((Stream::digest(st), s.total, s.head))));
                    spare.push(s.buf);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use md5::Digest;

    fn reference(data: &[u8]) -> String {
        hex::encode(md5::Md5::digest(data))
    }

    #[test]
    fn scalar_block_matches_reference() {
        for len in [0usize, 1, 55, 56, 63, 64, 65, 119, 120, 1000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
            let mut st = INIT;
            let mut padded = data.clone();
            padded.push(0x80);
            while padded.len() % 64 != 56 {
                padded.push(0);
            }
            padded.extend_from_slice(&((len as u64) * 8).to_le_bytes());
            for block in padded.chunks_exact(64) {
                compress1(&mut st, block.try_into().expect("64"));
            }
            assert_eq!(Stream::digest(st), reference(&data), "len {len}");
        }
    }

    #[test]
    fn many_files_of_every_length_match_reference() {
        if !available() {
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let mut expected = Vec::new();
        let mut names = Vec::new();
        // Lengths around block and chunk boundaries, plus a large one so lanes finish apart.
        let mut lengths: Vec<usize> = (0..140).collect();
        lengths.extend([CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17, 1_000_003]);
        for (i, len) in lengths.iter().enumerate() {
            let data: Vec<u8> = (0..*len).map(|j| (j * 31 + i) as u8).collect();
            let name = format!("f{i}");
            std::fs::write(dir.path().join(&name), &data).expect("write");
            expected.push((reference(&data), *len as u64));
            names.push(std::path::PathBuf::from(format!("/{name}")));
        }
        names.push("/missing".into());
        let root = Root::new(dir.path()).expect("root");
        let refs: Vec<&Path> = names.iter().map(|p| p.as_path()).collect();
        for threads in [1, 3] {
            let got = hash_many(&root, &refs, threads);
            assert_eq!(got.len(), refs.len());
            for (i, (hex, len)) in expected.iter().enumerate() {
                let (h, n, _) = got[i].as_ref().expect("hashed");
                assert_eq!((h, n), (hex, len), "file {i}");
            }
            assert!(got.last().expect("last").is_err());
        }
    }
}
