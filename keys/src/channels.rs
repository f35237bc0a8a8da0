//! The set of SRA channels a user is entitled to.
//!
//! Text forms (case-insensitive, blanks around items ignored, items separated by commas):
//! `all`, `N` or `chN` (0..=4095), ranges `A-B` or `A..=B` (either end may carry `ch`).
//! In a TOML store the set is either one such string or an array of numbers and strings:
//! `channels = "all"`, `channels = [204, 213, "200-210"]`.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

/// The highest SRA channel number (`AXA_OP_CH_MAX`).
pub const MAX_CHANNEL: u16 = 4095;

const WORDS: usize = (MAX_CHANNEL as usize + 1) / 64;

/// A set of channels 0..=4095, stored as a 4096-bit map (`contains` is one load and a mask).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ChannelSet {
    bits: [u64; WORDS],
}

/// Channel text that is not a channel, a range or `all`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid channel {text:?}: {reason}")]
pub struct ChannelSetError {
    text: String,
    reason: &'static str,
}

impl ChannelSetError {
    fn new(text: &str, reason: &'static str) -> ChannelSetError {
        ChannelSetError {
            text: text.to_owned(),
            reason,
        }
    }
}

impl ChannelSet {
    /// No channel.
    pub const fn empty() -> ChannelSet {
        ChannelSet { bits: [0; WORDS] }
    }

    /// Every channel 0..=4095.
    pub const fn all() -> ChannelSet {
        ChannelSet {
            bits: [u64::MAX; WORDS],
        }
    }

    /// Whether `ch` is in the set. Numbers above 4095 (including the wire value 0xFFFF, "all")
    /// are never contained: the server expands "all" to the entitled channels itself.
    pub fn contains(&self, ch: u16) -> bool {
        match self.bits.get(usize::from(ch) / 64) {
            Some(word) => word & (1 << (ch % 64)) != 0,
            None => false,
        }
    }

    /// Adds one channel; numbers above 4095 are refused.
    pub fn insert(&mut self, ch: u16) -> Result<(), ChannelSetError> {
        self.insert_range(ch, ch)
    }

    /// Adds `first..=last`; refused if `first > last` or `last > 4095`.
    pub fn insert_range(&mut self, first: u16, last: u16) -> Result<(), ChannelSetError> {
        if last > MAX_CHANNEL {
            return Err(ChannelSetError::new(&last.to_string(), "above 4095"));
        }
        if first > last {
            return Err(ChannelSetError::new(
                &format!("{first}-{last}"),
                "range is reversed",
            ));
        }
        for ch in first..=last {
            self.bits[usize::from(ch) / 64] |= 1 << (ch % 64);
        }
        Ok(())
    }

    /// Whether every channel 0..=4095 is in the set.
    pub fn is_all(&self) -> bool {
        self.bits.iter().all(|w| *w == u64::MAX)
    }

    /// Whether no channel is in the set.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|w| *w == 0)
    }

    /// Number of channels in the set.
    pub fn len(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The channels in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        (0..=MAX_CHANNEL).filter(|ch| self.contains(*ch))
    }

    /// The set as maximal ascending runs `(first, last)`.
    pub fn runs(&self) -> Vec<(u16, u16)> {
        let mut runs: Vec<(u16, u16)> = Vec::new();
        for ch in self.iter() {
            match runs.last_mut() {
                Some((_, last)) if *last + 1 == ch => *last = ch,
                _ => runs.push((ch, ch)),
            }
        }
        runs
    }

    /// Adds one text item: `all`, `N`, `chN`, `A-B` or `A..=B`.
    fn insert_item(&mut self, item: &str) -> Result<(), ChannelSetError> {
        let t = item.trim();
        if t.eq_ignore_ascii_case("all") {
            *self = ChannelSet::all();
            return Ok(());
        }
        let (first, last) = match t.split_once("..=").or_else(|| t.split_once('-')) {
            Some((a, b)) => (parse_channel(a, item)?, parse_channel(b, item)?),
            None => {
                let ch = parse_channel(t, item)?;
                (ch, ch)
            }
        };
        if first > last {
            return Err(ChannelSetError::new(item, "range is reversed"));
        }
        self.insert_range(first, last)
    }
}

/// `N` or `chN`, N in 0..=4095, digits only (no sign).
fn parse_channel(text: &str, item: &str) -> Result<u16, ChannelSetError> {
    let t = text.trim();
    let digits = match t.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("ch") => &t[2..],
        _ => t,
    };
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ChannelSetError::new(
            item,
            "expected all, N, chN, A-B or A..=B with N in 0..=4095",
        ));
    }
    match digits.parse::<u16>() {
        Ok(n) if n <= MAX_CHANNEL => Ok(n),
        _ => Err(ChannelSetError::new(item, "above 4095")),
    }
}

impl Default for ChannelSet {
    fn default() -> ChannelSet {
        ChannelSet::empty()
    }
}

impl FromStr for ChannelSet {
    type Err = ChannelSetError;

    /// Parses a comma-separated list of items; the empty string is the empty set.
    fn from_str(text: &str) -> Result<ChannelSet, ChannelSetError> {
        let mut set = ChannelSet::empty();
        if text.trim().is_empty() {
            return Ok(set);
        }
        for item in text.split(',') {
            set.insert_item(item)?;
        }
        Ok(set)
    }
}

impl fmt::Display for ChannelSet {
    /// `all`, or comma-separated numbers and `A-B` runs (empty text for the empty set).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("all");
        }
        for (i, (first, last)) in self.runs().into_iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if first == last {
                write!(f, "{first}")?;
            } else {
                write!(f, "{first}-{last}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for ChannelSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChannelSet({self})")
    }
}

impl Serialize for ChannelSet {
    /// `"all"`, or an array of numbers and `"A-B"` strings.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.is_all() {
            return serializer.serialize_str("all");
        }
        let runs = self.runs();
        let mut seq = serializer.serialize_seq(Some(runs.len()))?;
        for (first, last) in runs {
            match last - first {
                0 => seq.serialize_element(&first)?,
                1 => {
                    seq.serialize_element(&first)?;
                    seq.serialize_element(&last)?;
                }
                _ => seq.serialize_element(&format!("{first}-{last}"))?,
            }
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for ChannelSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ChannelSet, D::Error> {
        deserializer.deserialize_any(SetVisitor)
    }
}

struct SetVisitor;

impl<'de> Visitor<'de> for SetVisitor {
    type Value = ChannelSet;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#""all", a string like "204,210-215", or an array like [204, "210-215"]"#)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<ChannelSet, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ChannelSet, A::Error> {
        let mut set = ChannelSet::empty();
        while let Some(item) = seq.next_element::<Item>()? {
            match item {
                Item::Number(n) => set.insert(n).map_err(de::Error::custom)?,
                Item::Text(t) => set.insert_item(&t).map_err(de::Error::custom)?,
            }
        }
        Ok(set)
    }
}

/// One array element: a number or a text item.
enum Item {
    Number(u16),
    Text(String),
}

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Item, D::Error> {
        deserializer.deserialize_any(ItemVisitor)
    }
}

struct ItemVisitor;

impl Visitor<'_> for ItemVisitor {
    type Value = Item;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a channel number 0..=4095 or a string like \"210-215\"")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Item, E> {
        match u16::try_from(v) {
            Ok(n) if n <= MAX_CHANNEL => Ok(Item::Number(n)),
            _ => Err(E::custom(format!("channel {v} is not in 0..=4095"))),
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Item, E> {
        self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Item, E> {
        Ok(Item::Text(v.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_ranges_and_all() {
        let s: ChannelSet = "204, ch213,200-202, 4094..=ch4095".parse().unwrap();
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            [200, 201, 202, 204, 213, 4094, 4095]
        );
        assert!(s.contains(213) && !s.contains(203) && !s.contains(0xFFFF));
        assert_eq!(s.to_string(), "200-202,204,213,4094-4095");
        let all: ChannelSet = " ALL ".parse().unwrap();
        assert!(all.is_all() && all.contains(0) && all.contains(4095) && !all.contains(4096));
        assert_eq!(all.len(), 4096);
        assert!("".parse::<ChannelSet>().unwrap().is_empty());
    }

    #[test]
    fn rejects_bad_items() {
        for bad in [
            "4096", "-1", "+5", "ch", "5-", "10-2", "abc", "1,,2", "99999",
        ] {
            assert!(bad.parse::<ChannelSet>().is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn toml_round_trip() {
        #[derive(Serialize, Deserialize)]
        struct T {
            channels: ChannelSet,
        }
        let t: T = toml::from_str(r#"channels = [204, "210-215", "ch9"]"#).unwrap();
        assert_eq!(t.channels.to_string(), "9,204,210-215");
        let text = toml::to_string(&t).unwrap();
        let back: T = toml::from_str(&text).unwrap();
        assert!(back.channels == t.channels, "{text}");
        let t: T = toml::from_str(r#"channels = "all""#).unwrap();
        assert_eq!(toml::to_string(&t).unwrap().trim(), r#"channels = "all""#);
        assert!(toml::from_str::<T>("channels = [4096]").is_err());
        assert!(toml::from_str::<T>("channels = 5").is_err());
    }
}
