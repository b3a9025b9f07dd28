//! ADB transport messages: the 24-byte header plus payload that the host's
//! adb server and adbd exchange over TCP (`CNXN`, `AUTH`, `OPEN`, `OKAY`,
//! `WRTE`, `CLSE`, ...).
//!
//! [`FrameDecoder`] turns an arbitrary byte stream into [`Message`]s; it
//! checks the magic and the payload limit (a violation is fatal for the
//! connection, as in adbd) and ignores the data checksum, which current
//! hosts leave at 0. [`Message::encode`] always writes the byte-sum checksum
//! so that old hosts and strict clients accept our frames.

use bytes::{Buf, Bytes, BytesMut};

/// Size of the fixed message header.
pub const HEADER_LEN: usize = 24;
/// Oldest protocol version (checksums required).
pub const A_VERSION_MIN: u32 = 0x0100_0000;
/// Current protocol version (checksums may be skipped).
pub const A_VERSION: u32 = 0x0100_0001;
/// Payload limit that `CNXN` and `AUTH` must fit in.
pub const MAX_PAYLOAD_V1: u32 = 4096;
/// Payload limit adbd advertises today (1 MiB).
pub const MAX_PAYLOAD: u32 = 1024 * 1024;

/// `AUTH` arg0: the device's random token.
pub const AUTH_TOKEN: u32 = 1;
/// `AUTH` arg0: the host's signature over the token.
pub const AUTH_SIGNATURE: u32 = 2;
/// `AUTH` arg0: the host's public key, offered when no signature worked.
pub const AUTH_RSAPUBLICKEY: u32 = 3;

/// The transport commands, as little-endian ASCII words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// Obsolete `SYNC`.
    Sync,
    Cnxn,
    Auth,
    Open,
    Okay,
    Clse,
    Wrte,
    Stls,
}

impl Command {
    /// The command's wire value.
    pub const fn value(self) -> u32 {
        match self {
            Command::Sync => 0x434e_5953,
            Command::Cnxn => 0x4e58_4e43,
            Command::Auth => 0x4854_5541,
            Command::Open => 0x4e45_504f,
            Command::Okay => 0x5941_4b4f,
            Command::Clse => 0x4553_4c43,
            Command::Wrte => 0x4554_5257,
            Command::Stls => 0x534c_5453,
        }
    }

    /// The command for a wire value, if it is one.
    pub fn from_value(v: u32) -> Option<Self> {
        [
            Command::Sync,
            Command::Cnxn,
            Command::Auth,
            Command::Open,
            Command::Okay,
            Command::Clse,
            Command::Wrte,
            Command::Stls,
        ]
        .into_iter()
        .find(|c| c.value() == v)
    }
}

/// One transport message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub command: Command,
    pub arg0: u32,
    pub arg1: u32,
    pub payload: Bytes,
}

impl Message {
    /// A message with the given payload.
    pub fn new(command: Command, arg0: u32, arg1: u32, payload: impl Into<Bytes>) -> Self {
        Message {
            command,
            arg0,
            arg1,
            payload: payload.into(),
        }
    }

    /// The unsigned byte sum adb calls the data checksum.
    pub fn checksum(data: &[u8]) -> u32 {
        data.iter()
            .fold(0u32, |acc, b| acc.wrapping_add(u32::from(*b)))
    }

    /// Header and payload as they go on the wire.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.payload.len());
        let cmd = self.command.value();
        let len = u32::try_from(self.payload.len()).unwrap_or(u32::MAX);
        for word in [
            cmd,
            self.arg0,
            self.arg1,
            len,
            Self::checksum(&self.payload),
            cmd ^ 0xFFFF_FFFF,
        ] {
            out.extend_from_slice(&word.to_le_bytes());
        }
        out.extend_from_slice(&self.payload);
        out
    }
}

/// Why a byte stream is not a valid message sequence; each is fatal for the
/// connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("bad magic {magic:#010x} for command {command:#010x}")]
    BadMagic { command: u32, magic: u32 },
    #[error("payload of {len} bytes exceeds the limit of {max}")]
    TooLarge { len: u32, max: u32 },
}

/// Incremental decoder: feed it bytes as they arrive, take messages out.
#[derive(Debug)]
pub struct FrameDecoder {
    buf: BytesMut,
    max_payload: u32,
}

impl FrameDecoder {
    /// A decoder accepting payloads up to `max_payload` bytes.
    pub fn new(max_payload: u32) -> Self {
        FrameDecoder {
            buf: BytesMut::new(),
            max_payload,
        }
    }

    /// Changes the payload limit (after `CNXN` negotiation).
    pub fn set_max_payload(&mut self, max: u32) {
        self.max_payload = max;
    }

    /// Appends received bytes.
    pub fn feed(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next complete message, `Ok(None)` if more bytes are needed.
    /// Frames with a valid header but a command this side does not know
    /// are skipped, as adbd ignores them.
    pub fn next_message(&mut self) -> Result<Option<Message>, FrameError> {
        loop {
            if self.buf.len() < HEADER_LEN {
                return Ok(None);
            }
            let word = |i: usize| {
                let mut b = [0u8; 4];
                b.copy_from_slice(&self.buf[i * 4..i * 4 + 4]);
                u32::from_le_bytes(b)
            };
            let (cmd, arg0, arg1, len, magic) = (word(0), word(1), word(2), word(3), word(5));
            if magic != cmd ^ 0xFFFF_FFFF {
                return Err(FrameError::BadMagic {
                    command: cmd,
                    magic,
                });
            }
            if len > self.max_payload {
                return Err(FrameError::TooLarge {
                    len,
                    max: self.max_payload,
                });
            }
            let total = HEADER_LEN + len as usize;
            if self.buf.len() < total {
                return Ok(None);
            }
            self.buf.advance(HEADER_LEN);
            let payload = self.buf.split_to(len as usize).freeze();
            let Some(command) = Command::from_value(cmd) else {
                tracing::debug!("ignoring unknown adb command {cmd:#010x}");
                continue;
            };
            return Ok(Some(Message {
                command,
                arg0,
                arg1,
                payload,
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_the_hosts_captured_cnxn() {
        let banner = b"host::features=remount_shell,abb_exec,abb,apex,fixed_push_mkdir,ls_v2,stat_v2,fixed_push_symlink_timestamp,cmd,shell_v2";
        let msg = Message::new(Command::Cnxn, A_VERSION, MAX_PAYLOAD, &banner[..]);
        let bytes = msg.encode();
        // The capture shows check=0x00002e40 and magic=0xb1a7b1bc for this frame.
        assert_eq!(&bytes[16..20], &0x0000_2e40u32.to_le_bytes());
        assert_eq!(&bytes[20..24], &0xb1a7_b1bcu32.to_le_bytes());
        let mut dec = FrameDecoder::new(MAX_PAYLOAD_V1);
        for b in &bytes {
            assert_eq!(dec.next_message(), Ok(None));
            dec.feed(&[*b]);
        }
        assert_eq!(dec.next_message(), Ok(Some(msg)));
        assert_eq!(dec.next_message(), Ok(None));
    }

    #[test]
    fn rejects_bad_magic_and_oversized_payloads() {
        let mut bytes = Message::new(Command::Okay, 1, 2, Bytes::new()).encode();
        bytes[20] ^= 1;
        let mut dec = FrameDecoder::new(MAX_PAYLOAD);
        dec.feed(&bytes);
        assert!(matches!(
            dec.next_message(),
            Err(FrameError::BadMagic { .. })
        ));

        let big = Message::new(Command::Wrte, 1, 2, vec![0u8; 5000]).encode();
        let mut dec = FrameDecoder::new(MAX_PAYLOAD_V1);
        dec.feed(&big);
        assert_eq!(
            dec.next_message(),
            Err(FrameError::TooLarge {
                len: 5000,
                max: 4096
            })
        );
    }

    #[test]
    fn skips_frames_with_unknown_commands() {
        let mut bytes = Vec::new();
        for w in [0x1234_5678u32, 0, 0, 2, 0, 0x1234_5678 ^ 0xFFFF_FFFF] {
            bytes.extend_from_slice(&w.to_le_bytes());
        }
        bytes.extend_from_slice(b"xx");
        let okay = Message::new(Command::Okay, 3, 4, Bytes::new());
        bytes.extend_from_slice(&okay.encode());
        let mut dec = FrameDecoder::new(MAX_PAYLOAD);
        dec.feed(&bytes);
        assert_eq!(dec.next_message(), Ok(Some(okay)));
    }

    proptest! {
        #[test]
        fn decoder_never_panics(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..16)) {
            let mut dec = FrameDecoder::new(MAX_PAYLOAD);
            for c in chunks {
                dec.feed(&c);
                while let Ok(Some(_)) = dec.next_message() {}
            }
        }

        #[test]
        fn encode_decode_round_trips(arg0 in any::<u32>(), arg1 in any::<u32>(), payload in proptest::collection::vec(any::<u8>(), 0..300), split in 0usize..400) {
            let msg = Message::new(Command::Wrte, arg0, arg1, payload);
            let bytes = msg.encode();
            let split = split.min(bytes.len());
            let mut dec = FrameDecoder::new(MAX_PAYLOAD);
            dec.feed(&bytes[..split]);
            let first = dec.next_message().unwrap();
            dec.feed(&bytes[split..]);
            let got = match first { Some(m) => m, None => dec.next_message().unwrap().unwrap() };
            prop_assert_eq!(got, msg);
        }
    }
}
