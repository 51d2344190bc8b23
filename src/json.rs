//! Compact JSON, byte for byte as serde_json writes it, for the large files a build
//! writes (the data file's records, the search index's first pages and display rows).
//! Strings are scanned for what needs escaping eight bytes a step, where serde_json
//! looks a byte at a time: a tenth of the text of an incident page is descriptions and
//! timelines written out again as JSON. Only what fir's models hold is written (no maps
//! keyed by anything but text or numbers); floats are left to serde_json.

use std::fmt::{self, Display};

use serde::ser::{self, Serialize};

/// Writes `value` as compact JSON at the end of `out`.
pub fn to_writer<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    value.serialize(&mut Writer { out })
}

/// `value` as compact JSON.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut out = Vec::with_capacity(128);
    to_writer(&mut out, value)?;
    Ok(String::from_utf8(out).expect("JSON of Rust strings is UTF-8"))
}

/// Writes `text` as a JSON string: between quotes, `"`, `\` and control characters
/// escaped as serde_json escapes them (short forms, else `\u00xx`).
pub fn push_str(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(at) = next_special(bytes, from) {
        out.extend_from_slice(&bytes[from..at]);
        push_escape(out, bytes[at]);
        from = at + 1;
    }
    out.extend_from_slice(&bytes[from..]);
    out.push(b'"');
}

/// The first byte from `from` on that JSON escapes: a control character, `"` or `\`.
fn next_special(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Each byte's high bit set where the byte is zero. Only the lowest such bit is
    // sure (a borrow may set the ones above it), and only the lowest is used.
    let zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let mut i = from;
    while i + 8 <= bytes.len() {
        let word = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("eight bytes"));
        let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
        let found =
            below_space | zero(word ^ (ONES * b'"' as u64)) | zero(word ^ (ONES * b'\\' as u64));
        if found != 0 {
            return Some(i + found.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    (i..bytes.len()).find(|&j| needs_escape(bytes[j]))
}

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

fn push_escape(out: &mut Vec<u8>, byte: u8) {
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        0x0C => b'f',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(byte >> 4) as usize]);
            out.push(HEX[(byte & 0xF) as usize]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

/// What cannot be written: a shape fir's models do not have, or a `Serialize` impl's
/// own error.
#[derive(Debug)]
pub struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(message: T) -> Self {
        Error(message.to_string())
    }
}

struct Writer<'o> {
    out: &'o mut Vec<u8>,
}

/// The serializer methods of the integer types, each handing its number to `$write`.
macro_rules! numbers {
    ($write:ident) => {
        numbers!($write: serialize_i8 i8, serialize_i16 i16, serialize_i32 i32,
            serialize_i64 i64, serialize_i128 i128, serialize_u8 u8, serialize_u16 u16,
            serialize_u32 u32, serialize_u64 u64, serialize_u128 u128);
    };
    ($write:ident: $($method:ident $type:ty),*) => {
        $(fn $method(self, v: $type) -> Result<(), Error> {
            self.$write(v)
        })*
    };
}

/// The serializer methods writing a unit variant as its name and a newtype struct as
/// what it wraps, as serde_json does (values and map keys alike).
macro_rules! unit_variants_and_newtypes {
    () => {
        fn serialize_unit_variant(
            self,
            _name: &'static str,
            _index: u32,
            variant: &'static str,
        ) -> Result<(), Error> {
            self.serialize_str(variant)
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _name: &'static str,
            value: &T,
        ) -> Result<(), Error> {
            value.serialize(self)
        }
    };
}

impl Writer<'_> {
    fn integer(&mut self, n: impl Display) -> Result<(), Error> {
        use std::io::Write;
        write!(self.out, "{n}").expect("writing to memory");
        Ok(())
    }

    /// `{"variant":` of an enum variant with data; the caller closes the brace.
    fn open_variant(&mut self, variant: &str) {
        self.out.push(b'{');
        push_str(self.out, variant);
        self.out.push(b':');
    }
}

/// A list or map being written: whether an element was written yet (for commas), and
/// whether an enum variant's brace is to be closed after it.
struct Compound<'w, 'o> {
    writer: &'w mut Writer<'o>,
    first: bool,
    close_variant: bool,
}

impl<'w, 'o> Compound<'w, 'o> {
    fn open(writer: &'w mut Writer<'o>, bracket: u8, close_variant: bool) -> Self {
        writer.out.push(bracket);
        Compound {
            writer,
            first: true,
            close_variant,
        }
    }

    fn comma(&mut self) {
        if !self.first {
            self.writer.out.push(b',');
        }
        self.first = false;
    }

    fn close(self, bracket: u8) {
        self.writer.out.push(bracket);
        if self.close_variant {
            self.writer.out.push(b'}');
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.comma();
        value.serialize(&mut *self.writer)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.comma();
        push_str(self.writer.out, key);
        self.writer.out.push(b':');
        value.serialize(&mut *self.writer)
    }
}

impl<'w, 'o> ser::Serializer for &'w mut Writer<'o> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'w, 'o>;
    type SerializeTuple = Compound<'w, 'o>;
    type SerializeTupleStruct = Compound<'w, 'o>;
    type SerializeTupleVariant = Compound<'w, 'o>;
    type SerializeMap = Compound<'w, 'o>;
    type SerializeStruct = Compound<'w, 'o>;
    type SerializeStructVariant = Compound<'w, 'o>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    numbers!(integer);
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, &v).map_err(ser::Error::custom)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, &v).map_err(ser::Error::custom)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        push_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        push_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        ser::Serializer::collect_seq(self, v)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    unit_variants_and_newtypes!();
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.open_variant(variant);
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'w, 'o>, Error> {
        Ok(Compound::open(self, b'[', false))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Compound<'w, 'o>, Error> {
        Ok(Compound::open(self, b'[', false))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Compound<'w, 'o>, Error> {
        Ok(Compound::open(self, b'[', false))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w, 'o>, Error> {
        self.open_variant(variant);
        Ok(Compound::open(self, b'[', true))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'w, 'o>, Error> {
        Ok(Compound::open(self, b'{', false))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'w, 'o>, Error> {
        Ok(Compound::open(self, b'{', false))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'w, 'o>, Error> {
        self.open_variant(variant);
        Ok(Compound::open(self, b'{', true))
    }
}

/// The serde traits of lists: elements written by [`Compound::element`].
macro_rules! lists {
    ($($trait:ident::$method:ident),*) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.close(b']');
                Ok(())
            }
        }
    )*};
}

lists!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.comma();
        key.serialize(MapKey {
            out: self.writer.out,
        })?;
        self.writer.out.push(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.writer)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b'}');
        Ok(())
    }
}

/// The serde traits of structs: fields written by [`Compound::field`].
macro_rules! structs {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), Error> {
                self.close(b'}');
                Ok(())
            }
        }
    )*};
}

structs!(SerializeStruct, SerializeStructVariant);

/// A map key: text as it is, numbers between quotes (as serde_json writes them).
struct MapKey<'o> {
    out: &'o mut Vec<u8>,
}

impl MapKey<'_> {
    fn quoted(self, n: impl Display) -> Result<(), Error> {
        push_str(self.out, &n.to_string());
        Ok(())
    }
}

fn unsupported_key() -> Error {
    Error("a map key must be text or a number".into())
}

impl ser::Serializer for MapKey<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        push_str(self.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        push_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    unit_variants_and_newtypes!();
    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.quoted(v)
    }
    numbers!(quoted);
    fn serialize_f32(self, _v: f32) -> Result<(), Error> {
        Err(unsupported_key())
    }
    fn serialize_f64(self, _v: f64) -> Result<(), Error> {
        Err(unsupported_key())
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
        Err(unsupported_key())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(unsupported_key())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), Error> {
        Err(unsupported_key())
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(unsupported_key())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(unsupported_key())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(unsupported_key())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(unsupported_key())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(unsupported_key())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(unsupported_key())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(unsupported_key())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(unsupported_key())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(unsupported_key())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(unsupported_key())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde::Serialize;

    /// Every shape this writer takes, to hold it to serde_json.
    #[derive(Debug, Clone, Serialize)]
    enum Shape {
        Unit,
        Newtype(String),
        Tuple(u8, Option<String>),
        Struct { a: i64, b: Vec<bool> },
    }

    #[derive(Debug, Clone, Serialize)]
    struct Record {
        text: String,
        chars: Vec<char>,
        number: u64,
        signed: i32,
        ratio: f64,
        missing: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        shapes: Vec<Shape>,
        by_name: BTreeMap<String, u32>,
        by_number: BTreeMap<u16, String>,
        pair: (String, ()),
        #[serde(flatten)]
        flattened: BTreeMap<String, String>,
    }

    /// Text with what JSON escapes (quotes, backslashes, every control character) at
    /// any place, around runs long enough to be scanned eight bytes at a time.
    fn text() -> impl Strategy<Value = String> {
        "([a-z \"\\\\\u{0}-\u{1f}\u{7f}é€😀/]|[a-z ]{8,20}){0,12}"
    }

    fn shape() -> impl Strategy<Value = Shape> {
        prop_oneof![
            Just(Shape::Unit),
            text().prop_map(Shape::Newtype),
            (any::<u8>(), proptest::option::of(text())).prop_map(|(n, s)| Shape::Tuple(n, s)),
            (any::<i64>(), proptest::collection::vec(any::<bool>(), 0..3))
                .prop_map(|(a, b)| Shape::Struct { a, b }),
        ]
    }

    prop_compose! {
        fn record()(
            text in text(),
            chars in proptest::collection::vec(any::<char>(), 0..4),
            number in any::<u64>(),
            signed in any::<i32>(),
            ratio in prop_oneof![any::<f64>(), Just(f64::NAN), Just(0.1), Just(-0.0)],
            missing in proptest::option::of(text()),
            skipped in proptest::option::of(any::<u8>()),
            shapes in proptest::collection::vec(shape(), 0..4),
            by_name in proptest::collection::btree_map(text(), any::<u32>(), 0..3),
            by_number in proptest::collection::btree_map(any::<u16>(), text(), 0..3),
            extra in proptest::collection::btree_map("[x-z]{1,3}", text(), 0..3),
        ) -> Record {
            Record {
                text, chars, number, signed, ratio, missing, skipped, shapes, by_name,
                by_number, pair: (String::new(), ()), flattened: extra,
            }
        }
    }

    proptest! {
        /// Strings come out exactly as serde_json writes them.
        #[test]
        fn strings_as_serde_json_writes_them(text in text()) {
            let mut ours = Vec::new();
            super::push_str(&mut ours, &text);
            prop_assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(&text).unwrap());
        }

        /// So do records of every shape.
        #[test]
        fn records_as_serde_json_writes_them(record in record()) {
            prop_assert_eq!(
                super::to_string(&record).unwrap(),
                serde_json::to_string(&record).unwrap()
            );
        }
    }

    #[test]
    fn a_map_keyed_by_a_list_is_an_error() {
        let map = BTreeMap::from([(vec![1], 2)]);
        assert!(super::to_string(&map).is_err());
        assert!(serde_json::to_string(&map).is_err());
    }
}
