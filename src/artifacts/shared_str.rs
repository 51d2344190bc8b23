//! [`SharedStr`]: a string that many values share one allocation for.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};
use std::sync::Arc;

/// A string shared, not copied: a range of one reference-counted text. Cloning it
/// counts one more reference. The build cache reads a million artifact values at
/// 100k incidents: each part of its table becomes one text that its values point
/// into, instead of an allocation per value. Compared, ordered and hashed as its
/// `str`, so that it can be looked up by one.
#[derive(Clone)]
pub struct SharedStr {
    text: Arc<str>,
    start: u32,
    end: u32,
}

impl SharedStr {
    /// The part `range` of `text`, or `None` when `range` is not a part of it (out of
    /// bounds, not on character boundaries, or past 4 GiB).
    pub fn new(text: &Arc<str>, range: Range<usize>) -> Option<SharedStr> {
        text.get(range.clone())?;
        Some(SharedStr {
            text: text.clone(),
            start: u32::try_from(range.start).ok()?,
            end: u32::try_from(range.end).ok()?,
        })
    }

    // Inlined, as the trait methods below: artifacts are sorted and hashed by value.
    #[inline]
    pub fn as_str(&self) -> &str {
        // Checked by `new` (and whole for the other constructors).
        &self.text[self.start as usize..self.end as usize]
    }

    /// Whether `self` and `other` are the same part of the same text (not merely
    /// equal strings).
    pub fn is_shared_with(&self, other: &SharedStr) -> bool {
        Arc::ptr_eq(&self.text, &other.text) && (self.start, self.end) == (other.start, other.end)
    }
}

impl From<&str> for SharedStr {
    fn from(text: &str) -> SharedStr {
        Arc::<str>::from(text).into()
    }
}

impl From<String> for SharedStr {
    fn from(text: String) -> SharedStr {
        Arc::<str>::from(text).into()
    }
}

impl From<Arc<str>> for SharedStr {
    /// The whole of `text`. Texts over 4 GiB are not values: cut to their first 4 GiB
    /// would be wrong, so this panics on them.
    fn from(text: Arc<str>) -> SharedStr {
        let end = u32::try_from(text.len()).expect("a shared string under 4 GiB");
        SharedStr {
            text,
            start: 0,
            end,
        }
    }
}

impl Deref for SharedStr {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for SharedStr {
    #[inline]
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for SharedStr {
    #[inline]
    fn eq(&self, other: &SharedStr) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedStr {}

impl PartialOrd for SharedStr {
    #[inline]
    fn partial_cmp(&self, other: &SharedStr) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SharedStr {
    #[inline]
    fn cmp(&self, other: &SharedStr) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for SharedStr {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl serde::Serialize for SharedStr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for SharedStr {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<SharedStr, D::Error> {
        String::deserialize(deserializer).map(SharedStr::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn parts_of_one_text_share_it_and_behave_as_their_strings() {
        let text: Arc<str> = Arc::from("évil.example8.8.8.8");
        let domain = SharedStr::new(&text, 0..13).unwrap();
        let address = SharedStr::new(&text, 13..20).unwrap();
        assert_eq!((&*domain, &*address), ("évil.example", "8.8.8.8"));
        assert!(domain.is_shared_with(&domain.clone()));
        assert!(!domain.is_shared_with(&address));
        // Equal to a copy made apart, but not shared with it.
        let apart = SharedStr::from("évil.example");
        assert_eq!(domain, apart);
        assert!(!domain.is_shared_with(&apart));
        assert!(address < domain);
        let hasher = std::collections::hash_map::RandomState::new();
        assert_eq!(hasher.hash_one(&domain), hasher.hash_one("évil.example"));
        assert_eq!(format!("{domain} {address:?}"), "évil.example \"8.8.8.8\"");
        assert_eq!(serde_json::to_string(&address).unwrap(), "\"8.8.8.8\"");
        let back: SharedStr = serde_json::from_str("\"8.8.8.8\"").unwrap();
        assert_eq!(back, address);
    }

    #[test]
    fn ranges_outside_the_text_or_inside_a_character_are_refused() {
        let text: Arc<str> = Arc::from("évil");
        assert!(SharedStr::new(&text, 1..3).is_none());
        assert!(SharedStr::new(&text, 0..6).is_none());
        let (start, end) = (3, 2);
        assert!(SharedStr::new(&text, start..end).is_none());
        assert_eq!(SharedStr::new(&text, 2..5).as_deref(), Some("vil"));
        assert_eq!(SharedStr::new(&text, 5..5).as_deref(), Some(""));
    }
}
