//! Finds the line and column of a path (`buyers[2].hosts[0]`) in a YAML document.
//!
//! serde_yaml reports positions only for errors raised while deserializing. Checks that look
//! across items (duplicate names, a host claimed by two buyers) run after parsing, when positions
//! are gone; to name the line anyway we walk the document again with a probe that fails exactly
//! at the path, and read the position serde_yaml attaches to that failure.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(&'static str),
    Index(usize),
}

/// A path into the config document, also shown in messages (`proxies[1].name`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YamlPath(pub Vec<Step>);

impl YamlPath {
    /// The path with one more key.
    pub fn key(&self, key: &'static str) -> YamlPath {
        let mut steps = self.0.clone();
        steps.push(Step::Key(key));
        YamlPath(steps)
    }

    /// The path with one more index.
    pub fn index(&self, index: usize) -> YamlPath {
        let mut steps = self.0.clone();
        steps.push(Step::Index(index));
        YamlPath(steps)
    }
}

impl fmt::Display for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(k) if i == 0 => write!(f, "{k}")?,
                Step::Key(k) => write!(f, ".{k}")?,
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

const FOUND: &str = "surplus: located";

/// 1-based (line, column) of the node at `path` in `text`, if it is there.
pub fn locate(text: &str, path: &YamlPath) -> Option<(usize, usize)> {
    let err = Probe(&path.0).deserialize(serde_yaml::Deserializer::from_str(text)).err()?;
    if !err.to_string().contains(FOUND) {
        return None;
    }
    err.location().map(|l| (l.line(), l.column()))
}

struct Probe<'p>(&'p [Step]);

impl<'de> DeserializeSeed<'de> for Probe<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Probe<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.0.split_first() else {
            return Err(de::Error::custom(FOUND));
        };
        while let Some(key) = map.next_key::<serde_yaml::Value>()? {
            match (first, key.as_str()) {
                (Step::Key(want), Some(k)) if k == *want => map.next_value_seed(Probe(rest))?,
                _ => map.next_value::<IgnoredAny>().map(|_| ())?,
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((first, rest)) = self.0.split_first() else {
            return Err(de::Error::custom(FOUND));
        };
        let mut index = 0;
        loop {
            let found = match first {
                Step::Index(want) if *want == index => seq.next_element_seed(Probe(rest))?.is_some(),
                _ => seq.next_element::<IgnoredAny>()?.is_some(),
            };
            if !found {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.leaf()
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.leaf()
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.leaf()
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.leaf()
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.leaf()
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.leaf()
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.leaf()
    }
}

impl Probe<'_> {
    fn leaf<E: de::Error>(self) -> Result<(), E> {
        if self.0.is_empty() { Err(E::custom(FOUND)) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "a: 1\nlist:\n  - name: x\n  - name: y\n    hosts: [p, q]\n";

    fn at(path: YamlPath) -> Option<(usize, usize)> {
        locate(DOC, &path)
    }

    #[test]
    fn finds_nodes() {
        let root = YamlPath::default();
        assert_eq!(at(root.key("a")), Some((1, 4)));
        assert_eq!(at(root.key("list").index(1).key("name")), Some((4, 11)));
        assert_eq!(at(root.key("list").index(1).key("hosts").index(1)), Some((5, 16)));
        assert_eq!(at(root.key("list").index(1)), Some((4, 5)));
        assert_eq!(at(root.key("list").index(2)), None);
        assert_eq!(at(root.key("nope")), None);
        assert_eq!(root.key("list").index(1).key("hosts").to_string(), "list[1].hosts");
    }
}
