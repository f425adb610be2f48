//! The repository as the link check sees it: every file and directory by its path from the
//! root, and the text of the files it reads. Tests seed defects into a copy of it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Directories never walked: build output, dependencies, and hidden ones (`.git`, virtualenvs,
/// `.terraform`, runner data).
const SKIPPED_DIRS: [&str; 2] = ["target", "node_modules"];

/// A file whose text is checked, by what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Markdown,
    Terraform,
    Rust,
}

impl Kind {
    fn of(path: &str) -> Option<Self> {
        match path.rsplit_once('.')?.1 {
            "md" => Some(Self::Markdown),
            "tf" => Some(Self::Terraform),
            "rs" => Some(Self::Rust),
            _ => None,
        }
    }
}

/// Paths are relative to the root, `/`-separated.
#[derive(Debug, Clone, Default)]
pub struct Repo {
    /// Every file and directory.
    pub paths: BTreeSet<String>,
    /// The checked files' text.
    pub texts: BTreeMap<String, String>,
}

impl Repo {
    /// Reads the tree under `root`.
    pub fn load(root: &Path) -> Self {
        let mut repo = Repo::default();
        repo.walk(root, "");
        repo
    }

    fn walk(&mut self, dir: &Path, prefix: &str) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.expect("a directory entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{prefix}{name}");
            let file_type = entry.file_type().expect("a file type");
            if file_type.is_dir() {
                if name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_str()) {
                    continue;
                }
                self.paths.insert(path.clone());
                self.walk(&entry.path(), &format!("{path}/"));
            } else {
                if Kind::of(&path).is_some()
                    && let Ok(text) = std::fs::read_to_string(entry.path())
                {
                    self.texts.insert(path.clone(), text);
                }
                self.paths.insert(path);
            }
        }
    }

    /// The checked files with their kind.
    pub fn checked(&self) -> impl Iterator<Item = (&str, Kind, &str)> {
        self.texts
            .iter()
            .filter_map(|(path, text)| Some((path.as_str(), Kind::of(path)?, text.as_str())))
    }

    /// A copy with `path` holding `text` (a new file, or a replaced one).
    pub fn with_file(&self, path: &str, text: &str) -> Self {
        let mut copy = self.clone();
        copy.paths.insert(path.to_owned());
        copy.texts.insert(path.to_owned(), text.to_owned());
        copy
    }

    /// A copy with the first `from` in `path` replaced by `to`.
    #[track_caller]
    pub fn seeded(&self, path: &str, from: &str, to: &str) -> Self {
        let text = &self.texts[path];
        assert!(text.contains(from), "{path} does not contain {from:?}");
        self.with_file(path, &text.replacen(from, to, 1))
    }
}
