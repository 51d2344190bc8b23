//! Byte encodings of the index: varints, posting lists (gaps or bitmaps, whichever is
//! smaller), bit-packed rows, and base64 to carry bytes inside `.js` files.

/// Why bytes could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("corrupt search index: {0}")]
pub struct CodecError(pub &'static str);

pub fn put_varint(out: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

pub fn get_varint(bytes: &[u8], at: &mut usize) -> Result<u32, CodecError> {
    let mut value: u32 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes
            .get(*at)
            .ok_or(CodecError("varint runs past the end"))?;
        *at += 1;
        value |= u32::from(byte & 0x7f)
            .checked_shl(shift)
            .ok_or(CodecError("varint too long"))?;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(CodecError("varint too long"))
}

/// A sorted, duplicate-free list of document numbers. The first varint is
/// `count << 1 | bitmap`; then either the gaps between numbers (the first from 0), or
/// a base and a bitmap from it to the last number. The base is the first number
/// rounded down to a multiple of 8, so that the browser copies a bitmap's bytes whole
/// into its bitset of all documents (decoders take any base).
pub fn encode_postings(docs: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(docs.len() + 4);
    encode_postings_into(docs, &mut out);
    out
}

/// [`encode_postings`] appended to `out`: the index encodes half a million lists into
/// one reused buffer.
pub fn encode_postings_into(docs: &[u32], out: &mut Vec<u8>) {
    let start = out.len();
    let header = (docs.len() as u32) << 1;
    let bitmap = docs
        .first()
        .zip(docs.last())
        .map(|(&first, &last)| (first & !7, ((last - (first & !7)) / 8 + 1) as usize));
    // Every gap takes a byte or more: a list this dense is a bitmap without counting
    // (the frequent words, most of the postings).
    let dense = bitmap.is_some_and(|(_, len)| len + 10 < varint_len(header) + docs.len());
    if !dense {
        put_varint(out, header);
        let mut previous = 0;
        for (i, &doc) in docs.iter().enumerate() {
            put_varint(out, if i == 0 { doc } else { doc - previous });
            previous = doc;
        }
    }
    let Some((base, bitmap_len)) = bitmap else {
        return;
    };
    if !dense && bitmap_len + 10 >= out.len() - start {
        return;
    }
    out.truncate(start);
    put_varint(out, header | 1);
    put_varint(out, base);
    let bitmap = out.len();
    out.resize(bitmap + bitmap_len, 0);
    for &doc in docs {
        let bit = (doc - base) as usize;
        out[bitmap + bit / 8] |= 1 << (bit % 8);
    }
}

/// The length of [`encode_postings`]'s bytes, without making them: the index sizes
/// half a million lists before writing them. Gaps are counted only until they are
/// sure to take more room than the bitmap.
pub fn encoded_postings_len(docs: &[u32]) -> usize {
    let header = varint_len((docs.len() as u32) << 1);
    let (Some(&first), Some(&last)) = (docs.first(), docs.last()) else {
        return header;
    };
    let base = first & !7;
    let bitmap_len = ((last - base) / 8 + 1) as usize;
    let as_bitmap = varint_len((docs.len() as u32) << 1 | 1) + varint_len(base) + bitmap_len;
    // As in `encode_postings_into`: every gap takes a byte or more.
    if bitmap_len + 10 < header + docs.len() {
        return as_bitmap;
    }
    let mut gaps_len = header;
    let mut previous = 0;
    for &doc in docs {
        gaps_len += varint_len(doc - previous);
        previous = doc;
        if bitmap_len + 10 < gaps_len {
            return as_bitmap;
        }
    }
    gaps_len
}

/// The bytes [`put_varint`] writes for `value`.
fn varint_len(value: u32) -> usize {
    1 + usize::from(value >= 1 << 7)
        + usize::from(value >= 1 << 14)
        + usize::from(value >= 1 << 21)
        + usize::from(value >= 1 << 28)
}

pub fn decode_postings(bytes: &[u8]) -> Result<Vec<u32>, CodecError> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let mut at = 0;
    let header = get_varint(bytes, &mut at)?;
    let count = (header >> 1) as usize;
    let mut docs = Vec::with_capacity(count.min(bytes.len() * 8));
    if header & 1 == 0 {
        let mut doc: u32 = 0;
        for i in 0..count {
            let gap = get_varint(bytes, &mut at)?;
            doc = if i == 0 {
                gap
            } else {
                doc.checked_add(gap).ok_or(CodecError("posting overflow"))?
            };
            docs.push(doc);
        }
    } else {
        let first = get_varint(bytes, &mut at)?;
        for (k, byte) in bytes[at..].iter().enumerate() {
            for bit in 0..8 {
                if byte & (1 << bit) != 0 {
                    let doc = (k as u64 * 8 + bit) + u64::from(first);
                    docs.push(u32::try_from(doc).map_err(|_| CodecError("posting overflow"))?);
                }
            }
        }
        if docs.len() != count {
            return Err(CodecError("bitmap count mismatch"));
        }
    }
    Ok(docs)
}

/// Rows of small numbers, `widths[i]` bits for column `i`, packed least significant
/// bit first, row after row.
pub fn pack_rows(rows: &[Vec<u32>], widths: &[u8]) -> Vec<u8> {
    let row_bits: usize = widths.iter().map(|&w| w as usize).sum();
    let mut out = vec![0u8; (rows.len() * row_bits).div_ceil(8)];
    let mut bit = 0usize;
    for row in rows {
        for (value, &width) in row.iter().zip(widths) {
            for b in 0..width as usize {
                if value >> b & 1 == 1 {
                    out[bit / 8] |= 1 << (bit % 8);
                }
                bit += 1;
            }
        }
    }
    out
}

pub fn unpack_rows(bytes: &[u8], widths: &[u8], rows: usize) -> Result<Vec<Vec<u32>>, CodecError> {
    let row_bits: usize = widths.iter().map(|&w| w as usize).sum();
    if bytes.len() * 8 < rows * row_bits {
        return Err(CodecError("facet chunk too short"));
    }
    let mut bit = 0usize;
    let mut out = Vec::with_capacity(rows);
    for _ in 0..rows {
        let mut row = Vec::with_capacity(widths.len());
        for &width in widths {
            let mut value = 0u32;
            for b in 0..width as usize {
                if bytes[bit / 8] >> (bit % 8) & 1 == 1 {
                    value |= 1 << b;
                }
                bit += 1;
            }
            row.push(value);
        }
        out.push(row);
    }
    Ok(out)
}

/// Bits needed to tell `values` values apart.
pub fn width_for(values: usize) -> u8 {
    let mut width = 0;
    while (1usize << width) < values {
        width += 1;
    }
    width
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (what the browser's `atob` reads).
pub fn base64(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(base64_len(bytes.len()));
    base64_into(bytes, &mut out);
    String::from_utf8(out).expect("base64 is ASCII")
}

/// The length of the [`base64`] form of `len` bytes.
pub fn base64_len(len: usize) -> usize {
    len.div_ceil(3) * 4
}

/// [`base64`] appended to `out`.
pub fn base64_into(bytes: &[u8], out: &mut Vec<u8>) {
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[(n >> (18 - 6 * i) & 63) as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
}

pub fn unbase64(text: &str) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut n = 0u32;
    let mut bits = 0;
    for c in text.bytes().filter(|&c| c != b'=') {
        let v = BASE64
            .iter()
            .position(|&b| b == c)
            .ok_or(CodecError("not base64"))? as u32;
        n = n << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((n >> bits) as u8);
            n &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn postings_round_trip(mut docs in proptest::collection::vec(0u32..200_000, 0..400)) {
            docs.sort_unstable();
            docs.dedup();
            prop_assert_eq!(decode_postings(&encode_postings(&docs)).unwrap(), docs);
        }

        #[test]
        fn dense_postings_round_trip(start in 0u32..1000, len in 1u32..3000, step in 1u32..3) {
            let docs: Vec<u32> = (start..start + len).step_by(step as usize).collect();
            prop_assert_eq!(decode_postings(&encode_postings(&docs)).unwrap(), docs);
        }

        #[test]
        fn postings_length_is_known_without_encoding(
            mut docs in proptest::collection::vec(0u32..200_000, 0..400),
            start in 0u32..100_000,
            dense in 0usize..3000,
            step in 1u32..12,
        ) {
            docs.sort_unstable();
            docs.dedup();
            prop_assert_eq!(encoded_postings_len(&docs), encode_postings(&docs).len());
            let run: Vec<u32> = (start..).step_by(step as usize).take(dense).collect();
            prop_assert_eq!(encoded_postings_len(&run), encode_postings(&run).len());
            let huge = [start, start + (1 << 29)];
            prop_assert_eq!(encoded_postings_len(&huge), encode_postings(&huge).len());
        }

        #[test]
        fn base64_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            prop_assert_eq!(unbase64(&base64(&bytes)).unwrap(), bytes);
        }

        #[test]
        fn rows_round_trip(rows in proptest::collection::vec((0u32..16, 0u32..4, 0u32..2), 0..50)) {
            let rows: Vec<Vec<u32>> = rows.into_iter().map(|(a, b, c)| vec![a, b, c]).collect();
            let widths = [4, 2, 1];
            prop_assert_eq!(unpack_rows(&pack_rows(&rows, &widths), &widths, rows.len()).unwrap(), rows);
        }

        #[test]
        fn decoding_garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let _ = decode_postings(&bytes);
        }
    }

    #[test]
    fn dense_lists_are_bitmaps() {
        let docs: Vec<u32> = (0..10_000).collect();
        assert!(encode_postings(&docs).len() < 1300);
        // A bitmap starts at a multiple of 8.
        let docs: Vec<u32> = (1003..2000).collect();
        let bytes = encode_postings(&docs);
        let mut at = 0;
        assert_eq!(
            get_varint(&bytes, &mut at).unwrap(),
            (997 << 1) | 1,
            "a bitmap"
        );
        assert_eq!(get_varint(&bytes, &mut at).unwrap(), 1000, "its base");
        assert_eq!(
            bytes[at], 0b1111_1000,
            "documents 1003 to 1007 of the first byte"
        );
        assert_eq!(decode_postings(&bytes).unwrap(), docs);
        // Bitmaps from any base still decode (indexes written before the rounding).
        let mut unrounded = vec![(3 << 1) | 1];
        put_varint(&mut unrounded, 1003);
        unrounded.push(0b0000_0101);
        unrounded.push(0b0000_0001);
        assert_eq!(decode_postings(&unrounded).unwrap(), [1003, 1005, 1011]);
        assert_eq!(base64(b"fir"), "Zmly");
        assert_eq!(base64(b"fi"), "Zmk=");
    }
}
