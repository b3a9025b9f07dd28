//! The simulated device's file tree: in memory, per device, with Unix modes
//! and modification times, shared by the sync service (`adb push/pull`) and
//! the shell (`cat`, `ls`, `rm`, `mkdir`, redirections).

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// File type bits of `st_mode`.
pub const S_IFMT: u32 = 0o170_000;
/// Directory type bits.
pub const S_IFDIR: u32 = 0o040_000;
/// Regular file type bits.
pub const S_IFREG: u32 = 0o100_000;

/// What `stat` reports about one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    /// Full `st_mode` (type and permission bits).
    pub mode: u32,
    pub size: u64,
    /// Seconds since the Unix epoch.
    pub mtime: u32,
}

impl FileStat {
    /// Whether this is a directory.
    pub fn is_dir(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }
}

/// Why a file operation failed; `Display` is the `strerror` text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FsError {
    #[error("No such file or directory")]
    NotFound,
    #[error("Is a directory")]
    IsADirectory,
    #[error("Not a directory")]
    NotADirectory,
    #[error("File exists")]
    Exists,
    #[error("Directory not empty")]
    NotEmpty,
    #[error("Invalid argument")]
    InvalidPath,
}

impl FsError {
    /// The errno value adbd reports in `STA2` replies.
    pub fn errno(self) -> u32 {
        match self {
            FsError::NotFound => 2,
            FsError::IsADirectory => 21,
            FsError::NotADirectory => 20,
            FsError::Exists => 17,
            FsError::NotEmpty => 39,
            FsError::InvalidPath => 22,
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    mode: u32,
    mtime: u32,
    data: Vec<u8>,
}

/// An in-memory directory tree keyed by normalized absolute path.
#[derive(Debug, Clone)]
pub struct FileTree {
    entries: BTreeMap<String, Entry>,
}

/// Seconds since the epoch, now.
pub fn now_secs() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX))
        .unwrap_or(0)
}

/// Normalizes `path` against `cwd`: absolute, no `.`/`..`/empty components,
/// no trailing slash. `None` for paths that are not valid text paths.
pub fn normalize(path: &str, cwd: &str) -> Option<String> {
    if path.is_empty() || path.contains('\0') {
        return None;
    }
    let joined = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{}", cwd.trim_end_matches('/'), path)
    };
    let mut parts: Vec<&str> = Vec::new();
    for comp in joined.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

fn parent_of(path: &str) -> Option<&str> {
    if path == "/" {
        return None;
    }
    match path.rfind('/') {
        Some(0) => Some("/"),
        Some(i) => Some(&path[..i]),
        None => None,
    }
}

impl Default for FileTree {
    fn default() -> Self {
        FileTree::android_default()
    }
}

impl FileTree {
    /// An empty tree holding only `/`.
    pub fn empty() -> Self {
        let mut entries = BTreeMap::new();
        entries.insert(
            "/".to_string(),
            Entry {
                mode: S_IFDIR | 0o755,
                mtime: now_secs(),
                data: Vec::new(),
            },
        );
        FileTree { entries }
    }

    /// The directories a freshly booted Android device has and tools use.
    pub fn android_default() -> Self {
        let mut t = FileTree::empty();
        for d in [
            "/sdcard",
            "/storage/emulated/0",
            "/data/local/tmp",
            "/system/bin",
            "/vendor",
            "/proc",
        ] {
            let _ = t.mkdir(d, true);
        }
        for d in ["/sdcard", "/storage/emulated/0"] {
            let _ = t.chmod(d, S_IFDIR | 0o771);
        }
        t
    }

    /// `stat` of an absolute, normalized path.
    pub fn stat(&self, path: &str) -> Result<FileStat, FsError> {
        let p = normalize(path, "/").ok_or(FsError::InvalidPath)?;
        let e = self.entries.get(&p).ok_or(FsError::NotFound)?;
        Ok(FileStat {
            mode: e.mode,
            size: e.data.len() as u64,
            mtime: e.mtime,
        })
    }

    /// The entries of a directory, sorted by name.
    pub fn list(&self, path: &str) -> Result<Vec<(String, FileStat)>, FsError> {
        let p = normalize(path, "/").ok_or(FsError::InvalidPath)?;
        if !self.stat(&p)?.is_dir() {
            return Err(FsError::NotADirectory);
        }
        let prefix = if p == "/" {
            "/".to_string()
        } else {
            format!("{p}/")
        };
        Ok(self
            .entries
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| k.len() > prefix.len() && !k[prefix.len()..].contains('/'))
            .map(|(k, e)| {
                (
                    k[prefix.len()..].to_string(),
                    FileStat {
                        mode: e.mode,
                        size: e.data.len() as u64,
                        mtime: e.mtime,
                    },
                )
            })
            .collect())
    }

    /// A regular file's content.
    pub fn read(&self, path: &str) -> Result<Vec<u8>, FsError> {
        let p = normalize(path, "/").ok_or(FsError::InvalidPath)?;
        let e = self.entries.get(&p).ok_or(FsError::NotFound)?;
        if e.mode & S_IFMT == S_IFDIR {
            return Err(FsError::IsADirectory);
        }
        Ok(e.data.clone())
    }

    /// Writes (creates or replaces) a regular file. `perm` are the permission
    /// bits; `make_parents` creates missing directories as `adb push` does.
    pub fn write(
        &mut self,
        path: &str,
        data: Vec<u8>,
        perm: u32,
        mtime: u32,
        make_parents: bool,
    ) -> Result<(), FsError> {
        let p = normalize(path, "/").ok_or(FsError::InvalidPath)?;
        if p == "/" {
            return Err(FsError::IsADirectory);
        }
        if let Some(e) = self.entries.get(&p) {
            if e.mode & S_IFMT == S_IFDIR {
                return Err(FsError::IsADirectory);
            }
        }
        let parent = parent_of(&p).ok_or(FsError::InvalidPath)?.to_string();
        match self.stat(&parent) {
            Ok(s) if s.is_dir() => {}
            Ok(_) => return Err(FsError::NotADirectory),
            Err(FsError::NotFound) if make_parents => self.mkdir(&parent, true)?,
            Err(e) => return Err(e),
        }
        self.entries.insert(
            p,
            Entry {
                mode: S_IFREG | (perm & 0o7777),
                mtime,
                data,
            },
        );
        Ok(())
    }

    /// Appends to a regular file, creating it if needed.
    pub fn append(&mut self, path: &str, data: &[u8]) -> Result<(), FsError> {
        let p = normalize(path, "/").ok_or(FsError::InvalidPath)?;
        let mut content = match self.read(&p) {
            Ok(c) => c,
            Err(FsError::NotFound) => Vec::new(),
            Err(e) => return Err(e),
        };
        content.extend_from_slice(data);
        let perm = self.stat(&p).map(|s| s.mode & 0o7777).unwrap_or(0o644);
        self.write(&p, content, perm, now_secs(), false)
    }

    /// Creates a directory (and its parents with `parents`, which also
    /// accepts an existing directory).
    pub fn mkdir(&mut self, path: &str, parents: bool) -> Result<(), FsError> {
        let p = normalize(path, "/").ok_or(FsError::InvalidPath)?;
        match self.stat(&p) {
            Ok(s) if s.is_dir() && parents => return Ok(()),
            Ok(_) => return Err(FsError::Exists),
            Err(_) => {}
        }
        let parent = parent_of(&p).ok_or(FsError::Exists)?.to_string();
        match self.stat(&parent) {
            Ok(s) if s.is_dir() => {}
            Ok(_) => return Err(FsError::NotADirectory),
            Err(FsError::NotFound) if parents => self.mkdir(&parent, true)?,
            Err(e) => return Err(e),
        }
        self.entries.insert(
            p,
            Entry {
                mode: S_IFDIR | 0o755,
                mtime: now_secs(),
                data: Vec::new(),
            },
        );
        Ok(())
    }

    /// Removes a file, or a directory with `recursive`.
    pub fn remove(&mut self, path: &str, recursive: bool) -> Result<(), FsError> {
        let p = normalize(path, "/").ok_or(FsError::InvalidPath)?;
        let st = self.stat(&p)?;
        if st.is_dir() {
            if !recursive {
                return Err(FsError::IsADirectory);
            }
            if p == "/" {
                return Err(FsError::InvalidPath);
            }
            let prefix = format!("{p}/");
            self.entries.retain(|k, _| !k.starts_with(&prefix));
        }
        self.entries.remove(&p);
        Ok(())
    }

    /// Replaces the mode of an existing entry.
    pub fn chmod(&mut self, path: &str, mode: u32) -> Result<(), FsError> {
        let p = normalize(path, "/").ok_or(FsError::InvalidPath)?;
        let e = self.entries.get_mut(&p).ok_or(FsError::NotFound)?;
        e.mode = (e.mode & S_IFMT) | (mode & 0o7777);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_resolves_dots_and_relative_paths() {
        assert_eq!(
            normalize("a/../b/./c/", "/sdcard").as_deref(),
            Some("/sdcard/b/c")
        );
        assert_eq!(normalize("/..", "/").as_deref(), Some("/"));
        assert_eq!(normalize("", "/"), None);
    }

    #[test]
    fn write_list_read_remove() {
        let mut t = FileTree::android_default();
        t.write("/sdcard/dir/a.txt", b"hi".to_vec(), 0o644, 7, true)
            .unwrap();
        let names: Vec<_> = t
            .list("/sdcard")
            .unwrap()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names, ["dir"]);
        assert_eq!(t.read("/sdcard/dir/a.txt").unwrap(), b"hi");
        assert_eq!(t.stat("/sdcard/dir/a.txt").unwrap().mode, S_IFREG | 0o644);
        assert_eq!(t.remove("/sdcard/dir", false), Err(FsError::IsADirectory));
        t.remove("/sdcard/dir", true).unwrap();
        assert_eq!(t.stat("/sdcard/dir/a.txt"), Err(FsError::NotFound));
        assert_eq!(
            t.write("/nope/x", vec![], 0o644, 0, false),
            Err(FsError::NotFound)
        );
    }
}
