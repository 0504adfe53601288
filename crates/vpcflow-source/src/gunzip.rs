//! Inflating a gzip'd object that is already in memory with libdeflate, member by member.
//!
//! libdeflate inflates a whole buffer in one call, a third faster than zlib-rs streaming with the CPU's AVX2 and
//! PCLMULQDQ (see BENCHMARKS.md, "Parser"), but it cannot stream and it does not say where a member ends. So it is
//! used only where it cannot change what is read:
//!
//! - the object fits in memory: the reader hands over objects of at most [`MAX_INPUT`] bytes, each object's text
//!   is at most [`MAX_OUTPUT`] bytes, and all the buffers held at once across threads stay under [`BUDGET`];
//! - a member ends where its trailer (CRC-32 and length of what it inflated to, which libdeflate has checked) is
//!   found, and only when that trailer is found exactly once in the rest of the object, so a boundary is never
//!   guessed;
//! - anything libdeflate refuses (a truncated or corrupt member, a header CRC, which libdeflate does not check)
//!   and anything that runs over a limit ends the whole-buffer part: the caller streams the rest of the object
//!   from that member on through flate2, as it streams stdin and big files, so a truncated object still yields its
//!   good prefix and the same error as before.
//!
//! One difference is left on purpose: libdeflate accepts the length and distance codes 286, 287, 30 and 31, which
//! RFC 1951 reserves and zlib refuses; no encoder writes them, and a member using them must still match its CRC.

use std::cell::Cell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::LocalKey;

/// The largest compressed object inflated whole; S3 flow log objects are at most about 75 MB each.
pub(crate) const MAX_INPUT: usize = 64 << 20;

/// The most text one object may inflate to before the rest is streamed.
pub(crate) const MAX_OUTPUT: usize = 128 << 20;

/// The most memory held at once, across all threads, by objects read whole and the text they inflated to. A
/// reader that would go over it streams instead.
pub(crate) const BUDGET: usize = 256 << 20;

/// How many bytes of the object the search for member trailers may look at, per byte of the object. A single
/// member costs one pass; many small members (Firehose) would cost a pass over the rest of the object each, so
/// beyond this the rest is streamed.
const SCAN_PASSES: usize = 4;

/// Bytes held for whole-buffer inflation, across threads.
static HELD: AtomicUsize = AtomicUsize::new(0);

/// A share of [`BUDGET`], given back when dropped.
#[derive(Debug, Default)]
pub(crate) struct Reservation(usize);

impl Reservation {
    /// `bytes` of the budget, or `None` when they are not free.
    pub(crate) fn take(bytes: usize) -> Option<Reservation> {
        let mut r = Reservation::default();
        r.grow(bytes).then_some(r)
    }

    /// `bytes` more; `false` (and nothing taken) when they are not free.
    pub(crate) fn grow(&mut self, bytes: usize) -> bool {
        let taken = HELD.fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
            held.checked_add(bytes).filter(|&h| h <= BUDGET)
        });
        if taken.is_ok() {
            self.0 += bytes;
        }
        taken.is_ok()
    }

    /// Gives back `bytes` (at most what is held).
    pub(crate) fn shrink(&mut self, bytes: usize) {
        let bytes = bytes.min(self.0);
        HELD.fetch_sub(bytes, Ordering::AcqRel);
        self.0 -= bytes;
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        HELD.fetch_sub(self.0, Ordering::AcqRel);
    }
}

/// The largest buffer a thread keeps for its next object (outside [`BUDGET`]: at most two per reading thread).
const MAX_SPARE: usize = 32 << 20;

thread_local! {
    /// The buffer of the text this thread inflated last, for the next object: fresh memory for each object made
    /// the kernel fault in and zero every page again, ~5% of a query over gzip'd text.
    static SPARE_TEXT: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    /// Likewise for the compressed bytes read from a file.
    pub(crate) static SPARE_DATA: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The spare buffer in `which` (empty when there is none); its contents are stale but initialized.
pub(crate) fn spare(which: &'static LocalKey<Cell<Vec<u8>>>) -> Vec<u8> {
    which.take()
}

/// Keeps `buffer` as the spare in `which`, unless it is too big to keep.
pub(crate) fn give_back(which: &'static LocalKey<Cell<Vec<u8>>>, buffer: Vec<u8>) {
    if buffer.capacity() <= MAX_SPARE {
        which.set(buffer);
    }
}

/// Inflated text, whose buffer becomes its thread's spare when dropped.
#[derive(Debug, Default)]
pub(crate) struct Text(Vec<u8>);

impl Deref for Text {
    type Target = Vec<u8>;
    fn deref(&self) -> &Vec<u8> {
        &self.0
    }
}

impl DerefMut for Text {
    fn deref_mut(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

impl AsRef<[u8]> for Text {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Text {
    fn drop(&mut self) {
        give_back(&SPARE_TEXT, std::mem::take(&mut self.0));
    }
}

/// What libdeflate made of an object.
#[derive(Debug)]
pub(crate) struct Inflated {
    /// The text of the members inflated.
    pub(crate) text: Text,
    /// Where the first member not inflated starts: the object's length when every member was.
    pub(crate) rest: usize,
}

/// Inflates the members of `data` (gzip, one member or several back to back) from the first until one cannot be
/// inflated here; the caller streams `data[rest..]`. The text is accounted in `held`.
pub(crate) fn inflate(data: &[u8], held: &mut Reservation) -> Inflated {
    let mut done = Inflated {
        text: Text::default(),
        rest: 0,
    };
    // The last member's length, from the object's last four bytes: the whole text when there is one member.
    let Some(&last_len) = data.last_chunk::<4>() else {
        return done;
    };
    let last_len = u32::from_le_bytes(last_len) as usize;
    // Deflate writes at most 258 bytes in 2 bits, so a larger length is not true of a single member.
    let first_guess = last_len.min(data.len().saturating_mul(1032));
    if last_len > MAX_OUTPUT || !held.grow(first_guess) {
        return done;
    }
    // The thread's spare buffer: its stale contents are written over, and only growth is zeroed.
    let mut text = Text(spare(&SPARE_TEXT));
    if text.len() >= first_guess {
        text.truncate(first_guess);
    } else {
        text.resize(first_guess, 0);
    }
    let mut written = 0;
    let mut scan_budget = data.len().saturating_mul(SCAN_PASSES);
    let mut decompressor = libdeflater::Decompressor::new();
    while done.rest < data.len() {
        let member = &data[done.rest..];
        // flate2 checks a header CRC (FHCRC) and libdeflate skips it: such a member is streamed.
        if member.len() < 4 || member[..3] != [0x1f, 0x8b, 8] || member[3] & 0x02 != 0 {
            break;
        }
        let n = match decompressor.gzip_decompress(member, &mut text[written..]) {
            Ok(n) => n,
            Err(libdeflater::DecompressionError::InsufficientSpace) => {
                // Several members, or more than 4 GiB (the length is kept modulo 2^32): more room, this member
                // again.
                let more = text.len().max(1 << 16).min(MAX_OUTPUT - text.len());
                if more == 0 || !held.grow(more) {
                    break;
                }
                let len = text.len() + more;
                text.resize(len, 0);
                continue;
            }
            Err(libdeflater::DecompressionError::BadData) => break,
        };
        let Some(end) = member_end(member, &text[written..written + n], &mut scan_budget) else {
            break;
        };
        written += n;
        done.rest += end;
    }
    held.shrink(text.len() - written);
    text.truncate(written);
    done.text = text;
    done
}

/// Where the member at the start of `member` ends, given that libdeflate inflated it to `text` and so found its
/// trailer (CRC-32 and length of `text`) right after its deflate stream. The trailer cannot start before the
/// header and the shortest deflate stream (2 bytes) end; it is the first place after that where those 8 bytes
/// stand, and it is known to be that place only when they stand nowhere later. `None` when they do, or when
/// looking would cost more than `budget`.
fn member_end(member: &[u8], text: &[u8], budget: &mut usize) -> Option<usize> {
    let earliest = header_len(member)? + 2;
    let len = (text.len() as u32).to_le_bytes();
    // One member to the end of the object (the common case): the first length field is the object's last four
    // bytes, so the trailer, which cannot come before it, is there.
    let first_len = find_from(member, &len, earliest + 4, budget)?;
    if first_len + 4 == member.len() {
        return Some(member.len());
    }
    let mut trailer = [0u8; 8];
    trailer[..4].copy_from_slice(&libdeflater::crc32(text).to_le_bytes());
    trailer[4..].copy_from_slice(&len);
    let at = find_from(member, &trailer, first_len - 4, budget)?;
    // Occurrences may overlap, so the next search starts one byte on.
    match find_from(member, &trailer, at + 1, budget) {
        None if *budget > 0 => Some(at + 8),
        _ => None,
    }
}

/// The length of the gzip header at the start of `member` (RFC 1952 2.3; without a header CRC, which is not
/// inflated here), `None` when it runs past the end.
fn header_len(member: &[u8]) -> Option<usize> {
    let flags = *member.get(3)?;
    let mut len = 10;
    if flags & 0x04 != 0 {
        let extra = member.get(len..len + 2)?;
        len += 2 + usize::from(u16::from_le_bytes([extra[0], extra[1]]));
    }
    for field in [0x08, 0x10] {
        if flags & field != 0 {
            len += memchr::memchr(0, member.get(len..)?)? + 1;
        }
    }
    (len <= member.len()).then_some(len)
}

/// The first place at or after `from` where `needle` stands in `haystack`, charging what is looked at to
/// `budget`; `None` when it stands nowhere or the budget runs out (the budget then reads 0).
fn find_from(haystack: &[u8], needle: &[u8], from: usize, budget: &mut usize) -> Option<usize> {
    let rest = haystack.get(from..)?;
    let found = memchr::memmem::find(rest, needle);
    let looked = found.map_or(rest.len(), |at| at + needle.len());
    if looked > *budget {
        *budget = 0;
        return None;
    }
    *budget -= looked;
    found.map(|at| from + at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::{Read, Write};

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(text).unwrap();
        gz.finish().unwrap()
    }

    fn flate2(data: &[u8]) -> (Vec<u8>, Option<String>) {
        let mut out = Vec::new();
        let e = flate2::read::MultiGzDecoder::new(data)
            .read_to_end(&mut out)
            .err();
        (out, e.map(|e| e.to_string()))
    }

    /// Inflates whole what it can and streams the rest, as the reader does.
    fn both(data: &[u8]) -> (Inflated, Vec<u8>, Option<String>) {
        let mut held = Reservation::default();
        let done = inflate(data, &mut held);
        assert_eq!(held.0, done.text.len());
        let mut text = done.text.to_vec();
        let mut error = None;
        if done.rest < data.len() {
            let (more, e) = flate2(&data[done.rest..]);
            text.extend(more);
            error = e;
        }
        (done, text, error)
    }

    /// Equal text and error, without printing megabytes when they are not.
    #[track_caller]
    fn same(got: (Vec<u8>, Option<String>), expected: (Vec<u8>, Option<String>)) {
        assert_eq!(got.0.len(), expected.0.len());
        assert!(got.0 == expected.0);
        assert_eq!(got.1, expected.1);
    }

    fn lines(n: usize, seed: u64) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..n as u64 {
            let x = (i + seed).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            writeln!(
                out,
                "2 123456789012 eni-{:017x} 10.0.{}.{} 443 ACCEPT OK",
                x >> 8,
                x % 256,
                x % 7
            )
            .unwrap();
        }
        out
    }

    #[test]
    fn one_member_is_inflated_whole() {
        let text = lines(5000, 1);
        let (done, out, error) = both(&gzip(&text));
        assert!(*done.text == text);
        same((out, error), (text, None));
    }

    #[test]
    fn members_back_to_back_are_inflated_one_by_one() {
        let parts = [lines(3000, 1), lines(10, 2), Vec::new(), lines(7000, 3)];
        let data: Vec<u8> = parts.iter().flat_map(|p| gzip(p)).collect();
        let (done, out, error) = both(&data);
        assert_eq!(done.rest, data.len());
        assert!(*done.text == parts.concat());
        same((out, error), (parts.concat(), None));
    }

    /// `cat a.gz a.gz`: the first member's trailer stands twice, so where it ends is not known here.
    #[test]
    fn the_same_member_twice_is_streamed() {
        let one = gzip(&lines(100, 1));
        let data = [one.clone(), one.clone()].concat();
        let (done, out, error) = both(&data);
        assert_eq!(done.rest, 0);
        same((out, error), flate2(&data));
    }

    #[test]
    fn a_truncated_member_keeps_what_came_before_and_streams_the_rest() {
        let first = gzip(&lines(200, 1));
        let second = gzip(&lines(20_000, 2));
        // Cut where the last four bytes, read as the length of the text, are under the limit, so that the first
        // member is inflated here; elsewhere everything is streamed.
        let cut = (second.len() / 2..second.len())
            .find(|&cut| u32::from_le_bytes(second[cut - 4..cut].try_into().unwrap()) < 1 << 20)
            .unwrap();
        for cut in [cut, second.len() / 2, 3] {
            let data = [&first[..], &second[..cut]].concat();
            let (done, out, error) = both(&data);
            let expected = flate2(&data);
            assert!(expected.1.is_some());
            same((out, error), expected);
            if u32::from_le_bytes(data[data.len() - 4..].try_into().unwrap()) < 1 << 20 {
                assert_eq!(done.rest, first.len(), "cut at {cut}");
            }
        }
    }

    #[test]
    fn garbage_after_a_member_is_streamed() {
        let first = gzip(&lines(200, 1));
        for tail in [
            &b"\0\0\0\0"[..],
            b"\x1f\x8b\0\0",
            b"\x1f\x8b\x08\0\0\0\0\0",
            b"not gzip\0\0\0\0",
        ] {
            let data = [&first[..], tail].concat();
            let (done, out, error) = both(&data);
            assert_eq!(done.rest, first.len(), "{tail:?}");
            let expected = flate2(&data);
            assert!(expected.1.is_some());
            same((out, error), expected);
        }
    }

    #[test]
    fn a_header_crc_is_left_to_flate2() {
        let mut data = gzip(b"2 x\n");
        data[3] |= 0x02;
        data.splice(10..10, [0u8, 0]);
        let (done, out, error) = both(&data);
        assert_eq!(done.rest, 0);
        same((out, error), flate2(&data));
    }

    /// The last four bytes may promise anything: more than the limit is streamed, less is grown into.
    #[test]
    fn the_length_in_the_trailer_is_not_trusted() {
        let text = lines(3000, 1);
        let big = [gzip(&text), gzip(b"")].concat();
        let (done, out, _) = both(&big);
        assert_eq!(done.rest, big.len());
        assert!(out == text);
        let mut lying = gzip(&text);
        let n = lying.len();
        lying[n - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
        let (done, out, error) = both(&lying);
        assert_eq!(done.rest, 0);
        same((out, error), flate2(&lying));
    }

    #[test]
    fn the_budget_is_shared_and_given_back() {
        let mut r = Reservation::take(1000).unwrap();
        assert!(Reservation::take(BUDGET).is_none());
        assert!(r.grow(10));
        r.shrink(5);
        assert_eq!(r.0, 1005);
        drop(r);
    }
}
