//! The file sync service (`sync:`), behind `adb push`, `adb pull` and
//! `adb ls`: `STAT`/`STA2`/`LST2`, `LIST`, `SEND`+`DATA`+`DONE`, `RECV`,
//! `QUIT`, answered from the device's in-memory file tree.
//!
//! Requests are `4-byte id + u32 LE` (+ path or data) and may arrive split
//! or merged across adb `WRTE` messages: [`SyncDecoder`] works on a stream.

use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};

use super::device::DeviceState;
use super::fs::{FileStat, FsError};
use super::stream::{StreamReader, StreamWriter};

/// Longest path the service accepts.
pub const MAX_PATH: u32 = 1024;
/// Largest `DATA` chunk.
pub const SYNC_DATA_MAX: usize = 64 * 1024;

const fn id(s: &[u8; 4]) -> u32 {
    u32::from_le_bytes(*s)
}

const ID_STAT: u32 = id(b"STAT");
const ID_STA2: u32 = id(b"STA2");
const ID_LST2: u32 = id(b"LST2");
const ID_LIST: u32 = id(b"LIST");
const ID_SEND: u32 = id(b"SEND");
const ID_RECV: u32 = id(b"RECV");
const ID_DATA: u32 = id(b"DATA");
const ID_DONE: u32 = id(b"DONE");
const ID_QUIT: u32 = id(b"QUIT");

/// One request from the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncRequest {
    /// `STAT` (v1 lstat).
    Stat(String),
    /// `STA2` (stat v2).
    Stat2(String),
    /// `LST2` (lstat v2).
    Lstat2(String),
    List(String),
    /// `SEND "<path>,<mode>"`.
    Send(String),
    Recv(String),
    Data(Bytes),
    /// `DONE <mtime>` ends a `SEND`.
    Done(u32),
    Quit,
}

/// Why the request stream is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error("path too long: {0}")]
    PathTooLong(u32),
    #[error("data chunk too large: {0}")]
    DataTooLarge(u32),
    #[error("unknown command {0:08x}")]
    Unknown(u32),
}

/// Incremental request decoder.
#[derive(Debug, Default)]
pub struct SyncDecoder {
    buf: BytesMut,
}

impl SyncDecoder {
    /// Appends received bytes.
    pub fn feed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next complete request, `Ok(None)` if more bytes are needed.
    pub fn next_request(&mut self) -> Result<Option<SyncRequest>, SyncError> {
        if self.buf.len() < 8 {
            return Ok(None);
        }
        let word = |i: usize| {
            u32::from_le_bytes([
                self.buf[i],
                self.buf[i + 1],
                self.buf[i + 2],
                self.buf[i + 3],
            ])
        };
        let (rid, arg) = (word(0), word(4));
        let with_path = matches!(
            rid,
            ID_STAT | ID_STA2 | ID_LST2 | ID_LIST | ID_SEND | ID_RECV
        );
        if with_path && arg > MAX_PATH {
            return Err(SyncError::PathTooLong(arg));
        }
        if rid == ID_DATA && arg as usize > SYNC_DATA_MAX {
            return Err(SyncError::DataTooLarge(arg));
        }
        match rid {
            ID_DONE | ID_QUIT => {
                self.buf.advance(8);
                return Ok(Some(if rid == ID_DONE {
                    SyncRequest::Done(arg)
                } else {
                    SyncRequest::Quit
                }));
            }
            _ if !with_path && rid != ID_DATA => return Err(SyncError::Unknown(rid)),
            _ => {}
        }
        if self.buf.len() < 8 + arg as usize {
            return Ok(None);
        }
        self.buf.advance(8);
        let body = self.buf.split_to(arg as usize).freeze();
        let text = || String::from_utf8_lossy(&body).into_owned();
        Ok(Some(match rid {
            ID_STAT => SyncRequest::Stat(text()),
            ID_STA2 => SyncRequest::Stat2(text()),
            ID_LST2 => SyncRequest::Lstat2(text()),
            ID_LIST => SyncRequest::List(text()),
            ID_SEND => SyncRequest::Send(text()),
            ID_RECV => SyncRequest::Recv(text()),
            _ => SyncRequest::Data(body),
        }))
    }
}

fn put(out: &mut Vec<u8>, words: &[u32]) {
    for w in words {
        out.extend_from_slice(&w.to_le_bytes());
    }
}

fn fail(msg: &str) -> Vec<u8> {
    let mut out = b"FAIL".to_vec();
    put(&mut out, &[msg.len() as u32]);
    out.extend_from_slice(msg.as_bytes());
    out
}

fn stat_v1(st: Option<FileStat>) -> Vec<u8> {
    let mut out = b"STAT".to_vec();
    let st = st.unwrap_or(FileStat {
        mode: 0,
        size: 0,
        mtime: 0,
    });
    put(
        &mut out,
        &[st.mode, st.size.min(u64::from(u32::MAX)) as u32, st.mtime],
    );
    out
}

fn stat_v2(tag: &[u8; 4], path: &str, res: Result<FileStat, FsError>) -> Vec<u8> {
    let mut out = tag.to_vec();
    match res {
        Ok(st) => {
            put(&mut out, &[0]);
            out.extend_from_slice(&0xfd00u64.to_le_bytes()); // dev
            out.extend_from_slice(&inode(path).to_le_bytes());
            put(&mut out, &[st.mode, 1, 2000, 2000]);
            out.extend_from_slice(&st.size.to_le_bytes());
            for _ in 0..3 {
                out.extend_from_slice(&i64::from(st.mtime).to_le_bytes());
            }
        }
        Err(e) => {
            put(&mut out, &[e.errno()]);
            out.extend_from_slice(&[0u8; 64]);
        }
    }
    out
}

fn inode(path: &str) -> u64 {
    path.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// An in-progress `SEND`.
struct Upload {
    path: String,
    perm: u32,
    data: Vec<u8>,
}

/// The `DENT` entries of a directory, then `DONE`.
fn list_reply(device: &DeviceState, path: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, st) in device.fs().list(path).unwrap_or_default() {
        out.extend_from_slice(b"DENT");
        put(
            &mut out,
            &[
                st.mode,
                st.size.min(u64::from(u32::MAX)) as u32,
                st.mtime,
                name.len() as u32,
            ],
        );
        out.extend_from_slice(name.as_bytes());
    }
    out.extend_from_slice(b"DONE");
    put(&mut out, &[0, 0, 0, 0]);
    out
}

/// Runs the sync service until `QUIT`, end of stream, or a protocol error.
pub async fn serve(device: Arc<DeviceState>, mut input: StreamReader, output: StreamWriter) {
    let mut dec = SyncDecoder::default();
    let mut upload: Option<Upload> = None;
    while let Some(chunk) = input.read().await {
        dec.feed(&chunk);
        loop {
            let req = match dec.next_request() {
                Ok(Some(r)) => r,
                Ok(None) => break,
                Err(e) => {
                    let _ = output.write(fail(&e.to_string())).await;
                    return;
                }
            };
            let reply = match (req, upload.as_mut()) {
                (SyncRequest::Data(d), Some(up)) => {
                    up.data.extend_from_slice(&d);
                    continue;
                }
                (SyncRequest::Done(mtime), Some(_)) => {
                    let Some(up) = upload.take() else { continue };
                    let res = device.fs().write(&up.path, up.data, up.perm, mtime, true);
                    match res {
                        Ok(()) => {
                            let mut out = b"OKAY".to_vec();
                            put(&mut out, &[0]);
                            out
                        }
                        Err(e) => fail(&format!("couldn't create file: {e}")),
                    }
                }
                (_, Some(_)) => {
                    let _ = output.write(fail("invalid data message")).await;
                    return;
                }
                (SyncRequest::Quit, None) => return,
                (SyncRequest::Stat(p), None) => stat_v1(device.fs().stat(&p).ok()),
                (SyncRequest::Stat2(p), None) => stat_v2(b"STA2", &p, device.fs().stat(&p)),
                (SyncRequest::Lstat2(p), None) => stat_v2(b"LST2", &p, device.fs().stat(&p)),
                (SyncRequest::List(p), None) => list_reply(&device, &p),
                (SyncRequest::Send(spec), None) => {
                    let Some((path, mode)) = spec.rsplit_once(',') else {
                        let _ = output.write(fail("missing , in ID_SEND")).await;
                        return;
                    };
                    let perm = mode.parse::<u32>().map(|m| m & 0o7777).unwrap_or(0o644);
                    upload = Some(Upload {
                        path: path.to_string(),
                        perm,
                        data: Vec::new(),
                    });
                    continue;
                }
                (SyncRequest::Recv(p), None) => {
                    let content = device.fs().read(&p);
                    match content {
                        Ok(data) => {
                            for piece in data.chunks(SYNC_DATA_MAX) {
                                let mut out = Vec::with_capacity(piece.len() + 8);
                                out.extend_from_slice(b"DATA");
                                put(&mut out, &[piece.len() as u32]);
                                out.extend_from_slice(piece);
                                if output.write(out).await.is_err() {
                                    return;
                                }
                            }
                            let mut out = b"DONE".to_vec();
                            put(&mut out, &[0]);
                            out
                        }
                        Err(e) => fail(&format!("open failed: {e}")),
                    }
                }
                (SyncRequest::Data(_) | SyncRequest::Done(_), None) => {
                    let _ = output.write(fail("invalid data message")).await;
                    return;
                }
            };
            if output.write(reply).await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_the_captured_push_in_one_write() {
        let mut d = SyncDecoder::default();
        d.feed(b"SEND!\x00\x00\x00/sdcard/small.txt/small.txt,33188DATA\x06\x00\x00\x00hello\x0aDONEjP\x02k");
        assert_eq!(
            d.next_request(),
            Ok(Some(SyncRequest::Send(
                "/sdcard/small.txt/small.txt,33188".into()
            )))
        );
        assert_eq!(
            d.next_request(),
            Ok(Some(SyncRequest::Data(Bytes::from_static(b"hello\n"))))
        );
        assert_eq!(d.next_request(), Ok(Some(SyncRequest::Done(1_795_313_770))));
        assert_eq!(d.next_request(), Ok(None));
    }

    #[test]
    fn decodes_a_stat_whose_path_comes_in_a_second_write() {
        let mut d = SyncDecoder::default();
        d.feed(b"STAT\x0d\x00\x00\x00");
        assert_eq!(d.next_request(), Ok(None));
        d.feed(b"/sdcard/x.txt");
        assert_eq!(
            d.next_request(),
            Ok(Some(SyncRequest::Stat("/sdcard/x.txt".into())))
        );
    }

    #[test]
    fn refuses_oversized_and_unknown_requests() {
        let mut d = SyncDecoder::default();
        d.feed(b"STAT\x01\x08\x00\x00");
        assert_eq!(d.next_request(), Err(SyncError::PathTooLong(2049)));
        let mut d = SyncDecoder::default();
        d.feed(b"XXXX\x00\x00\x00\x00");
        assert!(matches!(d.next_request(), Err(SyncError::Unknown(_))));
    }

    #[test]
    fn stat_v2_reply_is_72_bytes() {
        assert_eq!(stat_v2(b"STA2", "/x", Err(FsError::NotFound)).len(), 72);
        let st = FileStat {
            mode: 0o100644,
            size: 3,
            mtime: 9,
        };
        assert_eq!(stat_v2(b"STA2", "/x", Ok(st)).len(), 72);
    }

    proptest! {
        #[test]
        fn decoder_never_panics(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..48), 0..10)) {
            let mut d = SyncDecoder::default();
            for c in chunks {
                d.feed(&c);
                while let Ok(Some(_)) = d.next_request() {}
            }
        }

        #[test]
        fn decoder_never_panics_on_known_ids(reqs in proptest::collection::vec((prop_oneof![Just(*b"STAT"), Just(*b"SEND"), Just(*b"DATA"), Just(*b"DONE"), Just(*b"RECV"), Just(*b"LIST"), Just(*b"QUIT")], 0u32..2000, proptest::collection::vec(any::<u8>(), 0..32)), 0..8)) {
            let mut d = SyncDecoder::default();
            for (tag, len, body) in reqs {
                d.feed(&tag);
                d.feed(&len.to_le_bytes());
                d.feed(&body);
                while let Ok(Some(_)) = d.next_request() {}
            }
        }
    }
}
